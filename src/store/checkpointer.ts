/**
 * WAL checkpoints off the commit path. SQLite's automatic checkpoint runs inside the commit that crosses
 * `wal_autocheckpoint` pages (1000 by default): that commit copies the WAL into the database and fsyncs both,
 * on the main thread, and every event behind it waits (measured: 5-40 ms on the bench's disk, several times a
 * second at 2,000 events/s). While this checkpointer runs, a worker thread with its own connection does PASSIVE
 * checkpoints every `intervalMs` (checkpoint-worker.ts), which never block a writer, and the main connection's
 * automatic checkpoint only bounds the WAL (`BOUND_PAGES`) should the thread fall behind. A thread that fails or
 * exits gives the automatic checkpoint back its default, so nothing depends on it for correctness.
 */
import type { Worker } from 'node:worker_threads';
import type { Logger } from '../core/log.js';
import { spawnWorker } from '../core/worker-spawn.js';
import type { Database } from './database.js';

export interface CheckpointInit {
  path: string;
  intervalMs: number;
}

export interface CheckpointReport {
  type: 'checkpoint';
  busy: number;
  /** Frames in the WAL, and how many of them are in the database now. */
  log: number;
  checkpointed: number;
  ms: number;
}

export type FromCheckpointer = CheckpointReport | { type: 'ready' } | { type: 'error'; message: string };
export type ToCheckpointer = { type: 'stop' };

/** SQLite's default `wal_autocheckpoint`, in effect whenever the thread is not running. */
export const DEFAULT_AUTOCHECKPOINT_PAGES = 1000;
/** The main connection's automatic checkpoint while the thread runs: a bound, not the normal path. */
export const BOUND_PAGES = 10_000;
/** A checkpoint that keeps failing (every intervalMs) is logged at most this often, with the count since. */
const FAILURE_LOG_EVERY_MS = 60_000;

export class WalCheckpointer {
  readonly #db: Database;
  readonly #init: CheckpointInit;
  readonly #logger: Logger;
  readonly #onReport: ((r: CheckpointReport) => void) | undefined;
  #worker: Worker | undefined;
  #stopping = false;
  #failureLoggedAt = -Infinity;
  #failuresUnlogged = 0;

  constructor(opts: {
    db: Database;
    path: string;
    logger: Logger;
    intervalMs?: number;
    onReport?: (r: CheckpointReport) => void;
  }) {
    this.#db = opts.db;
    this.#init = { path: opts.path, intervalMs: opts.intervalMs ?? 500 };
    this.#logger = opts.logger;
    this.#onReport = opts.onReport;
  }

  /** The running thread (diagnostics, tests). */
  get worker(): Worker | undefined {
    return this.#worker;
  }

  /** Start the thread; resolves once it has opened the database (or failed: then the default stays). */
  start(): Promise<void> {
    this.#stopping = false;
    return new Promise<void>((resolve) => {
      const w = spawnWorker(import.meta.url, 'checkpoint-worker', this.#init);
      this.#worker = w;
      w.on('message', (m: FromCheckpointer) => {
        if (m.type === 'ready') {
          if (this.#worker === w) this.#autocheckpoint(BOUND_PAGES);
          resolve();
        } else if (m.type === 'error') this.#failed(m.message);
        else this.#onReport?.(m);
      });
      w.on('error', (err) => this.#logger.warn({ err }, 'WAL checkpointer thread failed'));
      w.on('exit', (code) => {
        if (this.#worker === w) this.#worker = undefined;
        this.#autocheckpoint(DEFAULT_AUTOCHECKPOINT_PAGES);
        if (!this.#stopping)
          this.#logger.warn({ exitCode: code }, 'WAL checkpointer thread exited: commits checkpoint again');
        resolve();
      });
    });
  }

  #failed(message: string): void {
    this.#failuresUnlogged++;
    const now = Date.now();
    if (now - this.#failureLoggedAt < FAILURE_LOG_EVERY_MS) return;
    this.#logger.warn({ err: { message }, failures: this.#failuresUnlogged }, 'WAL checkpoint failed');
    this.#failureLoggedAt = now;
    this.#failuresUnlogged = 0;
  }

  #autocheckpoint(pages: number): void {
    if (!this.#db.open) return;
    try {
      this.#db.pragma(`wal_autocheckpoint = ${pages}`);
    } catch (err) {
      this.#logger.warn({ err }, 'setting wal_autocheckpoint failed');
    }
  }

  /** Stop the thread (before the database is closed); commits checkpoint again. */
  async stop(): Promise<void> {
    this.#stopping = true;
    const w = this.#worker;
    if (w === undefined) return;
    const exited = new Promise<void>((resolve) => w.once('exit', () => resolve()));
    w.postMessage({ type: 'stop' } satisfies ToCheckpointer);
    const timer = setTimeout(() => void w.terminate(), 2000);
    await exited;
    clearTimeout(timer);
  }
}
