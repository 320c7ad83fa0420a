/**
 * The upload strategy the workers call, swappable while jobs run (a configuration reload of `anm:`): an upload
 * runs to its end on the strategy it started on; a strategy swapped out is closed once its last upload is done
 * (closing kills a `command` strategy's running script, so never under a running upload).
 */
import type { UploadJob, UploadOptions, UploadResult, UploadStrategy } from '../anm/strategy.js';

export class SwappableStrategy implements UploadStrategy {
  #current: UploadStrategy;
  /** Uploads running, per strategy (the current one and those swapped out but still busy). */
  readonly #inFlight = new Map<UploadStrategy, number>();
  /** Swapped out, to close when their last upload is done. */
  readonly #retired = new Set<UploadStrategy>();
  readonly #closing: Array<Promise<void>> = [];

  constructor(initial: UploadStrategy) {
    this.#current = initial;
  }

  get name(): UploadStrategy['name'] {
    return this.#current.name;
  }

  get current(): UploadStrategy {
    return this.#current;
  }

  async upload(job: UploadJob, opts: UploadOptions): Promise<UploadResult> {
    const s = this.#current;
    this.#inFlight.set(s, (this.#inFlight.get(s) ?? 0) + 1);
    try {
      return await s.upload(job, opts);
    } finally {
      const n = (this.#inFlight.get(s) ?? 1) - 1;
      if (n > 0) this.#inFlight.set(s, n);
      else {
        this.#inFlight.delete(s);
        if (this.#retired.delete(s)) this.#close(s);
      }
    }
  }

  /** Uploads from now on go to `next`; the previous strategy is closed after its running uploads. */
  swap(next: UploadStrategy): void {
    const old = this.#current;
    if (old === next) return;
    this.#current = next;
    if (this.#inFlight.has(old)) this.#retired.add(old);
    else this.#close(old);
  }

  #close(s: UploadStrategy): void {
    this.#closing.push(s.close().catch(() => undefined));
  }

  async close(): Promise<void> {
    this.#close(this.#current);
    for (const s of this.#retired) this.#close(s);
    this.#retired.clear();
    await Promise.all(this.#closing);
  }
}
