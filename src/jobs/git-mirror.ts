/**
 * `store.git_mirror`: every configuration version the service stores is committed to a git repository, as
 * `acesync export git` would (git-export.ts, the same layout, authors, dates and trailers).
 *
 * Off the hot path: the store tells the mirror a version was recorded, the mirror runs a debounced pass (one
 * pass for an audit round of many contexts) with the asynchronous git. A pass with nothing new spawns nothing.
 * A failing git (unwritable path, broken repository, missing binary) never blocks audits: it is logged with the
 * path and git's own words, counted, and the next version (or `retryMs` later) tries again. Idempotent across
 * restarts: each commit's trailer names its version, and a pass reads the repository before committing.
 */
import { resolve } from 'node:path';
import type { Database } from 'better-sqlite3';
import type { Logger } from '../core/log.js';
import { exportVersions } from './git-export.js';

/** A pass starts this long after the first version that asks for it (the rest of an audit round joins it). */
export const DEFAULT_DEBOUNCE_MS = 2_000;
/** After a failure, a pass is tried again this long later even if no new version comes. */
export const DEFAULT_RETRY_MS = 300_000;
/** Versions remembered as committed (keys of the stored ones; bounded by store retention anyway). */
const MAX_KNOWN = 1_000_000;
/** A failure that repeats with the same error is logged at most this often (with the count since). */
const FAILURE_LOG_EVERY_MS = 60_000;

export interface GitMirrorOptions {
  dir: string;
  /** The database to read versions from (undefined once it is closed: the pass is skipped). */
  db: () => Database | undefined;
  logger: Logger;
  debounceMs?: number;
  retryMs?: number;
}

export interface GitMirrorStats {
  /** Commits made since start. */
  commits: number;
  /** Passes that failed since start. */
  failures: number;
  /** 1 while the last pass failed. */
  failing: boolean;
  lastError?: string;
}

export class GitMirror {
  readonly stats: GitMirrorStats = { commits: 0, failures: 0, failing: false };
  readonly #o: Required<Omit<GitMirrorOptions, 'db' | 'logger'>> & Pick<GitMirrorOptions, 'db' | 'logger'>;
  readonly #known = new Set<string>();
  readonly #abort = new AbortController();
  #timer: NodeJS.Timeout | undefined;
  #timerAt = Infinity;
  #running: Promise<void> | undefined;
  /** A version was recorded while a pass ran: run again after it. */
  #again = false;
  #stopped = false;
  /** The failure log's rate limit: when and what was last logged, and the failures since. */
  #failureLoggedAt = -Infinity;
  #failureLogged: string | undefined;
  #failuresUnlogged = 0;

  constructor(opts: GitMirrorOptions) {
    this.#o = { debounceMs: DEFAULT_DEBOUNCE_MS, retryMs: DEFAULT_RETRY_MS, ...opts, dir: resolve(opts.dir) };
  }

  get dir(): string {
    return this.#o.dir;
  }

  /** Catch up with what was stored while the mirror was off (or failing) at once. */
  start(): void {
    this.#schedule(0);
  }

  /** A version was recorded: commit it soon. */
  notify(): void {
    if (this.#running) this.#again = true;
    else this.#schedule(this.#o.debounceMs);
  }

  /** Finish the pass in progress (between two commits) and schedule nothing more. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#abort.abort();
    await this.#running;
  }

  /** Run one pass now (tests; the timer calls it too). Resolves when it is done; never rejects. */
  async pass(): Promise<void> {
    if (this.#running) {
      this.#again = true;
      return this.#running;
    }
    this.#running = this.#pass().finally(() => {
      this.#running = undefined;
      if (this.#again && !this.#stopped) {
        this.#again = false;
        this.#schedule(this.#o.debounceMs);
      }
    });
    return this.#running;
  }

  /** Run a pass in `ms`, or sooner if one is already due sooner (a new version cuts a retry's wait short). */
  #schedule(ms: number): void {
    if (this.#stopped) return;
    const at = Date.now() + ms;
    if (this.#timer && this.#timerAt <= at) return;
    clearTimeout(this.#timer);
    this.#timerAt = at;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#timerAt = Infinity;
      void this.pass();
    }, ms);
    this.#timer.unref();
  }

  async #pass(): Promise<void> {
    const db = this.#o.db();
    if (!db) return;
    const log = this.#o.logger;
    try {
      const r = await exportVersions(db, this.#o.dir, {
        known: this.#known,
        signal: this.#abort.signal,
        onPresent: (key) => {
          if (this.#known.size < MAX_KNOWN) this.#known.add(key);
        },
      });
      this.stats.commits += r.committed;
      if (this.stats.failing)
        log.info({ gitMirror: this.#o.dir, committed: r.committed }, 'git mirror: commits work again');
      else if (r.committed > 0)
        log.info({ gitMirror: this.#o.dir, committed: r.committed }, 'git mirror: configuration versions committed');
      this.stats.failing = false;
      this.stats.lastError = undefined;
      this.#failureLogged = undefined;
      this.#failureLoggedAt = -Infinity;
      this.#failuresUnlogged = 0;
    } catch (err) {
      if (this.#o.db() === undefined) return; // the store closed under the pass: shutting down
      this.stats.failures++;
      this.stats.failing = true;
      this.stats.lastError = err instanceof Error ? err.message : String(err);
      this.#logFailure(err, this.stats.lastError);
      this.#schedule(this.#o.retryMs);
    }
  }

  /**
   * A pass can fail every audit round (a full disk, a path that is a file): the first failure and a new error are
   * logged at once, the same error again at most once a minute with the failures since.
   */
  #logFailure(err: unknown, message: string): void {
    this.#failuresUnlogged++;
    const now = Date.now();
    if (message === this.#failureLogged && now - this.#failureLoggedAt < FAILURE_LOG_EVERY_MS) return;
    this.#o.logger.error(
      {
        err,
        gitMirror: this.#o.dir,
        failures: this.stats.failures,
        failuresSinceLastLog: this.#failuresUnlogged,
      },
      `git mirror: cannot commit configuration versions to ${this.#o.dir} (store.git_mirror): ` +
        `${message}; audits go on, the next version (or a retry) tries again`,
    );
    this.#failureLogged = message;
    this.#failureLoggedAt = now;
    this.#failuresUnlogged = 0;
  }
}
