/**
 * Rate limits for the warnings the receive path logs about what senders do wrong (unknown
 * source, malformed, oversize, framing). Two bounds:
 * - per (problem, source): one line per `perSourceMs`, so a device spraying junk gives one
 *   line a minute, not one per datagram;
 * - over all sources: at most `maxLines` lines per `windowMs`, so 5,000 spoofed addresses
 *   give 10 lines, not 5,000; what the cap held back is reported by `summaries()` as one
 *   line per problem ("N more ... in the last minute") once the window is over.
 * Pure (time is passed in), bounded (the per-source table forgets everything when full).
 */

export interface LogLimiterOptions {
  /** At most one line per (problem, source) in this period. Default 60 s. */
  perSourceMs?: number;
  /** At most this many lines over all sources per window. Default 10. */
  maxLines?: number;
  /** The global window. Default 60 s. */
  windowMs?: number;
  /** Bound on the per-source table. Default 4096. */
  maxKeys?: number;
}

export interface SuppressedSummary {
  problem: string;
  /** Lines the global cap held back in the window. */
  lines: number;
  /** Distinct sources among them (counted up to maxKeys). */
  sources: number;
  windowMs: number;
}

export class LogLimiter {
  readonly #perSourceMs: number;
  readonly #maxLines: number;
  readonly #windowMs: number;
  readonly #maxKeys: number;
  readonly #last = new Map<string, number>();
  #windowStart = -Infinity;
  #linesInWindow = 0;
  /** Per problem: lines held back by the global cap in the current window, and their sources. */
  readonly #held = new Map<string, { lines: number; sources: Set<string> }>();

  constructor(o: LogLimiterOptions = {}) {
    this.#perSourceMs = o.perSourceMs ?? 60_000;
    this.#maxLines = o.maxLines ?? 10;
    this.#windowMs = o.windowMs ?? 60_000;
    this.#maxKeys = o.maxKeys ?? 4096;
  }

  /** May a line about `problem` from `source` be logged now? */
  allow(problem: string, source: string, now: number): boolean {
    const key = `${problem}|${source}`;
    const prev = this.#last.get(key);
    if (prev !== undefined && now - prev < this.#perSourceMs) return false;
    if (this.#last.size >= this.#maxKeys) this.#last.clear();
    this.#last.set(key, now);
    if (now - this.#windowStart >= this.#windowMs) {
      // A new window; what the last one held back waits in #held for summaries().
      if (this.#held.size === 0) this.#windowStart = now;
      else return this.#hold(problem, source);
      this.#linesInWindow = 0;
    }
    if (this.#linesInWindow >= this.#maxLines) return this.#hold(problem, source);
    this.#linesInWindow++;
    return true;
  }

  /**
   * The lines the global cap held back, per problem, once their window is over (then a new
   * window starts). Call it periodically (the ingest's counter flush does, every second).
   */
  summaries(now: number): SuppressedSummary[] {
    if (this.#held.size === 0 || now - this.#windowStart < this.#windowMs) return [];
    const out = [...this.#held].map(([problem, h]) => ({
      problem,
      lines: h.lines,
      sources: h.sources.size,
      windowMs: this.#windowMs,
    }));
    this.#held.clear();
    this.#windowStart = now;
    this.#linesInWindow = 0;
    return out;
  }

  #hold(problem: string, source: string): false {
    let h = this.#held.get(problem);
    if (!h) this.#held.set(problem, (h = { lines: 0, sources: new Set() }));
    h.lines++;
    if (h.sources.size < this.#maxKeys) h.sources.add(source);
    return false;
  }
}
