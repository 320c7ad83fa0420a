/**
 * Counting semaphore with FIFO waiters and abortable waits. Bounds SSH sessions globally
 * (`max_sessions`) and serialises work per device (a semaphore of 1).
 */
import { SshError } from './ssh-error.js';

interface Waiter {
  resolve(): void;
  reject(err: Error): void;
}

export class Semaphore {
  #limit: number;
  #used = 0;
  readonly #waiters: Waiter[] = [];

  constructor(limit: number) {
    this.#limit = Math.max(1, limit);
  }

  get limit(): number {
    return this.#limit;
  }

  /** A new limit: waiters get the slots a raise frees; a cut takes effect as holders release. */
  resize(limit: number): void {
    this.#limit = Math.max(1, limit);
    while (this.#used < this.#limit && this.#waiters.length > 0) {
      this.#used++;
      this.#waiters.shift()!.resolve();
    }
  }

  get used(): number {
    return this.#used;
  }

  get waiting(): number {
    return this.#waiters.length;
  }

  tryAcquire(): boolean {
    if (this.#used < this.#limit) {
      this.#used++;
      return true;
    }
    return false;
  }

  acquire(signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(new SshError('aborted', 'aborted while waiting for a session slot'));
    if (this.tryAcquire()) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const onAbort = (): void => {
        const i = this.#waiters.indexOf(w);
        if (i >= 0) this.#waiters.splice(i, 1);
        reject(new SshError('aborted', 'aborted while waiting for a session slot'));
      };
      const w: Waiter = {
        resolve: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
        reject,
      };
      this.#waiters.push(w);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  release(): void {
    // Hand the slot straight to the next waiter (the count does not change), unless a cut left too many in use.
    const next = this.#used <= this.#limit ? this.#waiters.shift() : undefined;
    if (next) next.resolve();
    else this.#used = Math.max(0, this.#used - 1);
  }
}

/** Sleep that an AbortSignal cuts short (rejecting). */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new SshError('aborted', 'aborted'));
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(t);
      reject(new SshError('aborted', 'aborted'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
