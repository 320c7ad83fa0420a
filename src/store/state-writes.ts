/**
 * The writes of the state the engine decides on (contexts, FT roles and memberships,
 * timers, throttles, poll cadence, decision rows), each kept in step with the in-memory
 * mirror, and the write-behind that batches them. What to write is decided above the store
 * (engine/apply-effects.ts); this module only knows rows. Called inside the store's
 * transaction.
 */
import type { Database } from 'better-sqlite3';
import type { SyncState } from '../core/events.js';
import type { ContextState, TimerRow } from '../core/state.js';
import type { StateMirror } from './mirror.js';
import { prepareAll, type Statements } from './statements.js';

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

/**
 * Bounds on what events can create: names come from devices and are untrusted. An ACE
 * holds at most 251 contexts; a flood of made-up names must not grow the state.
 */
export const MAX_CONTEXTS_PER_DEVICE = 1024;
export const MAX_DEVICES = 4096;
const NAME = /^[A-Za-z0-9_.-]{1,64}$/;

const SQL = {
  ensureDevice: `INSERT INTO devices (name, host, peer, configured, first_seen, updated_at)
    VALUES (?, '', NULL, 0, ?, ?) ON CONFLICT(name) DO NOTHING`,
  upsertContext: `INSERT INTO contexts (device, name, configured, ft_group, sync, since, reasons, last_audit_at,
    last_audit_outcome, last_audit_hash, last_upload_at, last_upload_outcome, anm_hash, first_seen, updated_at)
    VALUES (@device, @context, @configured, @ftGroup, @sync, @since, @reasons, @lastAuditAt, @lastAuditOutcome,
    @lastAuditHash, @lastUploadAt, @lastUploadOutcome, @anmHash, @now, @now)
    ON CONFLICT(device, name) DO UPDATE SET ft_group = excluded.ft_group, sync = excluded.sync,
    since = excluded.since, reasons = excluded.reasons, last_audit_at = excluded.last_audit_at,
    last_audit_outcome = excluded.last_audit_outcome, last_audit_hash = excluded.last_audit_hash,
    last_upload_at = excluded.last_upload_at, last_upload_outcome = excluded.last_upload_outcome,
    anm_hash = excluded.anm_hash, updated_at = excluded.updated_at`,
  role: `INSERT INTO ft_roles (device, ft_group, role, prev_role, since, updated_at) VALUES (?, ?, ?, NULL, ?, ?)
    ON CONFLICT(device, ft_group) DO UPDATE SET prev_role = CASE WHEN role != excluded.role THEN role ELSE prev_role
    END, since = CASE WHEN role != excluded.role THEN excluded.since ELSE since END, role = excluded.role,
    updated_at = excluded.updated_at`,
  clearLearned: "DELETE FROM ft_group_contexts WHERE device = ? AND ft_group = ? AND source = 'learned'",
  member: `INSERT INTO ft_group_contexts (device, ft_group, context, source, updated_at)
    VALUES (?, ?, ?, 'learned', ?)
    ON CONFLICT(device, ft_group, context) DO UPDATE SET updated_at = excluded.updated_at`,
  members: 'SELECT context FROM ft_group_contexts WHERE device = ? AND ft_group = ?',
  upsertTimer: `INSERT INTO timers (key, kind, due, first_at, rule, rule_hash, device, context, payload, created_at)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT(key) DO UPDATE SET due = excluded.due, payload = excluded.payload, rule = excluded.rule,
    rule_hash = excluded.rule_hash RETURNING id`,
  deleteTimer: 'DELETE FROM timers WHERE key = ?',
  throttle: `INSERT INTO throttles (rule, key, until) VALUES (?, ?, ?)
    ON CONFLICT(rule, key) DO UPDATE SET until = excluded.until`,
  cadence: `INSERT INTO poll_cadence (device, mode, until, rule, reason, set_at) VALUES (?, ?, ?, ?, ?, ?)
    ON CONFLICT(device) DO UPDATE SET mode = excluded.mode, until = MAX(until, excluded.until),
    rule = excluded.rule, reason = excluded.reason, set_at = excluded.set_at`,
  decision: `INSERT INTO decisions (at, event_id, rule, kind, device, context, from_state, to_state, action, due,
    reason, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
} as const;

export class StateWrites {
  readonly #mirror: StateMirror;
  readonly #s: Statements<typeof SQL>;

  constructor(db: Database, mirror: StateMirror) {
    this.#mirror = mirror;
    this.#s = prepareAll(db, SQL);
  }

  /** Write a decision row. */
  record(r: DecisionRecord): DecisionRecord {
    this.#s.decision.run(
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
    this.#s.ensureDevice.run(device, now, now);
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
        this.#s.upsertTimer.get(
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
    this.#s.upsertContext.run({
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
  creatable(device: string, context: string): boolean {
    if (!NAME.test(device) || !NAME.test(context)) return false;
    if (!this.#mirror.hasDevice(device) && this.#mirror.deviceCount() >= MAX_DEVICES) return false;
    return this.#mirror.contextCount(device) < MAX_CONTEXTS_PER_DEVICE;
  }

  /** The role a device holds in an FT group. */
  setRole(device: string, group: number, role: string, now: number): void {
    this.#s.role.run(device, group, role, now, now);
    this.#mirror.setRole(device, group, role);
  }

  /** The contexts learnt to be members of an FT group (configured members are kept). */
  setLearnedGroupContexts(device: string, group: number, contexts: readonly string[], now: number): void {
    this.#s.clearLearned.run(device, group);
    for (const c of contexts) this.#s.member.run(device, group, c, now);
    const all = (this.#s.members.all(device, group) as Array<{ context: string }>).map((r) => r.context);
    this.#mirror.setGroupContexts(device, group, all);
  }

  deleteTimer(key: string): void {
    if (!this.#mirror.timer(key)) return;
    this.#dirtyTimers.delete(key);
    this.#s.deleteTimer.run(key);
    this.#mirror.deleteTimer(key);
  }

  putTimer(t: Omit<TimerRow, 'id'>): void {
    const old = this.#mirror.timer(t.key);
    if (this.#deferring && old) {
      this.#mirror.putTimer({ ...t, id: old.id });
      this.#dirtyTimers.add(t.key);
      return;
    }
    const row = this.#s.upsertTimer.get(
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

  setThrottle(rule: string, key: string, until: number): void {
    this.#s.throttle.run(rule, key, until);
    this.#mirror.setThrottle(rule, key, until);
  }

  setCadence(device: string, mode: 'fast' | 'normal', until: number, rule: string, reason: string, now: number): void {
    this.#s.cadence.run(device, mode, until, rule, reason, now);
  }
}
