/**
 * Applying what the engine decided: facts, state changes with their reasons, jobs,
 * timers, throttles, poll cadence, and a decision record for each. Called inside the
 * store's transaction; writes through the in-memory mirror.
 */
import type { Database, Statement } from 'better-sqlite3';
import type { JobType, SyncState } from '../core/events.js';
import type { JobQueue } from '../store/job-queue.js';
import { mergeSettlePayload, settleDue, settleKey } from './throttles.js';
import type { ContextState, Effect, Evaluation, Fact, Reason, RuleOutcome, SettlePayload, TimerRow } from './types.js';
import type { StateMirror } from '../store/mirror.js';
import type { ConfigVersions } from '../store/config-versions.js';

/** One row of the decisions table: what replay prints and explain reads. */
export interface DecisionRecord {
  at: number;
  eventId?: number;
  rule?: string;
  kind: 'state' | 'action' | 'match' | 'throttled' | 'expect-met' | 'expect-expired' | 'fact' | 'note';
  device?: string;
  context?: string;
  from?: SyncState | null;
  to?: SyncState;
  /** audit | upload | check-crypto | alert | settle:<job> | expect | poll:<mode> */
  action?: string;
  due?: number;
  reason?: string;
  detail?: Record<string, unknown>;
}

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

/**
 * Bounds on what events can create: names come from devices and are untrusted. An ACE
 * holds at most 251 contexts; a flood of made-up names must not grow the state.
 */
export const MAX_CONTEXTS_PER_DEVICE = 1024;
export const MAX_DEVICES = 4096;
const NAME = /^[A-Za-z0-9_.-]{1,64}$/;

export class Applier {
  readonly #mirror: StateMirror;
  readonly #jobs: JobQueue;
  readonly #versions: ConfigVersions;
  readonly #reasonsKept: number;
  readonly #s: Record<string, Statement>;

  constructor(db: Database, mirror: StateMirror, jobs: JobQueue, versions: ConfigVersions, reasonsKept: number) {
    this.#mirror = mirror;
    this.#jobs = jobs;
    this.#versions = versions;
    this.#reasonsKept = reasonsKept;
    this.#s = {
      ensureDevice: db.prepare(
        "INSERT INTO devices (name, host, peer, configured, first_seen, updated_at) VALUES (?, '', NULL, 0, ?, ?) ON CONFLICT(name) DO NOTHING",
      ),
      upsertContext:
        db.prepare(`INSERT INTO contexts (device, name, configured, ft_group, sync, since, reasons, last_audit_at, last_audit_outcome, last_audit_hash,
          last_upload_at, last_upload_outcome, anm_hash, first_seen, updated_at)
        VALUES (@device, @context, @configured, @ftGroup, @sync, @since, @reasons, @lastAuditAt, @lastAuditOutcome, @lastAuditHash,
          @lastUploadAt, @lastUploadOutcome, @anmHash, @now, @now)
        ON CONFLICT(device, name) DO UPDATE SET ft_group = excluded.ft_group, sync = excluded.sync, since = excluded.since, reasons = excluded.reasons,
          last_audit_at = excluded.last_audit_at, last_audit_outcome = excluded.last_audit_outcome, last_audit_hash = excluded.last_audit_hash,
          last_upload_at = excluded.last_upload_at, last_upload_outcome = excluded.last_upload_outcome, anm_hash = excluded.anm_hash, updated_at = excluded.updated_at`),
      role: db.prepare(`INSERT INTO ft_roles (device, ft_group, role, prev_role, since, updated_at) VALUES (?, ?, ?, NULL, ?, ?)
        ON CONFLICT(device, ft_group) DO UPDATE SET prev_role = CASE WHEN role != excluded.role THEN role ELSE prev_role END,
          since = CASE WHEN role != excluded.role THEN excluded.since ELSE since END, role = excluded.role, updated_at = excluded.updated_at`),
      clearLearned: db.prepare(
        "DELETE FROM ft_group_contexts WHERE device = ? AND ft_group = ? AND source = 'learned'",
      ),
      member: db.prepare(
        "INSERT INTO ft_group_contexts (device, ft_group, context, source, updated_at) VALUES (?, ?, ?, 'learned', ?) ON CONFLICT(device, ft_group, context) DO UPDATE SET updated_at = excluded.updated_at",
      ),
      members: db.prepare('SELECT context FROM ft_group_contexts WHERE device = ? AND ft_group = ?'),
      upsertTimer:
        db.prepare(`INSERT INTO timers (key, kind, due, first_at, rule, rule_hash, device, context, payload, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT(key) DO UPDATE SET due = excluded.due, payload = excluded.payload, rule = excluded.rule, rule_hash = excluded.rule_hash RETURNING id`),
      deleteTimer: db.prepare('DELETE FROM timers WHERE key = ?'),
      throttle: db.prepare(
        'INSERT INTO throttles (rule, key, until) VALUES (?, ?, ?) ON CONFLICT(rule, key) DO UPDATE SET until = excluded.until',
      ),
      cadence:
        db.prepare(`INSERT INTO poll_cadence (device, mode, until, rule, reason, set_at) VALUES (?, ?, ?, ?, ?, ?)
        ON CONFLICT(device) DO UPDATE SET mode = excluded.mode, until = MAX(until, excluded.until), rule = excluded.rule, reason = excluded.reason, set_at = excluded.set_at`),
      decision:
        db.prepare(`INSERT INTO decisions (at, event_id, rule, kind, device, context, from_state, to_state, action, due, reason, detail)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
    };
  }

  /** Write a decision row. */
  record(r: DecisionRecord): DecisionRecord {
    this.#s.decision!.run(
      r.at,
      r.eventId ?? null,
      r.rule ?? null,
      r.kind,
      r.device ?? null,
      r.context ?? null,
      r.from ?? null,
      r.to ?? null,
      r.action ?? null,
      r.due ?? null,
      r.reason ?? null,
      r.detail ? JSON.stringify(r.detail) : null,
    );
    return r;
  }

  ensureDevice(device: string, now: number): void {
    if (this.#mirror.hasDevice(device)) return;
    this.#s.ensureDevice!.run(device, now, now);
    this.#mirror.putDevice(device);
  }

  /**
   * Write-behind inside a batch: rows that already exist are updated in memory and written
   * once at `flush()` (same transaction), so a burst touching one context or settle window
   * 40 times costs one write. New rows are written at once (they need their id).
   */
  #deferring = false;
  readonly #dirtyContexts = new Map<string, { c: ContextState; now: number }>();
  readonly #dirtyTimers = new Set<string>();

  /** Run `fn` with writes deferred, then flush them (inside the caller's transaction). */
  deferred<T>(fn: () => T): T {
    this.#deferring = true;
    try {
      const r = fn();
      this.flush();
      return r;
    } catch (err) {
      this.discard();
      throw err;
    } finally {
      this.#deferring = false;
    }
  }

  /** Write what was deferred. */
  flush(): void {
    for (const { c, now } of this.#dirtyContexts.values()) this.#upsertContext(c, now);
    this.#dirtyContexts.clear();
    for (const key of this.#dirtyTimers) {
      const t = this.#mirror.timer(key);
      if (t)
        this.#s.upsertTimer!.get(
          t.key,
          t.kind,
          t.due,
          t.firstAt,
          t.rule,
          t.ruleHash,
          t.device,
          t.context,
          JSON.stringify(t.payload),
          t.createdAt,
        );
    }
    this.#dirtyTimers.clear();
  }

  /** Forget deferred writes (the transaction is being rolled back; the mirror is reloaded). */
  discard(): void {
    this.#dirtyContexts.clear();
    this.#dirtyTimers.clear();
  }

  writeContext(c: ContextState, now: number): void {
    if (this.#deferring && this.#mirror.context(c.device, c.context)) {
      this.#dirtyContexts.set(`${c.device}\u0000${c.context}`, { c, now });
      this.#mirror.putContext(c);
      return;
    }
    this.#upsertContext(c, now);
    this.#mirror.putContext(c);
  }

  #upsertContext(c: ContextState, now: number): void {
    this.ensureDevice(c.device, now);
    this.#s.upsertContext!.run({
      device: c.device,
      context: c.context,
      configured: c.configured ? 1 : 0,
      ftGroup: c.ftGroup ?? null,
      sync: c.sync,
      since: c.since,
      reasons: JSON.stringify(c.reasons),
      lastAuditAt: c.lastAuditAt ?? null,
      lastAuditOutcome: c.lastAuditOutcome ?? null,
      lastAuditHash: c.lastAuditHash ?? null,
      lastUploadAt: c.lastUploadAt ?? null,
      lastUploadOutcome: c.lastUploadOutcome ?? null,
      anmHash: c.anmHash ?? null,
      now,
    });
  }

  /** May a row for this (device, context) be created? */
  #creatable(device: string, context: string): boolean {
    if (!NAME.test(device) || !NAME.test(context)) return false;
    if (!this.#mirror.hasDevice(device) && this.#mirror.deviceCount() >= MAX_DEVICES) return false;
    return this.#mirror.contextCount(device) < MAX_CONTEXTS_PER_DEVICE;
  }

  #newContext(device: string, context: string, now: number, group?: number): ContextState {
    return { device, context, sync: 'unknown', since: now, configured: false, ftGroup: group, reasons: [] };
  }

  #fact(f: Fact, now: number, eventId: number | undefined, out: DecisionRecord[]): void {
    switch (f.kind) {
      case 'role': {
        const prev = this.#mirror.role(f.device, f.group);
        if (prev === f.role) return;
        this.#s.role!.run(f.device, f.group, f.role, now, now);
        this.#mirror.setRole(f.device, f.group, f.role);
        out.push(
          this.record({
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
        this.#s.clearLearned!.run(f.device, f.group);
        for (const c of f.contexts) this.#s.member!.run(f.device, f.group, c, now);
        const all = (this.#s.members!.all(f.device, f.group) as Array<{ context: string }>).map((r) => r.context);
        this.#mirror.setGroupContexts(f.device, f.group, all);
        return;
      }
      case 'context-seen': {
        if (this.#mirror.context(f.device, f.context) || !this.#creatable(f.device, f.context)) return;
        const c = this.#newContext(f.device, f.context, now, f.group);
        c.reasons = [{ at: now, eventId, from: null, to: 'unknown', text: 'learnt from show ft group' }];
        this.writeContext(c, now);
        out.push(
          this.record({
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
        if (!this.#mirror.context(f.device, f.context) && !this.#creatable(f.device, f.context)) return;
        const c = this.#mirror.context(f.device, f.context) ?? this.#newContext(f.device, f.context, now);
        this.writeContext(
          { ...c, lastAuditAt: now, lastAuditOutcome: f.outcome, lastAuditHash: f.hash ?? c.lastAuditHash },
          now,
        );
        if (f.hash && f.config !== undefined) this.#versions.record(f.device, f.context, f.hash, f.config, now);
        return;
      }
      case 'upload': {
        if (!this.#mirror.context(f.device, f.context) && !this.#creatable(f.device, f.context)) return;
        const c = this.#mirror.context(f.device, f.context) ?? this.#newContext(f.device, f.context, now);
        this.writeContext({ ...c, lastUploadAt: now, lastUploadOutcome: f.outcome }, now);
        return;
      }
    }
  }

  #mark(e: Extract<Effect, { kind: 'mark' }>, now: number, eventId: number | undefined, out: DecisionRecord[]): void {
    const cur = this.#mirror.context(e.device, e.context);
    const from = cur?.sync ?? null;
    // Already there: fall through and add the reason to the chain (more evidence, same state).
    if (e.onlyFrom && from !== e.to && (from === null || !e.onlyFrom.includes(from))) {
      out.push(
        this.record({
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
    if (!cur && !this.#creatable(e.device, e.context)) {
      out.push(
        this.record({
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
    this.writeContext(
      {
        ...base,
        sync: e.to,
        since: changed ? now : base.since,
        reasons: appendReason(base.reasons, reason, this.#reasonsKept),
      },
      now,
    );
    if (!changed) return;
    out.push(
      this.record({
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
        this.deleteTimer(settleKey(job, e.device, e.context));
    }
  }

  deleteTimer(key: string): void {
    if (!this.#mirror.timer(key)) return;
    this.#dirtyTimers.delete(key);
    this.#s.deleteTimer!.run(key);
    this.#mirror.deleteTimer(key);
  }

  #putTimer(t: Omit<TimerRow, 'id'>): void {
    const old = this.#mirror.timer(t.key);
    if (this.#deferring && old) {
      this.#mirror.putTimer({ ...t, id: old.id });
      this.#dirtyTimers.add(t.key);
      return;
    }
    const row = this.#s.upsertTimer!.get(
      t.key,
      t.kind,
      t.due,
      t.firstAt,
      t.rule,
      t.ruleHash,
      t.device,
      t.context,
      JSON.stringify(t.payload),
      t.createdAt,
    ) as { id: number };
    this.#mirror.putTimer({ ...t, id: row.id });
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
          this.record({
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
        const old = this.#mirror.timer(key);
        const { due, firstAt } = settleDue(old, now, e.settleMs, e.maxWaitMs);
        const add: SettlePayload = {
          job: e.job,
          priority: e.priority,
          maxWaitMs: e.maxWaitMs,
          jobPayload: e.payload,
          reasons: [e.reason],
        };
        const payload = mergeSettlePayload(old?.payload as SettlePayload | undefined, add);
        this.#putTimer({
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
            this.record({
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
        this.#putTimer({
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
          this.record({
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
        this.deleteTimer(e.key);
        out.push(
          this.record({
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
        this.deleteTimer(e.key);
        return;
      case 'throttle':
        this.#s.throttle!.run(e.rule, e.key, e.until);
        this.#mirror.setThrottle(e.rule, e.key, e.until);
        return;
      case 'cadence':
        this.#s.cadence!.run(e.device, e.mode, e.until, e.rule, e.reason, now);
        out.push(
          this.record({
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
    return this.record({
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

  /** Is a job of this type active for the target? (used by the mirror) */
  static jobActiveFn(jobs: JobQueue): (job: JobType, device: string, context: string, exceptId?: number) => boolean {
    return (job, device, context, exceptId) => jobs.isActive(job, device, context, exceptId);
  }
}
