/**
 * Applying what the engine decided: facts, state changes with their reasons, jobs,
 * timers, throttles, poll cadence, and a decision record for each. This is where rule
 * effects are interpreted (settle windows merged, expectations keyed, a removed context's
 * pending work cancelled); the rows are written by the store's StateWrites, inside the
 * store's transaction.
 */
import type { JobQueue } from '../store/job-queue.js';
import type { ConfigVersions } from '../store/config-versions.js';
import type { DecisionRecord, StateWrites } from '../store/state-writes.js';
import { mergeSettlePayload, settleDue, settleKey } from './throttles.js';
import type { ContextState, Effect, Evaluation, Fact, Reason, RuleOutcome, SettlePayload, StateView } from './types.js';

export type { DecisionRecord };

/** Append a reason, keeping the chain bounded but never dropping the entry that started the current state. */
export function appendReason(chain: Reason[], r: Reason, max: number): Reason[] {
  const out = [...chain, r];
  let start = -1;
  for (let i = out.length - 1; i >= 0; i--) {
    if (out[i]!.from !== out[i]!.to) {
      start = i;
      break;
    }
  }
  while (out.length > max) {
    const drop = start === 0 ? 1 : 0;
    out.splice(drop, 1);
    if (drop < start) start--;
  }
  return out;
}

/** What the effect applier reads and writes through (a Store provides all of it). */
export interface EffectTarget {
  readonly writes: StateWrites;
  readonly view: StateView;
  readonly jobs: JobQueue;
  readonly versions: ConfigVersions;
  /** Reasons kept per context (config engine.reasons_kept). */
  readonly reasonsKept: number;
}

export class EffectApplier {
  readonly #w: StateWrites;
  readonly #view: StateView;
  readonly #jobs: JobQueue;
  readonly #versions: ConfigVersions;
  /** Read at each write: a configuration reload may change it. */
  readonly #target: EffectTarget;

  constructor(target: EffectTarget) {
    this.#w = target.writes;
    this.#view = target.view;
    this.#jobs = target.jobs;
    this.#versions = target.versions;
    this.#target = target;
  }

  #newContext(device: string, context: string, now: number, group?: number): ContextState {
    return { device, context, sync: 'unknown', since: now, configured: false, ftGroup: group, reasons: [] };
  }

  #fact(f: Fact, now: number, eventId: number | undefined, out: DecisionRecord[]): void {
    switch (f.kind) {
      case 'role': {
        const prev = this.#view.role(f.device, f.group);
        if (prev === f.role) return;
        this.#w.setRole(f.device, f.group, f.role, now);
        out.push(
          this.#w.record({
            at: now,
            eventId,
            kind: 'fact',
            device: f.device,
            reason: `FT group ${f.group}: ${prev ?? 'unknown'} -> ${f.role}`,
            detail: { group: f.group, role: f.role, prev },
          }),
        );
        return;
      }
      case 'group-contexts': {
        this.#w.setLearnedGroupContexts(f.device, f.group, f.contexts, now);
        return;
      }
      case 'context-seen': {
        if (this.#view.context(f.device, f.context) || !this.#w.creatable(f.device, f.context)) return;
        const c = this.#newContext(f.device, f.context, now, f.group);
        c.reasons = [{ at: now, eventId, from: null, to: 'unknown', text: 'learnt from show ft group' }];
        this.#w.writeContext(c, now);
        out.push(
          this.#w.record({
            at: now,
            eventId,
            kind: 'fact',
            device: f.device,
            context: f.context,
            to: 'unknown',
            reason: 'context learnt from the FT group status',
          }),
        );
        return;
      }
      case 'audit': {
        if (!this.#view.context(f.device, f.context) && !this.#w.creatable(f.device, f.context)) return;
        const c = this.#view.context(f.device, f.context) ?? this.#newContext(f.device, f.context, now);
        this.#w.writeContext(
          { ...c, lastAuditAt: now, lastAuditOutcome: f.outcome, lastAuditHash: f.hash ?? c.lastAuditHash },
          now,
        );
        if (f.hash && f.config !== undefined) this.#versions.record(f.device, f.context, f.hash, f.config, now);
        return;
      }
      case 'upload': {
        if (!this.#view.context(f.device, f.context) && !this.#w.creatable(f.device, f.context)) return;
        const c = this.#view.context(f.device, f.context) ?? this.#newContext(f.device, f.context, now);
        this.#w.writeContext({ ...c, lastUploadAt: now, lastUploadOutcome: f.outcome }, now);
        return;
      }
    }
  }

  #mark(e: Extract<Effect, { kind: 'mark' }>, now: number, eventId: number | undefined, out: DecisionRecord[]): void {
    const cur = this.#view.context(e.device, e.context);
    const from = cur?.sync ?? null;
    // Already there: fall through and add the reason to the chain (more evidence, same state).
    if (e.onlyFrom && from !== e.to && (from === null || !e.onlyFrom.includes(from))) {
      out.push(
        this.#w.record({
          at: now,
          eventId,
          rule: e.rule,
          kind: 'note',
          device: e.device,
          context: e.context,
          from,
          reason: `not moved to ${e.to}: state is ${from ?? 'new'}`,
        }),
      );
      return;
    }
    const changed = from !== e.to;
    // The chain records steps: a repeat of the latest step (same rule, same state) adds
    // nothing to it. Each repeat is still in the decisions table (its rule match), so no
    // evidence is lost, and a burst of 40 commands costs one write instead of 40.
    const last = cur?.reasons[cur.reasons.length - 1];
    if (!changed && last && last.rule === e.rule && last.to === e.to) return;
    if (!cur && !this.#w.creatable(e.device, e.context)) {
      out.push(
        this.#w.record({
          at: now,
          eventId,
          rule: e.rule,
          kind: 'note',
          device: e.device.slice(0, 64),
          context: e.context.slice(0, 64),
          reason: 'not recorded: bad name, or too many contexts on this device',
        }),
      );
      return;
    }
    const base = cur ?? this.#newContext(e.device, e.context, now);
    const reason: Reason = { at: now, eventId, rule: e.rule, from, to: e.to, text: e.reason };
    this.#w.writeContext(
      {
        ...base,
        sync: e.to,
        since: changed ? now : base.since,
        reasons: appendReason(base.reasons, reason, this.#target.reasonsKept),
      },
      now,
    );
    if (!changed) return;
    out.push(
      this.#w.record({
        at: now,
        eventId,
        rule: e.rule,
        kind: 'state',
        device: e.device,
        context: e.context,
        from,
        to: e.to,
        reason: e.reason,
      }),
    );
    // A removed context has nothing left to audit or upload.
    if (e.to === 'removed') {
      this.#jobs.cancelPendingFor(e.device, e.context);
      for (const job of ['audit', 'upload', 'check-crypto'] as const)
        this.#w.deleteTimer(settleKey(job, e.device, e.context));
    }
  }

  #effect(e: Effect, now: number, eventId: number | undefined, out: DecisionRecord[]): void {
    switch (e.kind) {
      case 'mark':
        return this.#mark(e, now, eventId, out);
      case 'job': {
        const { job, created } = this.#jobs.enqueue({
          type: e.job,
          device: e.device,
          context: e.context,
          dedupe: e.dedupe,
          payload: { ...e.payload, eventId: e.payload.eventId ?? eventId },
          priority: e.priority,
        });
        out.push(
          this.#w.record({
            at: now,
            eventId,
            rule: e.rule,
            kind: 'action',
            action: e.job,
            device: e.device,
            context: e.context,
            due: job.nextRunAt,
            reason: e.reason,
            detail: created ? { job: job.id } : { job: job.id, merged: true, requests: job.requests },
          }),
        );
        return;
      }
      case 'settle': {
        const key = settleKey(e.job, e.device, e.context);
        const old = this.#view.timer(key);
        const { due, firstAt } = settleDue(old, now, e.settleMs, e.maxWaitMs);
        const add: SettlePayload = {
          job: e.job,
          priority: e.priority,
          maxWaitMs: e.maxWaitMs,
          jobPayload: e.payload,
          reasons: [e.reason],
        };
        const payload = mergeSettlePayload(old?.payload as SettlePayload | undefined, add);
        this.#w.putTimer({
          key,
          kind: 'settle',
          due,
          firstAt,
          rule: old?.rule ?? e.rule,
          ruleHash: e.ruleHash,
          device: e.device,
          context: e.context,
          payload,
          createdAt: old?.createdAt ?? now,
        });
        if (!old)
          out.push(
            this.#w.record({
              at: now,
              eventId,
              rule: e.rule,
              kind: 'action',
              action: `settle:${e.job}`,
              device: e.device,
              context: e.context,
              due,
              reason: e.reason,
            }),
          );
        return;
      }
      case 'expect': {
        const key = `expect|${e.rule}|${e.device}|${e.context}`;
        this.#w.putTimer({
          key,
          kind: 'expect',
          due: e.due,
          firstAt: now,
          rule: e.rule,
          ruleHash: e.ruleHash,
          device: e.device,
          context: e.context,
          payload: e.payload,
          createdAt: now,
        });
        out.push(
          this.#w.record({
            at: now,
            eventId,
            rule: e.rule,
            kind: 'action',
            action: 'expect',
            device: e.device,
            context: e.context,
            due: e.due,
            reason: e.payload.reason,
            detail: { match: e.payload.match },
          }),
        );
        return;
      }
      case 'expect-met':
        this.#w.deleteTimer(e.key);
        out.push(
          this.#w.record({
            at: now,
            eventId,
            rule: e.rule,
            kind: 'expect-met',
            device: e.device,
            context: e.context,
            reason: e.reason,
          }),
        );
        return;
      case 'timer-done':
        this.#w.deleteTimer(e.key);
        return;
      case 'throttle':
        this.#w.setThrottle(e.rule, e.key, e.until);
        return;
      case 'cadence':
        this.#w.setCadence(e.device, e.mode, e.until, e.rule, e.reason, now);
        out.push(
          this.#w.record({
            at: now,
            eventId,
            rule: e.rule,
            kind: 'action',
            action: `poll:${e.mode}`,
            device: e.device,
            due: e.until,
            reason: e.reason,
          }),
        );
        return;
    }
  }

  #outcome(
    o: RuleOutcome,
    now: number,
    eventId: number | undefined,
    device: string | undefined,
    context: string | undefined,
  ): DecisionRecord {
    return this.#w.record({
      at: now,
      eventId,
      rule: o.rule,
      kind: o.status === 'fired' ? 'match' : 'throttled',
      device,
      context,
      reason: o.status === 'throttled' ? o.notes[0] : undefined,
      detail: {
        conditions: o.conditions,
        notes: o.notes.length ? o.notes : undefined,
        throttleKey: o.throttleKey,
        suppressedRest: o.suppressedRest || undefined,
      },
    });
  }

  /** Apply one evaluation; returns the decision records written. */
  apply(ev: Evaluation, ctx: { eventId?: number; device?: string; context?: string }): DecisionRecord[] {
    const out: DecisionRecord[] = [];
    const now = ev.at;
    for (const f of ev.facts) this.#fact(f, now, ctx.eventId, out);
    for (const o of ev.outcomes) out.push(this.#outcome(o, now, ctx.eventId, ctx.device, ctx.context));
    for (const e of ev.effects) this.#effect(e, now, ctx.eventId, out);
    return out;
  }
}
