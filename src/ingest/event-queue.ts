/**
 * The hand-off between receivers and the pipeline: a bounded FIFO drained in batches
 * on `setImmediate`, so a receive callback only appends and returns. When the pipeline
 * falls behind and the queue is full, events are dropped but never silently: the drops
 * are counted and reported as one `ingest-loss` event naming the window and sources,
 * so the rule engine can audit what may have been missed.
 */
import type { AceEvent } from '../core/events.js';
import type { Clock } from '../core/clock.js';
import type { EventSink } from './types.js';

export interface QueueLoss {
  from: number;
  to: number;
  dropped: number;
  sources: string[];
}

export class EventQueue implements EventSink {
  readonly limit: number;
  readonly #batch: number;
  readonly #drain: (events: AceEvent[]) => void;
  readonly #clock: Clock;
  #items: AceEvent[] = [];
  #head = 0;
  #scheduled = false;
  #loss: { from: number; to: number; dropped: number; sources: Set<string> } | undefined;
  dropped = 0;

  constructor(opts: { limit: number; batch?: number; clock: Clock; drain: (events: AceEvent[]) => void }) {
    this.limit = opts.limit;
    this.#batch = opts.batch ?? 500;
    this.#drain = opts.drain;
    this.#clock = opts.clock;
  }

  get length(): number {
    return this.#items.length - this.#head;
  }

  push(event: AceEvent): void {
    if (this.length >= this.limit) {
      this.dropped++;
      const now = this.#clock.now();
      if (!this.#loss) this.#loss = { from: now, to: now, dropped: 0, sources: new Set() };
      this.#loss.to = now;
      this.#loss.dropped++;
      if (event.source && this.#loss.sources.size < 256) this.#loss.sources.add(event.source);
      return;
    }
    this.#items.push(event);
    this.#schedule();
  }

  /** Drain everything now (shutdown, tests). */
  flush(): void {
    while (this.length > 0) this.#runOnce();
  }

  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      this.#runOnce();
      if (this.length > 0) this.#schedule();
    });
  }

  #runOnce(): void {
    const end = Math.min(this.#items.length, this.#head + this.#batch);
    const batch = this.#items.slice(this.#head, end);
    this.#head = end;
    if (this.#head > 4096 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    const loss = this.#loss;
    if (loss && this.length === 0) {
      // The backlog is gone: report the window in which events were dropped.
      this.#loss = undefined;
      batch.push({
        kind: 'ingest-loss',
        transport: 'internal',
        receivedAt: this.#clock.now(),
        reason: 'pipeline queue full',
        data: { from: loss.from, to: loss.to, dropped: loss.dropped, sources: [...loss.sources] },
      });
    }
    if (batch.length > 0) this.#drain(batch);
  }
}
