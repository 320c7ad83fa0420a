/**
 * The persistent job queue (SQLite): audits, uploads, crypto checks and alert deliveries
 * are rows, so a kill -9 loses nothing. Workers (SSH poller, ANM uploads, webhooks) use
 * this small API; the rule engine enqueues.
 *
 * - `enqueue` coalesces: one PENDING job per (type, device, context, dedupe); a repeated
 *   request merges into it (count, payload, earliest run time, highest priority). A request
 *   that arrives while the same job is RUNNING creates a new pending job, so a change made
 *   during an audit is audited again.
 * - `claim` hands out due jobs, highest priority first (rules ask with 10, scheduled
 *   audits with 0), within a global limit and a per-device limit (no two SSH sessions
 *   fighting over `changeto` on one device).
 * - `claimBatch` adds to a claimed per-context job the other due jobs of its type and
 *   device (other contexts), so one SSH pass audits them together (the Admin reads once);
 *   a batch counts as one running job against the limits, and each of its jobs is still
 *   completed, failed and recovered on its own.
 * - `fail` retries with exponential backoff and jitter, up to `maxAttempts`, then the job
 *   is `failed` and the caller is told so (and raises an alert).
 * - `recover` at start: jobs left `running` by a crash go back to `pending`.
 *
 * Single process, single writer: every call is synchronous and atomic.
 */
import type { Database } from 'better-sqlite3';
import type { Clock } from '../core/clock.js';
import { PRIORITY, type JobType } from '../core/events.js';
import { transactionRunner, type TransactionRunner } from './database.js';
import { FilteredStatements, prepareAll, type Statements } from './statements.js';

export const JOB_STATES = ['pending', 'running', 'done', 'failed', 'cancelled'] as const;
export type JobState = (typeof JOB_STATES)[number];

/** Priorities (core/events.ts), re-exported: the queue's public API. */
export { PRIORITY };

/** Upper bound of a job's serialised payload (device-sourced text stays bounded). */
export const MAX_PAYLOAD_BYTES = 64 * 1024;
/** Reasons kept in a merged payload's `reasons` list. */
export const MAX_MERGED_REASONS = 20;

export interface Job {
  id: number;
  type: JobType;
  device: string;
  /** '' for device-level jobs. */
  context: string;
  /** Distinguishes jobs of one type and target that must not merge (alerts: the rule name). */
  dedupe: string;
  payload: Record<string, unknown>;
  state: JobState;
  priority: number;
  attempts: number;
  maxAttempts: number;
  /** How many requests were merged into this job. */
  requests: number;
  nextRunAt: number;
  lastError?: string;
  result?: unknown;
  createdAt: number;
  updatedAt: number;
  startedAt?: number;
  finishedAt?: number;
}

export interface EnqueueRequest {
  type: JobType;
  device: string;
  context?: string;
  dedupe?: string;
  payload?: Record<string, unknown>;
  /** Default PRIORITY.scheduled. */
  priority?: number;
  /** Run no earlier than this (scheduled audits); default now. */
  runAt?: number;
  maxAttempts?: number;
}

export interface ClaimOptions {
  /** Job types this worker runs (default all). */
  types?: JobType[];
  /** Most jobs to hand out in this call. */
  limit: number;
  /** Most jobs of these types running at once, all devices together (default unbounded). */
  maxRunning?: number;
  /** Most jobs of these types running at once on one device (default 1). */
  perDevice?: number;
}

export type FailOutcome =
  | { state: 'pending'; job: Job; retryAt: number }
  /** Out of attempts (or not retryable): the caller raises an alert. */
  | { state: 'failed'; job: Job };

export interface QueueOptions {
  clock: Clock;
  maxAttempts?: number;
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  /** 0..1: fraction of each delay that is randomised. */
  jitterRatio?: number;
  /** Injected for deterministic tests and replays. */
  random?: () => number;
}

interface Row {
  id: number;
  type: string;
  device: string;
  context: string;
  dedupe: string;
  payload: string;
  state: string;
  priority: number;
  attempts: number;
  max_attempts: number;
  requests: number;
  next_run_at: number;
  last_error: string | null;
  result: string | null;
  created_at: number;
  updated_at: number;
  started_at: number | null;
  finished_at: number | null;
}

function toJob(r: Row): Job {
  return {
    id: r.id,
    type: r.type as JobType,
    device: r.device,
    context: r.context,
    dedupe: r.dedupe,
    payload: JSON.parse(r.payload) as Record<string, unknown>,
    state: r.state as JobState,
    priority: r.priority,
    attempts: r.attempts,
    maxAttempts: r.max_attempts,
    requests: r.requests,
    nextRunAt: r.next_run_at,
    lastError: r.last_error ?? undefined,
    result: r.result === null ? undefined : (JSON.parse(r.result) as unknown),
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    startedAt: r.started_at ?? undefined,
    finishedAt: r.finished_at ?? undefined,
  };
}

function boundedJson(v: unknown): string {
  const s = JSON.stringify(v ?? {});
  return s.length <= MAX_PAYLOAD_BYTES ? s : JSON.stringify({ truncated: true, bytes: s.length });
}

/** Merge a new request's payload into a pending job's: newer values win, reasons accumulate. */
export function mergePayload(old: Record<string, unknown>, add: Record<string, unknown>): Record<string, unknown> {
  const out = { ...old, ...add };
  const a = Array.isArray(old.reasons) ? old.reasons : [];
  const b = Array.isArray(add.reasons) ? add.reasons : [];
  if (a.length > 0 || b.length > 0) out.reasons = [...a, ...b].slice(-MAX_MERGED_REASONS);
  return out;
}

const SQL = {
  pending: "SELECT * FROM jobs WHERE type = ? AND device = ? AND context = ? AND dedupe = ? AND state = 'pending'",
  insert: `INSERT INTO jobs (type, device, context, dedupe, payload, state, priority, max_attempts, next_run_at,
    created_at, updated_at) VALUES (?, ?, ?, ?, ?, 'pending', ?, ?, ?, ?, ?)`,
  merge: `UPDATE jobs SET payload = ?, priority = ?, next_run_at = ?, requests = requests + 1, updated_at = ?
    WHERE id = ?`,
  get: 'SELECT * FROM jobs WHERE id = ?',
  due: "SELECT * FROM jobs WHERE state = 'pending' AND next_run_at <= ? ORDER BY priority DESC, next_run_at, id",
  running: "SELECT id, type, device FROM jobs WHERE state = 'running'",
  dueFor: `SELECT * FROM jobs WHERE state = 'pending' AND next_run_at <= ? AND type = ? AND device = ? AND context != ''
    AND id != ? ORDER BY priority DESC, next_run_at, id LIMIT ?`,
  start: `UPDATE jobs SET state = 'running', attempts = attempts + 1, started_at = ?, updated_at = ?
    WHERE id = ? AND state = 'pending'`,
  done: `UPDATE jobs SET state = 'done', result = ?, finished_at = ?, updated_at = ?
    WHERE id = ? AND state = 'running'`,
  retry: "UPDATE jobs SET state = 'pending', next_run_at = ?, last_error = ?, updated_at = ? WHERE id = ?",
  failed: "UPDATE jobs SET state = 'failed', last_error = ?, finished_at = ?, updated_at = ? WHERE id = ?",
  cancel: `UPDATE jobs SET state = 'cancelled', finished_at = ?, updated_at = ?
    WHERE id = ? AND state IN ('pending', 'running')`,
  cancelTarget: `UPDATE jobs SET state = 'cancelled', finished_at = ?, updated_at = ?
    WHERE device = ? AND context = ? AND state = 'pending'`,
  cancelDevice: `UPDATE jobs SET state = 'cancelled', finished_at = ?, updated_at = ?
    WHERE device = ? AND state = 'pending'`,
  recover: "UPDATE jobs SET state = 'pending', next_run_at = ?, updated_at = ? WHERE state = 'running'",
  active: `SELECT id FROM jobs
    WHERE type = ? AND device = ? AND context = ? AND state IN ('pending', 'running') AND id != ? LIMIT 1`,
  counts: 'SELECT state, COUNT(*) AS n FROM jobs GROUP BY state',
  prune: `DELETE FROM jobs WHERE id IN (SELECT id FROM jobs
    WHERE state IN ('done', 'failed', 'cancelled') AND finished_at < ? LIMIT ?)`,
  runningRows: "SELECT * FROM jobs WHERE state = 'running'",
} as const;

export class JobQueue {
  readonly #filtered: FilteredStatements;
  readonly #clock: Clock;
  #maxAttempts: number;
  #base: number;
  #max: number;
  #jitter: number;
  readonly #random: () => number;
  readonly #s: Statements<typeof SQL>;
  readonly #tx: TransactionRunner;
  /** Running batch members -> their batch's first job (in memory: a restart recovers every running row). */
  readonly #batchOf = new Map<number, number>();

  constructor(db: Database, opts: QueueOptions) {
    this.#filtered = new FilteredStatements(db);
    this.#clock = opts.clock;
    this.#maxAttempts = opts.maxAttempts ?? 5;
    this.#base = opts.backoffBaseMs ?? 5000;
    this.#max = opts.backoffMaxMs ?? 600_000;
    this.#jitter = opts.jitterRatio ?? 0.2;
    this.#random = opts.random ?? Math.random;
    this.#s = prepareAll(db, SQL);
    this.#tx = transactionRunner(db);
  }

  /** Add a job, or merge into the pending one for the same (type, device, context, dedupe). */
  enqueue(req: EnqueueRequest): { job: Job; created: boolean } {
    const now = this.#clock.now();
    const context = req.context ?? '';
    const dedupe = req.dedupe ?? '';
    const runAt = req.runAt ?? now;
    const priority = req.priority ?? PRIORITY.scheduled;
    return this.#tx(() => {
      const existing = this.#s.pending.get(req.type, req.device, context, dedupe) as Row | undefined;
      if (existing) {
        const payload = mergePayload(JSON.parse(existing.payload) as Record<string, unknown>, req.payload ?? {});
        this.#s.merge.run(
          boundedJson(payload),
          Math.max(existing.priority, priority),
          Math.min(existing.next_run_at, runAt),
          now,
          existing.id,
        );
        return { job: this.get(existing.id)!, created: false };
      }
      const r = this.#s.insert.run(
        req.type,
        req.device,
        context,
        dedupe,
        boundedJson(req.payload),
        priority,
        req.maxAttempts ?? this.#maxAttempts,
        runAt,
        now,
        now,
      );
      return { job: this.get(Number(r.lastInsertRowid))!, created: true };
    });
  }

  /** Hand out due jobs (marked running, attempts + 1) within the limits. */
  claim(opts: ClaimOptions): Job[] {
    const now = this.#clock.now();
    const types = opts.types ? new Set<string>(opts.types) : undefined;
    const perDevice = opts.perDevice ?? 1;
    const maxRunning = opts.maxRunning ?? Number.POSITIVE_INFINITY;
    return this.#tx(() => {
      const byDevice = new Map<string, number>();
      let running = 0;
      const stillRunning = new Set<number>();
      const units = new Set<number>();
      for (const r of this.#s.running.all() as Array<{ id: number; type: string; device: string }>) {
        stillRunning.add(r.id);
        if (types && !types.has(r.type)) continue;
        // A batch's jobs run as one unit: they count once.
        const unit = this.#batchOf.get(r.id) ?? r.id;
        if (units.has(unit)) continue;
        units.add(unit);
        running++;
        byDevice.set(r.device, (byDevice.get(r.device) ?? 0) + 1);
      }
      for (const id of this.#batchOf.keys()) if (!stillRunning.has(id)) this.#batchOf.delete(id);
      const out: Job[] = [];
      if (running >= maxRunning || opts.limit <= 0) return out;
      // Walk due jobs in priority order; skip ones whose device is busy.
      for (const r of this.#s.due.iterate(now) as IterableIterator<Row>) {
        if (types && !types.has(r.type)) continue;
        if ((byDevice.get(r.device) ?? 0) >= perDevice) continue;
        byDevice.set(r.device, (byDevice.get(r.device) ?? 0) + 1);
        running++;
        out.push(toJob({ ...r, state: 'running', attempts: r.attempts + 1, started_at: now, updated_at: now }));
        if (out.length >= opts.limit || running >= maxRunning) break;
      }
      for (const j of out) this.#s.start.run(now, now, j.id);
      return out;
    });
  }

  /**
   * Claim, with the running per-context job `lead`, the other due jobs of its type and
   * device, each for another context, highest priority first: at most `max` jobs in all
   * (`lead` included). They are marked running (attempts + 1) and count as one running
   * job with `lead`. Returns the added jobs ([] when `lead` is device-level or not running).
   */
  claimBatch(lead: Job, max: number): Job[] {
    if (lead.context === '' || max <= 1) return [];
    const now = this.#clock.now();
    return this.#tx(() => {
      const row = this.#s.get.get(lead.id) as Row | undefined;
      if (row?.state !== 'running') return [];
      const seen = new Set<string>([lead.context]);
      const out: Job[] = [];
      // Read a few more than needed: a context may have two due jobs (different dedupe).
      for (const r of this.#s.dueFor.iterate(now, lead.type, lead.device, lead.id, max * 2) as IterableIterator<Row>) {
        if (seen.has(r.context)) continue;
        seen.add(r.context);
        out.push(toJob({ ...r, state: 'running', attempts: r.attempts + 1, started_at: now, updated_at: now }));
        if (out.length >= max - 1) break;
      }
      for (const j of out) {
        this.#s.start.run(now, now, j.id);
        this.#batchOf.set(j.id, lead.id);
      }
      if (out.length > 0) this.#batchOf.set(lead.id, lead.id);
      return out;
    });
  }

  /** Start one specific pending job (replay, operator "run now"); undefined if it is not pending. */
  claimJob(id: number): Job | undefined {
    const now = this.#clock.now();
    if (this.#s.start.run(now, now, id).changes === 0) return undefined;
    return this.get(id);
  }

  /** The job finished; `result` is kept (bounded) for the status page. Returns false if it was not running. */
  complete(id: number, result?: unknown): boolean {
    const now = this.#clock.now();
    return this.#s.done.run(result === undefined ? null : boundedJson(result), now, now, id).changes > 0;
  }

  /** Backoff before attempt `attempts + 1`: base * 2^(attempts-1), capped, with jitter. */
  backoff(attempts: number): number {
    const exp = Math.min(this.#max, this.#base * 2 ** Math.max(0, attempts - 1));
    const j = exp * this.#jitter;
    return Math.max(0, Math.round(exp - j + 2 * j * this.#random()));
  }

  /** The attempt failed: retry later, or give up when out of attempts or not retryable. */
  fail(id: number, error: string, opts: { retryable?: boolean } = {}): FailOutcome | undefined {
    const now = this.#clock.now();
    const msg = error.length > 2000 ? error.slice(0, 2000) + '…' : error;
    return this.#tx((): FailOutcome | undefined => {
      const row = this.#s.get.get(id) as Row | undefined;
      if (!row || row.state !== 'running') return undefined;
      if (opts.retryable === false || row.attempts >= row.max_attempts) {
        this.#s.failed.run(msg, now, now, id);
        return { state: 'failed', job: this.get(id)! };
      }
      const retryAt = now + this.backoff(row.attempts);
      // A request merged while this job ran created a new pending job; keep just one pending.
      const twin = this.#s.pending.get(row.type, row.device, row.context, row.dedupe) as Row | undefined;
      if (twin) {
        this.#s.failed.run(`${msg} (superseded by job ${twin.id})`, now, now, id);
        return { state: 'pending', job: this.get(twin.id)!, retryAt: twin.next_run_at };
      }
      this.#s.retry.run(retryAt, msg, now, id);
      return { state: 'pending', job: this.get(id)!, retryAt };
    });
  }

  cancel(id: number): boolean {
    const now = this.#clock.now();
    return this.#s.cancel.run(now, now, id).changes > 0;
  }

  /** Cancel the pending jobs of a target (a removed context). */
  cancelPendingFor(device: string, context: string): number {
    const now = this.#clock.now();
    return this.#s.cancelTarget.run(now, now, device, context).changes;
  }

  /** Cancel every pending job of a device, its device-level jobs (context '') included: a removed device. */
  cancelPendingForDevice(device: string): number {
    const now = this.#clock.now();
    return this.#s.cancelDevice.run(now, now, device).changes;
  }

  /**
   * New retry settings (a configuration reload): jobs enqueued from now on take the new
   * attempt limit; every retry from now on uses the new backoff.
   */
  reconfigure(opts: Pick<QueueOptions, 'maxAttempts' | 'backoffBaseMs' | 'backoffMaxMs' | 'jitterRatio'>): void {
    if (opts.maxAttempts !== undefined) this.#maxAttempts = opts.maxAttempts;
    if (opts.backoffBaseMs !== undefined) this.#base = opts.backoffBaseMs;
    if (opts.backoffMaxMs !== undefined) this.#max = opts.backoffMaxMs;
    if (opts.jitterRatio !== undefined) this.#jitter = opts.jitterRatio;
  }

  /** At start: jobs a crash left running are due again. Returns how many. */
  recover(): number {
    const now = this.#clock.now();
    return this.#tx(() => {
      let n = 0;
      for (const r of this.#s.runningRows.all() as Row[]) {
        const twin = this.#s.pending.get(r.type, r.device, r.context, r.dedupe) as Row | undefined;
        if (twin) this.#s.failed.run('interrupted by a restart (superseded by a pending job)', now, now, r.id);
        else this.#s.retry.run(now, r.last_error ?? 'interrupted by a restart', now, r.id);
        n++;
      }
      return n;
    });
  }

  get(id: number): Job | undefined {
    const r = this.#s.get.get(id) as Row | undefined;
    return r ? toJob(r) : undefined;
  }

  /** Is a job of this type pending or running for the target (other than `exceptId`)? */
  isActive(type: JobType, device: string, context: string, exceptId = -1): boolean {
    return this.#s.active.get(type, device, context, exceptId) !== undefined;
  }

  list(filter: { state?: JobState; type?: JobType; device?: string; context?: string; limit?: number } = {}): Job[] {
    const where: string[] = [];
    const args: unknown[] = [];
    for (const [col, v] of [
      ['state', filter.state],
      ['type', filter.type],
      ['device', filter.device],
      ['context', filter.context],
    ] as const) {
      if (v !== undefined) {
        where.push(`${col} = ?`);
        args.push(v);
      }
    }
    const sql = `SELECT * FROM jobs ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY id DESC LIMIT ?`;
    return (this.#filtered.get(sql).all(...args, Math.min(filter.limit ?? 100, 10_000)) as Row[]).map(toJob);
  }

  counts(): Record<JobState, number> {
    const out = { pending: 0, running: 0, done: 0, failed: 0, cancelled: 0 } as Record<JobState, number>;
    for (const r of this.#s.counts.all() as Array<{ state: JobState; n: number }>) out[r.state] = r.n;
    return out;
  }

  /** Delete finished jobs older than `before`, in chunks. */
  prune(before: number, chunk = 5000): number {
    let total = 0;
    for (;;) {
      const n = this.#s.prune.run(before, chunk).changes;
      total += n;
      if (n < chunk) return total;
    }
  }
}
