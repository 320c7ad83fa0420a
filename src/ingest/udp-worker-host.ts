/**
 * The main thread's side of the UDP syslog worker: starts the worker thread (udp-worker.ts), turns its
 * messages into calls, and restarts it when it dies. A worker error or exit never takes the service down:
 * it is logged, reported through `onFailure`, and a new worker binds the same port (backing off while
 * restarts keep failing); `onRestart` tells the owner the socket is back (a new socket: a new inode for the
 * kernel drop counter).
 *
 * The entry is the compiled `udp-worker.js` next to this file (dist/), or `udp-worker.ts` from the sources
 * (see core/worker-spawn.ts).
 */
import type { Worker } from 'node:worker_threads';
import { AcesyncError } from '../core/errors.js';
import { spawnWorker } from '../core/worker-spawn.js';
import type { Logger } from '../core/log.js';
import type { DeviceConfig } from '../config/schema.js';
import type { BoundUdp } from './syslog-udp.js';
import type { Batch, FromWorker, ToWorker, WorkerInit } from './worker-protocol.js';

/** Restart delays after consecutive failures, in ms (the last one repeats). */
const RESTART_BACKOFF_MS = [0, 100, 500, 2000, 5000];
/** A worker that ran this long before failing resets the backoff. */
const HEALTHY_AFTER_MS = 10_000;

function errorText(err: unknown): string {
  if (err === undefined) return 'no error reported';
  return err instanceof Error ? err.message : String(err);
}

function spawn(init: WorkerInit): Worker {
  return spawnWorker(import.meta.url, 'udp-worker', init);
}

export interface UdpWorkerHostOptions {
  init: WorkerInit;
  logger: Logger;
  onBatch(batch: Batch): void;
  /** The worker died (after start); it is being restarted. */
  onFailure(err: unknown): void;
  /** A restarted worker is listening again. */
  onRestart(bound: BoundUdp): void;
  /** A worker that answers no sync for this long is taken as hung: terminated and restarted. Default 10 s. */
  hungAfterMs?: number;
}

export class UdpWorkerHost {
  readonly #o: UdpWorkerHostOptions;
  #worker: Worker | undefined;
  #bound: BoundUdp | undefined;
  #stopping = false;
  #failures = 0;
  #startedAt = 0;
  #restartTimer: NodeJS.Timeout | undefined;
  #syncId = 0;
  readonly #syncs = new Map<number, () => void>();
  #stopped: (() => void) | undefined;
  /** Since when syncs go unanswered (undefined: the last one was answered). */
  #unansweredSince: number | undefined;
  /** The worker being launched has not bound its socket yet: its start-up is not a hang. */
  #launching = false;

  constructor(opts: UdpWorkerHostOptions) {
    this.#o = opts;
  }

  /** The running worker thread (diagnostics, tests). */
  get worker(): Worker | undefined {
    return this.#worker;
  }

  /** Start the worker and wait until its socket is bound; a bind failure rejects with ACESYNC_LISTEN. */
  async start(): Promise<BoundUdp> {
    const b = await this.#launch(this.#o.init);
    this.#bound = b;
    return b;
  }

  #launch(init: WorkerInit): Promise<BoundUdp> {
    return new Promise<BoundUdp>((resolve, reject) => {
      const w = spawn(init);
      let bound = false;
      let lastError: unknown;
      this.#worker = w;
      this.#startedAt = Date.now();
      this.#unansweredSince = undefined;
      this.#launching = true;
      w.on('message', (m: FromWorker) => {
        switch (m.type) {
          case 'batch':
            this.#o.onBatch(m);
            break;
          case 'log':
            this.#o.logger[m.record.level](m.record.obj, m.record.msg);
            break;
          case 'synced': {
            this.#unansweredSince = undefined;
            const done = this.#syncs.get(m.id);
            this.#syncs.delete(m.id);
            done?.();
            break;
          }
          case 'bound':
            bound = true;
            this.#launching = false;
            resolve({ address: m.address, port: m.port, family: m.family, recvBufferBytes: m.recvBufferBytes });
            break;
          case 'bind-error':
            reject(new AcesyncError('ACESYNC_LISTEN', m.message, { key: ['syslog', 'udp', 'port'] }));
            break;
          case 'stopped':
            this.#stopped?.();
            break;
        }
      });
      w.on('error', (err) => {
        lastError = err;
        this.#o.logger.error({ err }, 'syslog UDP worker thread failed');
      });
      w.on('exit', (code) => {
        if (this.#worker === w) {
          this.#worker = undefined;
          this.#launching = false;
        }
        // Whoever waits for this worker must not wait for ever.
        for (const done of this.#syncs.values()) done();
        this.#syncs.clear();
        this.#stopped?.();
        if (!bound) {
          reject(
            lastError instanceof AcesyncError
              ? lastError
              : // Not the port: the thread itself failed (a broken install, no memory for a thread). Say so, and
                // name the way around it.
                new AcesyncError(
                  'ACESYNC_LISTEN',
                  `syslog.udp.worker: the syslog UDP receive thread failed before it could listen (exit code ${code}): ` +
                    `${errorText(lastError)}; set syslog.udp.worker: false to receive on the main thread`,
                  { key: ['syslog', 'udp', 'worker'] },
                ),
          );
          return;
        }
        if (this.#stopping) return;
        this.#o.logger.error({ exitCode: code }, 'syslog UDP worker thread exited; restarting it');
        this.#o.onFailure(lastError ?? new Error(`worker exited with code ${code}`));
        this.#scheduleRestart();
      });
    });
  }

  #scheduleRestart(): void {
    if (Date.now() - this.#startedAt >= HEALTHY_AFTER_MS) this.#failures = 0;
    const delay = RESTART_BACKOFF_MS[Math.min(this.#failures, RESTART_BACKOFF_MS.length - 1)]!;
    this.#failures++;
    this.#restartTimer = setTimeout(() => {
      this.#restartTimer = undefined;
      if (this.#stopping) return;
      // The same port as before (port 0 was resolved at the first start).
      const init = { ...this.#o.init, port: this.#bound?.port ?? this.#o.init.port };
      this.#launch(init).then(
        (b) => {
          if (this.#stopping) return;
          this.#bound = b;
          this.#o.logger.info({ port: b.port }, 'syslog UDP worker thread restarted');
          this.#o.onRestart(b);
        },
        (err: unknown) => {
          if (this.#stopping) return;
          this.#o.logger.error({ err }, 'restarting the syslog UDP worker thread failed; trying again');
          this.#scheduleRestart();
        },
      );
    }, delay);
  }

  /** Diagnostics and tests: block the worker's event loop for `ms`. */
  stall(ms: number): void {
    this.#post({ type: 'stall', ms });
  }

  /** Give the worker a new inventory (a configuration reload). */
  setInventory(devices: DeviceConfig[]): void {
    this.#post({ type: 'inventory', devices });
  }

  /**
   * Resolve once everything the worker has read so far has reached the main thread (batches are ordered),
   * or after `timeoutMs`, or at once when no worker runs.
   */
  sync(timeoutMs = 1000): Promise<void> {
    const w = this.#worker;
    if (w === undefined) return Promise.resolve();
    const id = ++this.#syncId;
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.#syncs.delete(id);
        this.#unanswered(w);
        resolve();
      }, timeoutMs);
      timer.unref();
      this.#syncs.set(id, () => {
        clearTimeout(timer);
        resolve();
      });
      this.#post({ type: 'sync', id });
    });
  }

  /** A sync timed out: a worker whose loop has not answered for `hungAfterMs` is ended (and restarted on exit). */
  #unanswered(w: Worker): void {
    // Loading the worker's modules on a busy machine can take longer than hungAfterMs: not a hang.
    if (this.#launching) return;
    const now = Date.now();
    this.#unansweredSince ??= now;
    if (this.#stopping || this.#worker !== w || now - this.#unansweredSince < (this.#o.hungAfterMs ?? 10_000)) return;
    const unansweredMs = now - this.#unansweredSince;
    this.#unansweredSince = undefined;
    this.#o.logger.error({ unansweredMs }, 'syslog UDP worker thread unresponsive: terminating it');
    void w.terminate();
  }

  /** Close the socket in the worker, take its last batch, end the thread. */
  async stop(): Promise<void> {
    this.#stopping = true;
    if (this.#restartTimer) clearTimeout(this.#restartTimer);
    this.#restartTimer = undefined;
    const w = this.#worker;
    if (w === undefined) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 2000);
      this.#stopped = () => {
        clearTimeout(timer);
        resolve();
      };
      this.#post({ type: 'stop' });
    });
    this.#stopped = undefined;
    await w.terminate();
    this.#worker = undefined;
  }

  #post(m: ToWorker): void {
    try {
      this.#worker?.postMessage(m);
    } catch {
      // The worker is going away; its exit is handled above.
    }
  }
}
