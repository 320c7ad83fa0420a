/**
 * Circuit breaker per ANM server. While ANM is down, every queued upload would otherwise
 * wait for its own connect timeout; the breaker fails them at once (retryable) and lets
 * a single probe through after `resetMs` to find out whether ANM is back.
 *
 *   closed --(failureThreshold consecutive server failures)--> open
 *   open --(resetMs elapsed)--> half-open (one probe call allowed)
 *   half-open --probe ok--> closed ;  half-open --probe fails--> open (timer restarts)
 *
 * Only failures that say the server is unhealthy count (timeouts, refused connections,
 * 5xx); a 4xx or a fault is ANM answering, so it resets the count like a success.
 * Time comes from an injected clock so transitions are testable without waiting.
 */
import type { Clock } from '../core/clock.js';
import { systemClock } from '../core/clock.js';
import { anmError, isServerHealthFailure } from './anm-error.js';

export type BreakerState = 'closed' | 'open' | 'half-open';

export interface BreakerOptions {
  /** Consecutive server failures that open the breaker. */
  failureThreshold: number;
  /** How long the breaker stays open before a probe is allowed. */
  resetMs: number;
  clock?: Clock;
  /** Which errors count against the server; default: timeouts, connection errors, 5xx. */
  isFailure?: (err: unknown) => boolean;
  /** Called on every state change (metrics, logs). */
  onStateChange?: (from: BreakerState, to: BreakerState) => void;
}

export const DEFAULT_BREAKER: Pick<BreakerOptions, 'failureThreshold' | 'resetMs'> = {
  failureThreshold: 5,
  resetMs: 30_000,
};

export class CircuitBreaker {
  readonly name: string;
  readonly #opts: Required<Omit<BreakerOptions, 'onStateChange'>> & Pick<BreakerOptions, 'onStateChange'>;
  #state: BreakerState = 'closed';
  #failures = 0;
  #openedAt = 0;
  #probeInFlight = false;
  #stats = { opened: 0, rejected: 0 };

  constructor(name: string, opts: BreakerOptions) {
    if (!(opts.failureThreshold >= 1)) throw new RangeError('failureThreshold must be >= 1');
    this.name = name;
    this.#opts = { clock: systemClock, isFailure: isServerHealthFailure, ...opts };
  }

  /** Current state; an open breaker whose timer ran out reads as half-open. */
  get state(): BreakerState {
    if (this.#state === 'open' && this.#opts.clock.now() - this.#openedAt >= this.#opts.resetMs)
      this.#transition('half-open');
    return this.#state;
  }

  get consecutiveFailures(): number {
    return this.#failures;
  }

  /** Times the breaker opened, and calls it rejected, since creation. */
  get stats(): { opened: number; rejected: number } {
    return { ...this.#stats };
  }

  /** When an open breaker will allow its probe (ms epoch), else undefined. */
  get retryAt(): number | undefined {
    return this.state === 'open' ? this.#openedAt + this.#opts.resetMs : undefined;
  }

  /**
   * Ask to make a call. Returns true if allowed; the caller must then report the outcome
   * with `success()` or `failure(err)`. In half-open only one probe is allowed at a time.
   */
  tryAcquire(): boolean {
    const s = this.state;
    if (s === 'closed') return true;
    if (s === 'half-open' && !this.#probeInFlight) {
      this.#probeInFlight = true;
      return true;
    }
    this.#stats.rejected++;
    return false;
  }

  success(): void {
    this.#failures = 0;
    this.#probeInFlight = false;
    if (this.#state !== 'closed') this.#transition('closed');
  }

  /** Report an error; errors that do not say the server is unhealthy count as answers. */
  failure(err: unknown): void {
    if (!this.#opts.isFailure(err)) {
      this.success();
      return;
    }
    this.#probeInFlight = false;
    this.#failures++;
    if (this.#state === 'half-open' || (this.#state === 'closed' && this.#failures >= this.#opts.failureThreshold))
      this.#open();
  }

  /** Release a probe slot without an outcome (the caller aborted before an answer). */
  release(): void {
    this.#probeInFlight = false;
  }

  /** Run `fn` under the breaker; rejects with a retryable `breaker-open` error when open. */
  async run<T>(fn: () => Promise<T>, isAbort?: (err: unknown) => boolean): Promise<T> {
    if (!this.tryAcquire()) {
      throw anmError(
        'ACESYNC_ANM_HTTP',
        'breaker-open',
        `circuit breaker for ${this.name} is open (ANM failed ${this.#opts.failureThreshold} times in a row); next probe after ${new Date(this.#openedAt + this.#opts.resetMs).toISOString()}`,
        { target: this.name },
      );
    }
    try {
      const v = await fn();
      this.success();
      return v;
    } catch (err) {
      if (isAbort?.(err)) this.release();
      else this.failure(err);
      throw err;
    }
  }

  #open(): void {
    this.#openedAt = this.#opts.clock.now();
    this.#stats.opened++;
    this.#transition('open');
  }

  #transition(to: BreakerState): void {
    const from = this.#state;
    if (from === to) return;
    this.#state = to;
    this.#opts.onStateChange?.(from, to);
  }
}

/** One breaker per ANM server (keyed by origin), shared by the SOAP client and the strategies. */
export class BreakerRegistry {
  readonly #breakers = new Map<string, CircuitBreaker>();
  readonly #opts: BreakerOptions;
  readonly #max: number;

  constructor(opts: BreakerOptions, maxServers = 16) {
    this.#opts = opts;
    this.#max = maxServers;
  }

  get(server: string): CircuitBreaker {
    let b = this.#breakers.get(server);
    if (!b) {
      // A handful of ANM servers at most (a VIP, maybe both nodes); the bound only guards
      // against a bug that keys by full URL.
      if (this.#breakers.size >= this.#max) {
        const oldest = this.#breakers.keys().next().value;
        if (oldest !== undefined) this.#breakers.delete(oldest);
      }
      b = new CircuitBreaker(server, this.#opts);
      this.#breakers.set(server, b);
    }
    return b;
  }

  entries(): Array<[string, CircuitBreaker]> {
    return [...this.#breakers.entries()];
  }
}
