/**
 * SSH sessions to devices: at most one per device (work on a device is serialised, so
 * two jobs never fight over `changeto`), at most `maxSessions` open in total, reused
 * across contexts and back-to-back jobs (closed after `idleCloseMs`), reopened with
 * exponential backoff when a device drops or does not answer.
 */
import type { Logger } from '../core/log.js';
import { AcesyncError } from '../core/errors.js';
import type { AceSession } from './ace-session.js';
import { Semaphore, sleep } from './limits.js';
import { SSH_FAILURES, SshError } from './ssh-error.js';

export interface SessionPoolOptions {
  maxSessions: number;
  idleCloseMs: number;
  connectAttempts: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
  logger: Logger;
  /** Opens a session to a device (credentials, host key, algorithms are its business). */
  open(device: string, signal?: AbortSignal): Promise<AceSession>;
  random?: () => number;
}

/** Opening a session failed (after retries): every later step on the device would too. */
export class ConnectFailure extends AcesyncError {
  constructor(cause: AcesyncError) {
    super(cause.code, cause.message, { ...(cause.details as object | undefined), stage: 'connect' }, { cause });
  }
}

/** Exclusive use of one device for the duration of a job. */
export interface DeviceLease {
  /** The device's live session, opened or reopened as needed. Rejects with ConnectFailure. */
  session(): Promise<AceSession>;
}

interface Entry {
  device: string;
  session?: AceSession;
  idleTimer?: NodeJS.Timeout;
  idleSince?: number;
  lock: Semaphore;
  failures: number;
  /** Close the session when the job holding it is done (its device's settings changed). */
  recycle?: boolean;
}

/** Errors that retrying cannot fix: wrong password, host key mismatch, cancelled, missing secret. */
function permanent(err: unknown): boolean {
  if (err instanceof SshError) return !SSH_FAILURES[err.kind].retryable;
  return err instanceof AcesyncError && err.code === 'ACESYNC_CONFIG_SECRET_MISSING';
}

/** What kind of SSH failure an error is, as metrics count it (the `kind` of acesync_device_ssh_failures_total). */
export type SshFailureMetricKind = 'auth' | 'hostkey' | 'secret' | 'timeout' | 'connect' | 'other';

export function sshFailureKind(err: unknown): SshFailureMetricKind | undefined {
  if (err instanceof SshError) {
    const k = err.kind;
    if (k === 'aborted' || k === 'closed-by-us') return undefined; // we stopped it: not the device's failure
    if (k === 'hostkey' || k === 'timeout' || k === 'auth') return k;
    if (k === 'connect' || k === 'connection' || k === 'closed') return 'connect';
    return 'other';
  }
  if (!(err instanceof AcesyncError)) return 'other';
  if (err.code === 'ACESYNC_SSH_HOSTKEY') return 'hostkey';
  if (err.code === 'ACESYNC_CONFIG_SECRET_MISSING') return 'secret';
  if (err.code === 'ACESYNC_SSH_TIMEOUT') return 'timeout';
  return 'other';
}

export class SessionPool {
  #opts: SessionPoolOptions;
  /** Failed session opens since start, per device and kind (`device\u0000kind`). */
  readonly failures = new Map<string, number>();
  readonly #slots: Semaphore;
  readonly #entries = new Map<string, Entry>();
  #closed = false;
  /** Sessions opened since start (the benchmark reports it). */
  opened = 0;

  constructor(opts: SessionPoolOptions) {
    this.#opts = opts;
    this.#slots = new Semaphore(opts.maxSessions);
  }

  #entry(device: string): Entry {
    let e = this.#entries.get(device);
    if (!e) {
      e = { device, lock: new Semaphore(1), failures: 0 };
      this.#entries.set(device, e);
    }
    return e;
  }

  /**
   * Run `fn` with exclusive use of a device. `lease.session()` returns its live session,
   * reopening it (with backoff) when a previous step broke it, so one job walks all the
   * contexts of a device over one session and survives a dropped connection.
   */
  async withDevice<T>(
    device: string,
    signal: AbortSignal | undefined,
    fn: (lease: DeviceLease) => Promise<T>,
  ): Promise<T> {
    if (this.#closed) throw new SshError('closed-by-us', 'session pool is closed');
    const e = this.#entry(device);
    await e.lock.acquire(signal);
    try {
      return await fn({ session: () => this.#ensure(e, signal) });
    } finally {
      if (e.session?.closed || e.recycle) this.#drop(e);
      else if (e.session) this.#idle(e);
      e.recycle = false;
      e.lock.release();
    }
  }

  /** `withDevice` for a single session use. */
  withSession<T>(device: string, signal: AbortSignal | undefined, fn: (s: AceSession) => Promise<T>): Promise<T> {
    return this.withDevice(device, signal, async (lease) => fn(await lease.session()));
  }

  async #ensure(e: Entry, signal: AbortSignal | undefined): Promise<AceSession> {
    if (e.idleTimer) clearTimeout(e.idleTimer);
    e.idleTimer = undefined;
    e.idleSince = undefined;
    if (e.session && !e.session.closed) return e.session;
    if (e.session) this.#drop(e);
    await this.#acquireSlot(signal);
    let last: unknown;
    try {
      for (let attempt = 0; attempt < this.#opts.connectAttempts; attempt++) {
        if (e.failures > 0) {
          const base = Math.min(this.#opts.backoffMaxMs, this.#opts.backoffBaseMs * 2 ** (e.failures - 1));
          // Full jitter in [base/2, base]: devices that failed together do not retry together.
          await sleep(base / 2 + (this.#opts.random ?? Math.random)() * (base / 2), signal);
        }
        try {
          const s = await this.#opts.open(e.device, signal);
          this.opened++;
          e.failures = 0;
          e.session = s;
          return s;
        } catch (err) {
          last = err;
          e.failures++;
          const kind = sshFailureKind(err);
          if (kind && !signal?.aborted) {
            const key = `${e.device}\u0000${kind}`;
            // Bounded by configured devices x kinds; the guard only protects against a bug.
            if (this.failures.has(key) || this.failures.size < 10_000)
              this.failures.set(key, (this.failures.get(key) ?? 0) + 1);
          }
          this.#opts.logger.warn(
            { device: e.device, attempt: attempt + 1, err: err instanceof Error ? err.message : String(err) },
            'SSH session failed',
          );
          if (permanent(err) || signal?.aborted) break;
        }
      }
    } catch (err) {
      last = err; // aborted during backoff
    }
    this.#slots.release();
    const cause =
      last instanceof AcesyncError
        ? last
        : new SshError('connect', last instanceof Error ? last.message : String(last));
    throw new ConnectFailure(cause);
  }

  /** A slot for a new session; when all are taken, close the longest-idle session of another device. */
  async #acquireSlot(signal: AbortSignal | undefined): Promise<void> {
    if (this.#slots.tryAcquire()) return;
    let oldest: Entry | undefined;
    for (const x of this.#entries.values())
      if (x.session && x.idleSince !== undefined && (!oldest || x.idleSince < oldest.idleSince!)) oldest = x;
    if (oldest) {
      this.#drop(oldest);
      if (this.#slots.tryAcquire()) return;
    }
    await this.#slots.acquire(signal);
  }

  #idle(e: Entry): void {
    if (this.#opts.idleCloseMs <= 0 || this.#closed) return this.#drop(e);
    e.idleSince = Date.now();
    // If others wait for a slot, give this one up now rather than after the idle time.
    if (this.#slots.waiting > 0) return this.#drop(e);
    e.idleTimer = setTimeout(() => this.#drop(e), this.#opts.idleCloseMs);
    e.idleTimer.unref();
  }

  #drop(e: Entry): void {
    if (e.idleTimer) clearTimeout(e.idleTimer);
    e.idleTimer = undefined;
    e.idleSince = undefined;
    const s = e.session;
    if (!s) return;
    e.session = undefined;
    void s.close().catch(() => undefined);
    this.#slots.release();
  }

  /**
   * New pool settings (a configuration reload): sessions opened from now on follow them; the open ones keep
   * their idle timer.
   */
  reconfigure(
    o: Pick<SessionPoolOptions, 'maxSessions' | 'idleCloseMs' | 'connectAttempts' | 'backoffBaseMs' | 'backoffMaxMs'>,
  ): void {
    this.#opts = { ...this.#opts, ...o };
    this.#slots.resize(o.maxSessions);
  }

  /**
   * The device's host or credentials changed: its idle session is closed now, a session in use is closed
   * when its job is done (never under the job); the next job opens a new one.
   */
  recycle(device: string): void {
    const e = this.#entries.get(device);
    if (!e) return;
    if (e.lock.used === 0) this.#drop(e);
    else e.recycle = true;
  }

  /** Open sessions right now. */
  get openSessions(): number {
    let n = 0;
    for (const e of this.#entries.values()) if (e.session) n++;
    return n;
  }

  async close(): Promise<void> {
    this.#closed = true;
    const closing: Array<Promise<void>> = [];
    for (const e of this.#entries.values()) {
      if (e.idleTimer) clearTimeout(e.idleTimer);
      if (e.session) closing.push(e.session.close().catch(() => undefined));
      e.session = undefined;
    }
    await Promise.all(closing);
  }
}
