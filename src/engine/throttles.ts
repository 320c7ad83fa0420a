/**
 * Time windows, as pure functions over rows the store keeps:
 * - settle: a trailing window per (job, device, context). Each request pushes the due
 *   time to `now + settle`, but never past `first + maxWait`, so a burst of 40 commands
 *   gives one job after the burst and a never-ending trickle still gets audited. When it
 *   fires it enqueues a job; the queue turns a request that arrives while the same job
 *   runs into a new pending job, so a change during an audit is audited again.
 * - once_within: the first match fires, later ones are throttled until the window ends.
 * - expect: a deadline (SEC's PairWithWindow): met by a matching event for the same
 *   target, else its `onExpiry` actions run when the deadline passes.
 */
import type { AceEvent } from '../core/events.js';
import { readEventField, parseFieldRef } from './fields.js';
import { compileCondition, type CompiledCondition, type StateLookup } from './conditions.js';
import type { Effect, ExpectPayload, SettlePayload, TimerRow } from './types.js';

/** Reasons carried by one settle timer (the job payload lists them). */
export const MAX_SETTLE_REASONS = 10;

export function settleKey(job: string, device: string, context: string): string {
  return `settle|${job}|${device}|${context}`;
}

export function expectKey(rule: string, device: string, context: string): string {
  return `expect|${rule}|${device}|${context}`;
}

/** The due time of a settle window after one more request at `now`. */
export function settleDue(
  existing: { firstAt: number } | undefined,
  now: number,
  settleMs: number,
  maxWaitMs: number,
): { due: number; firstAt: number } {
  const firstAt = existing?.firstAt ?? now;
  return { firstAt, due: Math.max(now, Math.min(now + settleMs, firstAt + maxWaitMs)) };
}

/** Merge a request into a settle timer's payload (reasons bounded, newest kept). */
export function mergeSettlePayload(old: SettlePayload | undefined, add: SettlePayload): SettlePayload {
  if (!old) return { ...add, reasons: add.reasons.slice(-MAX_SETTLE_REASONS) };
  return {
    job: add.job,
    priority: Math.max(old.priority, add.priority),
    maxWaitMs: Math.min(old.maxWaitMs, add.maxWaitMs),
    jobPayload: { ...old.jobPayload, ...add.jobPayload },
    reasons: [...old.reasons, ...add.reasons].slice(-MAX_SETTLE_REASONS),
  };
}

/** The group key of a once_within throttle: the values of the group_by fields. */
export function throttleKey(groupBy: string[], event: AceEvent): string {
  return groupBy
    .map((g) => {
      const ref = parseFieldRef(g);
      if (typeof ref === 'string' || ref.source === 'state') return '';
      const v = readEventField(event, ref);
      return v === undefined || v === null ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v);
    })
    .join('|')
    .slice(0, 512);
}

const matchCache = new Map<string, CompiledCondition | null>();

/** Compile (and cache, bounded) the condition stored with an expectation. */
function expectCondition(when: unknown): CompiledCondition | null {
  const key = JSON.stringify(when);
  let c = matchCache.get(key);
  if (c === undefined) {
    // Variables were substituted at load: stored specs are self-contained.
    c = compileCondition(when, [], {}, []) ?? null;
    if (matchCache.size >= 256) matchCache.delete(matchCache.keys().next().value!);
    matchCache.set(key, c);
  }
  return c;
}

/** Does `event` satisfy the expectation stored in `timer`? */
export function meetsExpectation(timer: TimerRow, event: AceEvent, state: StateLookup): boolean {
  const p = timer.payload as ExpectPayload;
  if (!p.match.kinds.includes(event.kind)) return false;
  if (p.match.when === undefined) return true;
  const cond = expectCondition(p.match.when);
  // A stored condition that no longer compiles never matches: the deadline alert is safer.
  return cond !== null && cond.test(event, state);
}

/** What a due timer does. */
export function fireTimer(timer: TimerRow): Effect[] {
  const done: Effect = { kind: 'timer-done', key: timer.key };
  if (timer.kind === 'settle') {
    const p = timer.payload as SettlePayload;
    return [
      {
        kind: 'job',
        rule: timer.rule,
        job: p.job,
        device: timer.device,
        context: timer.context,
        payload: { ...p.jobPayload, reasons: p.reasons },
        priority: p.priority,
        dedupe: '',
        reason: `settle window elapsed after ${p.reasons.length > 1 ? `${p.reasons.length} requests` : '1 request'}`,
      },
      done,
    ];
  }
  const p = timer.payload as ExpectPayload;
  const out: Effect[] = [];
  if (p.onExpiry.mark)
    out.push({
      kind: 'mark',
      rule: timer.rule,
      device: timer.device,
      context: timer.context,
      to: p.onExpiry.mark,
      reason: `expectation not met in time: ${p.reason}`,
    });
  if (p.onExpiry.alert) {
    const a = p.onExpiry.alert;
    out.push({
      kind: 'job',
      rule: timer.rule,
      job: 'alert',
      device: timer.device,
      context: timer.context,
      dedupe: timer.rule,
      priority: 50,
      reason: `expectation not met in time: ${p.reason}`,
      payload: {
        severity: a.severity,
        summary: a.summary,
        ...(a.fix ? { fix: a.fix } : {}),
        labels: {
          alertname: timer.rule,
          severity: a.severity,
          device: timer.device,
          context: timer.context,
          ...a.labels,
        },
        rule: timer.rule,
        eventId: p.eventId,
        expectedSince: timer.firstAt,
      },
    });
  }
  out.push(done);
  return out;
}
