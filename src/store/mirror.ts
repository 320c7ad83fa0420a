/**
 * An in-memory mirror of the small, hot tables (contexts, FT roles and membership,
 * timers, throttles), so the engine reads state without a query per condition. The
 * store writes through it inside the same transaction, and reloads it from the database
 * after a rollback, so it never disagrees with what is committed.
 */
import type { Database } from 'better-sqlite3';
import type { JobType, SyncState } from '../core/events.js';
import type { Inventory } from '../inventory/inventory.js';
import type { ContextState, Reason, StateView, TimerRow } from '../core/state.js';
import { preparedFor } from './statements.js';

const k2 = (a: string, b: string | number): string => `${a}\u0000${b}`;

interface ContextRow {
  device: string;
  name: string;
  configured: number;
  ft_group: number | null;
  sync: string;
  since: number;
  reasons: string;
  last_audit_at: number | null;
  last_audit_outcome: string | null;
  last_audit_hash: string | null;
  last_upload_at: number | null;
  last_upload_outcome: string | null;
  anm_hash: string | null;
}

export function contextFromRow(r: ContextRow): ContextState {
  return {
    device: r.device,
    context: r.name,
    sync: r.sync as SyncState,
    since: r.since,
    configured: r.configured === 1,
    ftGroup: r.ft_group ?? undefined,
    reasons: JSON.parse(r.reasons) as Reason[],
    lastAuditAt: r.last_audit_at ?? undefined,
    lastAuditOutcome: r.last_audit_outcome ?? undefined,
    lastAuditHash: r.last_audit_hash ?? undefined,
    lastUploadAt: r.last_upload_at ?? undefined,
    lastUploadOutcome: r.last_upload_outcome ?? undefined,
    anmHash: r.anm_hash ?? undefined,
  };
}

export interface TimerDbRow {
  id: number;
  key: string;
  kind: string;
  due: number;
  first_at: number;
  rule: string;
  rule_hash: string;
  device: string;
  context: string;
  payload: string;
  created_at: number;
}

export function timerFromRow(r: TimerDbRow): TimerRow {
  return {
    id: r.id,
    key: r.key,
    kind: r.kind as TimerRow['kind'],
    due: r.due,
    firstAt: r.first_at,
    rule: r.rule,
    ruleHash: r.rule_hash,
    device: r.device,
    context: r.context,
    payload: JSON.parse(r.payload) as TimerRow['payload'],
    createdAt: r.created_at,
  };
}

/** What `load` reads: the whole state, at open and after a rolled-back transaction. */
const SQL = {
  devices: 'SELECT name, peer FROM devices',
  contexts: 'SELECT * FROM contexts',
  roles: 'SELECT device, ft_group, role FROM ft_roles',
  groupContexts: 'SELECT device, ft_group, context FROM ft_group_contexts',
  timers: 'SELECT * FROM timers',
  throttles: 'SELECT rule, key, until FROM throttles',
} as const;

export class StateMirror implements StateView {
  readonly contexts = new Map<string, ContextState>();
  readonly #byDevice = new Map<string, Set<string>>();
  readonly #rowsByDevice = new Map<string, number>();
  readonly #roles = new Map<string, string>();
  readonly #groups = new Map<string, Set<string>>();
  /** (device, context) -> FT group, from the membership sets (kept in step with #groups). */
  readonly #groupOf = new Map<string, number>();
  readonly #timers = new Map<string, TimerRow>();
  readonly #expectByTarget = new Map<string, Set<string>>();
  readonly #throttles = new Map<string, number>();
  readonly #devices = new Set<string>();
  readonly #peers = new Map<string, string>();
  readonly #inventory: Inventory;
  readonly #jobActive: (job: JobType, device: string, context: string, exceptId?: number) => boolean;

  constructor(
    inventory: Inventory,
    jobActive: (job: JobType, device: string, context: string, exceptId?: number) => boolean,
  ) {
    this.#inventory = inventory;
    this.#jobActive = jobActive;
  }

  /** (Re)load everything from the database. */
  load(db: Database): void {
    this.contexts.clear();
    this.#byDevice.clear();
    this.#rowsByDevice.clear();
    this.#roles.clear();
    this.#groups.clear();
    this.#groupOf.clear();
    this.#timers.clear();
    this.#expectByTarget.clear();
    this.#throttles.clear();
    this.#devices.clear();
    this.#peers.clear();
    const q = preparedFor(db, SQL);
    for (const d of q.devices.all() as Array<{
      name: string;
      peer: string | null;
    }>) {
      this.#devices.add(d.name);
      if (d.peer) this.#peers.set(d.name, d.peer);
    }
    for (const r of q.contexts.all() as ContextRow[]) this.putContext(contextFromRow(r));
    for (const r of q.roles.all() as Array<{
      device: string;
      ft_group: number;
      role: string;
    }>)
      this.#roles.set(k2(r.device, r.ft_group), r.role);
    for (const r of q.groupContexts.all() as Array<{
      device: string;
      ft_group: number;
      context: string;
    }>) {
      const key = k2(r.device, r.ft_group);
      let s = this.#groups.get(key);
      if (!s) this.#groups.set(key, (s = new Set()));
      s.add(r.context);
      this.#groupOf.set(k2(r.device, r.context), r.ft_group);
    }
    for (const r of q.timers.all() as TimerDbRow[]) this.putTimer(timerFromRow(r));
    for (const r of q.throttles.all() as Array<{
      rule: string;
      key: string;
      until: number;
    }>)
      this.#throttles.set(k2(r.rule, r.key), r.until);
  }

  // --- writes (called by the store inside its transaction) ---

  putDevice(name: string, peer?: string): void {
    this.#devices.add(name);
    if (peer) this.#peers.set(name, peer);
    else this.#peers.delete(name);
  }

  putContext(c: ContextState): void {
    const key = k2(c.device, c.context);
    if (!this.contexts.has(key)) this.#rowsByDevice.set(c.device, (this.#rowsByDevice.get(c.device) ?? 0) + 1);
    this.contexts.set(key, c);
    let s = this.#byDevice.get(c.device);
    if (!s) this.#byDevice.set(c.device, (s = new Set()));
    // Unconfirmed contexts (learnt from a message, not listed by `show context` yet) are not
    // fanned out to: a context-less event must not audit names anyone could have made up.
    if (c.sync === 'removed' || c.sync === 'unconfirmed') s.delete(c.context);
    else s.add(c.context);
  }

  setRole(device: string, group: number, role: string): void {
    this.#roles.set(k2(device, group), role);
  }

  setGroupContexts(device: string, group: number, contexts: Iterable<string>): void {
    const key = k2(device, group);
    for (const c of this.#groups.get(key) ?? [])
      if (this.#groupOf.get(k2(device, c)) === group) this.#groupOf.delete(k2(device, c));
    const members = new Set(contexts);
    this.#groups.set(key, members);
    for (const c of members) this.#groupOf.set(k2(device, c), group);
  }

  putTimer(t: TimerRow): void {
    this.#timers.set(t.key, t);
    if (t.kind === 'expect') {
      const tk = k2(t.device, t.context);
      let s = this.#expectByTarget.get(tk);
      if (!s) this.#expectByTarget.set(tk, (s = new Set()));
      s.add(t.key);
    }
  }

  deleteTimer(key: string): void {
    const t = this.#timers.get(key);
    if (!t) return;
    this.#timers.delete(key);
    if (t.kind === 'expect') this.#expectByTarget.get(k2(t.device, t.context))?.delete(key);
  }

  setThrottle(rule: string, key: string, until: number): void {
    this.#throttles.set(k2(rule, key), until);
  }

  pruneThrottles(now: number): void {
    for (const [k, until] of this.#throttles) if (until <= now) this.#throttles.delete(k);
  }

  allTimers(): TimerRow[] {
    return [...this.#timers.values()];
  }

  /** Rows (removed ones included) held for a device. */
  contextCount(device: string): number {
    return this.#rowsByDevice.get(device) ?? 0;
  }

  deviceCount(): number {
    return this.#devices.size;
  }

  // --- StateView ---

  context(device: string, context: string): ContextState | undefined {
    return this.contexts.get(k2(device, context));
  }

  contextsOf(device: string): string[] {
    return [...(this.#byDevice.get(device) ?? [])].sort();
  }

  peerOf(device: string): string | undefined {
    return this.#inventory.peerOf(device) ?? this.#peers.get(device);
  }

  ftGroupOf(device: string, context: string): number | undefined {
    const c = this.contexts.get(k2(device, context));
    return c?.ftGroup ?? this.#groupOf.get(k2(device, context));
  }

  groupContexts(device: string, group: number): string[] | undefined {
    const s = this.#groups.get(k2(device, group));
    return s ? [...s].sort() : undefined;
  }

  role(device: string, group: number): string | undefined {
    return this.#roles.get(k2(device, group));
  }

  lookupSource(addr: string): { device: string; context?: string } | undefined {
    return this.#inventory.lookupSource(addr);
  }

  hasDevice(device: string): boolean {
    return this.#devices.has(device) || this.#inventory.devices.has(device);
  }

  throttleUntil(rule: string, key: string): number | undefined {
    return this.#throttles.get(k2(rule, key));
  }

  timer(key: string): TimerRow | undefined {
    return this.#timers.get(key);
  }

  expectations(device: string, context: string): TimerRow[] {
    const keys = this.#expectByTarget.get(k2(device, context));
    if (!keys || keys.size === 0) return [];
    return [...keys].map((k) => this.#timers.get(k)!).filter(Boolean);
  }

  jobActive(job: JobType, device: string, context: string, exceptId?: number): boolean {
    return this.#jobActive(job, device, context, exceptId);
  }
}
