/**
 * The state store: one SQLite file, one writer. Holds events, context sync states and
 * their reasons, FT roles, timers, throttles, jobs, decisions and configuration history.
 * The processor writes through it; the web page, the poller and the upload workers read
 * from it and use its job queue.
 */
import type { Database } from 'better-sqlite3';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type { Clock } from '../core/clock.js';
import type { EngineConfig } from '../config/sections/engine.js';
import type { AceEvent } from '../core/events.js';
import type { Inventory } from '../inventory/inventory.js';
import { JobQueue } from './job-queue.js';
import type { ContextState, StateView, TimerRow } from '../core/state.js';
import { StateWrites, type DecisionRecord } from './state-writes.js';
import { ConfigVersions, type ConfigVersion } from './config-versions.js';
import {
  isStorageFailure,
  openDatabase,
  storeWriteError,
  transactionRunner,
  type TransactionRunner,
} from './database.js';
import { AnmInventoryStore } from './anm-inventory.js';
import { reconcileInventory, type ReconcileSummary } from './inventory-sync.js';
import { StateMirror } from './mirror.js';
import { emptyCounts, pruneSteps, type PruneCounts, type Retention } from './retention.js';
import { FilteredStatements, prepareAll, type Statements } from './statements.js';

export type { DecisionRecord, ConfigVersion, PruneCounts };

/** Largest stored event body; `raw` is cut first. */
export const MAX_EVENT_BYTES = 16 * 1024;

export interface StoreOptions {
  /** Database file, or `:memory:`. */
  path: string;
  inventory: Inventory;
  clock: Clock;
  retention: Retention;
  engine: Pick<EngineConfig, 'reasons_kept' | 'jobs'>;
  /** Random source of the job backoff jitter (tests, replay). */
  random?: () => number;
  /** Create a new database over an empty or non-SQLite file (`start --init`); see database.ts. */
  init?: boolean;
}

export interface PollCadence {
  mode: 'fast' | 'normal';
  until?: number;
  reason?: string;
  rule?: string;
}

interface DecisionRow {
  id: number;
  at: number;
  event_id: number | null;
  rule: string | null;
  kind: DecisionRecord['kind'];
  device: string | null;
  context: string | null;
  from_state: string | null;
  to_state: string | null;
  action: string | null;
  due: number | null;
  reason: string | null;
  detail: string | null;
}

export function decisionFromRow(r: DecisionRow): DecisionRecord & { id: number } {
  return {
    id: r.id,
    at: r.at,
    eventId: r.event_id ?? undefined,
    rule: r.rule ?? undefined,
    kind: r.kind,
    device: r.device ?? undefined,
    context: r.context ?? undefined,
    from: (r.from_state as DecisionRecord['from']) ?? null,
    to: (r.to_state as DecisionRecord['to']) ?? undefined,
    action: r.action ?? undefined,
    due: r.due ?? undefined,
    reason: r.reason ?? undefined,
    detail: r.detail ? (JSON.parse(r.detail) as Record<string, unknown>) : undefined,
  };
}

/** A `data` field longer than this (serialised) is what gets dropped from an oversized event. */
const MAX_KEPT_DATA_FIELD = 1024;

/**
 * `data` without its bulky fields (an audit result's configuration and diff), keeping the
 * small ones that later readers decide on: the upload worker compares an audit's `hash`
 * with ANM's copy, the procedure reads `outcome` and `baseline`, alerts read `jobId`.
 */
function slimData(data: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const dropped: string[] = [];
  for (const [k, v] of Object.entries(data)) {
    if ((JSON.stringify(v) ?? '').length <= MAX_KEPT_DATA_FIELD) out[k] = v;
    else dropped.push(k);
  }
  return { ...out, truncated: true, truncatedFields: dropped };
}

/**
 * Serialise an event for storage, bounded: `raw` is cut first, then `data`'s bulky fields
 * (a 150 KB running-config must not take the audit's hash and outcome with it), and only
 * as a last resort `data` as a whole.
 */
export function eventBody(e: AceEvent): string {
  let s = JSON.stringify(e);
  if (s.length > MAX_EVENT_BYTES && e.raw) s = JSON.stringify({ ...e, raw: e.raw.slice(0, 1024) + '…' });
  if (s.length <= MAX_EVENT_BYTES) return s;
  const slim = { ...e, raw: undefined, text: e.text?.slice(0, 1024) };
  if (e.data) {
    s = JSON.stringify({ ...slim, data: slimData(e.data) });
    if (s.length <= MAX_EVENT_BYTES) return s;
  }
  return JSON.stringify({ ...slim, data: { truncated: true } });
}

const SQL = {
  insertEvent: 'INSERT INTO events (received_at, kind, msg_id, device, context, body) VALUES (?, ?, ?, ?, ?, ?)',
  roles: 'SELECT device, ft_group, role, prev_role, since FROM ft_roles ORDER BY device, ft_group',
  pollCadence: 'SELECT mode, until, reason, rule FROM poll_cadence WHERE device = ?',
  event: 'SELECT body FROM events WHERE id = ?',
} as const;

export class Store {
  readonly db: Database;
  readonly path: string;
  readonly jobs: JobQueue;
  readonly versions: ConfigVersions;
  /** The last reconcile with ANM's inventory and the contexts ANM does not know. */
  readonly anmInventory: AnmInventoryStore;
  readonly reconciled: ReconcileSummary;
  /** The state's row writes (with write-behind); what to write is the engine's to decide. */
  readonly writes: StateWrites;
  #reasonsKept: number;
  readonly #mirror: StateMirror;
  readonly #clock: Clock;
  #retention: Retention;
  readonly #s: Statements<typeof SQL>;
  readonly #filtered: FilteredStatements;
  readonly #tx: TransactionRunner;
  #closed = false;

  private constructor(db: Database, opts: StoreOptions) {
    this.db = db;
    this.#tx = transactionRunner(db);
    this.path = opts.path;
    this.#clock = opts.clock;
    this.#retention = opts.retention;
    const j = opts.engine.jobs;
    this.jobs = new JobQueue(db, {
      clock: opts.clock,
      maxAttempts: j.max_attempts,
      backoffBaseMs: j.backoff_base_ms,
      backoffMaxMs: j.backoff_max_ms,
      jitterRatio: j.jitter_ratio,
      random: opts.random,
    });
    this.versions = new ConfigVersions(db);
    this.anmInventory = new AnmInventoryStore(db);
    const jobs = this.jobs;
    this.#mirror = new StateMirror(opts.inventory, (job, device, context, exceptId) =>
      jobs.isActive(job, device, context, exceptId),
    );
    this.writes = new StateWrites(db, this.#mirror);
    this.#reasonsKept = opts.engine.reasons_kept;
    this.#s = prepareAll(db, SQL);
    this.#filtered = new FilteredStatements(db);
    try {
      this.reconciled = reconcileInventory(db, opts.inventory, opts.clock.now());
    } catch (err) {
      throw storeWriteError(err, opts.path);
    }
    this.#mirror.load(db);
  }

  /** After a configuration reload: new devices/contexts start `unknown`, gone ones are unconfigured. */
  reconcile(inventory: Inventory): ReconcileSummary {
    let summary: ReconcileSummary;
    try {
      summary = reconcileInventory(this.db, inventory, this.#clock.now());
    } catch (err) {
      throw storeWriteError(err, this.path);
    }
    this.#mirror.load(this.db);
    return summary;
  }

  /** Open the database (migrating it), reconcile the configured inventory, load the state. */
  static open(opts: StoreOptions): Store {
    const db = openDatabase({ path: opts.path, now: opts.clock.now(), init: opts.init });
    try {
      return new Store(db, opts);
    } catch (err) {
      db.close();
      throw err;
    }
  }

  /** Reasons kept per context (config engine.reasons_kept). */
  get reasonsKept(): number {
    return this.#reasonsKept;
  }

  /**
   * New retention and engine settings (a configuration reload): the next retention pass prunes by them, the
   * next reason written keeps this many, jobs follow the new retry settings.
   */
  reconfigure(opts: Pick<StoreOptions, 'retention' | 'engine'>): void {
    this.#retention = opts.retention;
    this.#reasonsKept = opts.engine.reasons_kept;
    const j = opts.engine.jobs;
    this.jobs.reconfigure({
      maxAttempts: j.max_attempts,
      backoffBaseMs: j.backoff_base_ms,
      backoffMaxMs: j.backoff_max_ms,
      jitterRatio: j.jitter_ratio,
    });
  }

  /** The state the engine reads. */
  get view(): StateView {
    return this.#mirror;
  }

  /**
   * Run `fn` in a transaction (a savepoint when nested). On failure everything it wrote
   * is rolled back, the in-memory state is reloaded, and storage failures (disk full,
   * read-only, I/O) are rethrown as ACESYNC_STORE_WRITE.
   */
  transaction<T>(fn: () => T): T {
    try {
      return this.#tx(fn);
    } catch (err) {
      // Nested (a savepoint): the outer transaction sees its own writes, so reloading now is right too.
      this.writes.discard();
      try {
        this.#mirror.load(this.db);
      } catch {
        /* the database is unusable; the error below says why */
      }
      throw isStorageFailure(err) ? storeWriteError(err, this.path) : err;
    }
  }

  /** Reload the in-memory state from the database (after a rolled-back savepoint). */
  reloadState(): void {
    this.#mirror.load(this.db);
  }

  insertEvent(e: AceEvent, now: number): number {
    const r = this.#s.insertEvent.run(
      e.receivedAt ?? now,
      e.kind,
      e.id ?? null,
      e.device ?? null,
      e.context ?? null,
      eventBody(e),
    );
    return Number(r.lastInsertRowid);
  }

  /** Due timers, earliest first. */
  dueTimers(now: number, limit: number): TimerRow[] {
    return this.#mirror
      .allTimers()
      .filter((t) => t.due <= now)
      .sort((a, b) => a.due - b.due || a.id - b.id)
      .slice(0, limit);
  }

  /** Earliest due time of any timer (replay advances virtual time to it). */
  nextDue(): number | undefined {
    let min: number | undefined;
    for (const t of this.#mirror.allTimers()) if (min === undefined || t.due < min) min = t.due;
    return min;
  }

  timers(): TimerRow[] {
    return this.#mirror.allTimers().sort((a, b) => a.due - b.due || a.id - b.id);
  }

  context(device: string, context: string): ContextState | undefined {
    return this.#mirror.context(device, context);
  }

  contexts(): ContextState[] {
    return [...this.#mirror.contexts.values()].sort(
      (a, b) => a.device.localeCompare(b.device) || a.context.localeCompare(b.context),
    );
  }

  roles(): Array<{ device: string; group: number; role: string; prevRole?: string; since: number }> {
    return (
      this.#s.roles.all() as Array<{
        device: string;
        ft_group: number;
        role: string;
        prev_role: string | null;
        since: number;
      }>
    ).map((r) => ({
      device: r.device,
      group: r.ft_group,
      role: r.role,
      prevRole: r.prev_role ?? undefined,
      since: r.since,
    }));
  }

  /** The poll cadence a rule set for a device (`normal` once its time is up). The poller reads this. */
  pollCadence(device: string, now = this.#clock.now()): PollCadence {
    const r = this.#s.pollCadence.get(device) as
      { mode: string; until: number; reason: string | null; rule: string | null } | undefined;
    if (!r || r.until <= now) return { mode: 'normal' };
    return {
      mode: r.mode as PollCadence['mode'],
      until: r.until,
      reason: r.reason ?? undefined,
      rule: r.rule ?? undefined,
    };
  }

  /** ANM now holds this configuration for the context (upload worker, after its re-audit). */
  recordAnmCopy(device: string, context: string, hash: string, text?: string): void {
    const now = this.#clock.now();
    this.transaction(() => {
      this.versions.recordAnmCopy(device, context, hash, text, now);
      const c = this.#mirror.context(device, context) ?? {
        device,
        context,
        sync: 'unknown' as const,
        since: now,
        configured: false,
        reasons: [],
      };
      this.writes.writeContext({ ...c, anmHash: hash }, now);
    });
  }

  /** ANM's copy of a context, as last recorded. */
  anmCopy(device: string, context: string): ConfigVersion | undefined {
    return this.versions.anmCopy(device, context);
  }

  decisions(
    filter: {
      device?: string;
      context?: string;
      eventId?: number;
      kinds?: DecisionRecord['kind'][];
      limit?: number;
    } = {},
  ): Array<DecisionRecord & { id: number }> {
    const where: string[] = [];
    const args: unknown[] = [];
    const eq = (col: string, v: unknown): void => {
      where.push(`${col} = ?`);
      args.push(v);
    };
    if (filter.device !== undefined) eq('device', filter.device);
    if (filter.context !== undefined) eq('context', filter.context);
    if (filter.eventId !== undefined) eq('event_id', filter.eventId);
    if (filter.kinds?.length) {
      where.push(`kind IN (${filter.kinds.map(() => '?').join(', ')})`);
      args.push(...filter.kinds);
    }
    const clause = where.length ? 'WHERE ' + where.join(' AND ') : '';
    const sql = `SELECT * FROM decisions ${clause} ORDER BY id DESC LIMIT ?`;
    return (this.#filtered.get(sql).all(...args, Math.min(filter.limit ?? 100, 100_000)) as DecisionRow[])
      .map(decisionFromRow)
      .reverse();
  }

  event(id: number): (AceEvent & { eventId: number }) | undefined {
    const r = this.#s.event.get(id) as { body: string } | undefined;
    return r ? { ...(JSON.parse(r.body) as AceEvent), eventId: id } : undefined;
  }

  /** Retention pass, synchronous (tests, shutdown). */
  prune(now = this.#clock.now()): PruneCounts {
    const counts = emptyCounts();
    this.transaction(() => {
      for (const _ of pruneSteps(this.db, this.jobs, this.versions, this.#retention, now, counts)) void _;
    });
    this.#mirror.pruneThrottles(now);
    return counts;
  }

  /** Retention pass in chunks, one transaction each, yielding to the event loop between them. */
  async pruneAsync(now = this.#clock.now()): Promise<PruneCounts> {
    const counts = emptyCounts();
    const steps = pruneSteps(this.db, this.jobs, this.versions, this.#retention, now, counts);
    for (;;) {
      if (this.#closed) break;
      const step = this.transaction(() => steps.next());
      if (step.done) break;
      await yieldToLoop();
    }
    this.#mirror.pruneThrottles(now);
    return counts;
  }

  /** Let SQLite refresh its statistics (cheap; run periodically and at close). */
  optimize(): void {
    try {
      this.db.pragma('optimize');
    } catch (err) {
      if (isStorageFailure(err)) throw storeWriteError(err, this.path);
      throw err;
    }
  }

  get closed(): boolean {
    return this.#closed;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.db.pragma('optimize');
    } catch {
      /* best effort at shutdown */
    }
    this.db.close();
  }
}
