/**
 * Turns growth of the kernel's drop counter for our UDP socket into `ingest-loss` events,
 * so overload never loses a relevant line silently: the rule engine audits the contexts of
 * the sources that were active while datagrams were dropped.
 *
 * Which datagrams the kernel dropped is unknowable; the sources active in the window are
 * the best evidence. The receive path stamps each source with the current check `tick`
 * (a property write, no clock call per datagram). Emission waits until the datagrams that
 * were queued when the drops happened have been read (the socket's receive queue has
 * drained, or the next check), so their sources are in the list: after a stalled event
 * loop the timer fires before the backlog is read.
 */
import type { AceEvent } from '../core/events.js';
import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/log.js';
import type { DropReading } from './udp-drops.js';

/** Sources (and their devices) seen since a given tick. */
export interface ActiveSources {
  sources: string[];
  devices: string[];
  /** Some active sources were evicted from the bounded source table. */
  truncated: boolean;
}

export interface LossWatchOptions {
  reader: { read(): Promise<DropReading> };
  intervalMs: number;
  clock: Clock;
  logger: Logger;
  /** Sources seen in ticks >= `sinceTick`. */
  activeSources(sinceTick: number): ActiveSources;
  /** Where the `ingest-loss` event goes (the event sink). */
  emit(event: AceEvent): void;
  /** Total drops since start, after every read (IngestCounters.kernelDrops). */
  onTotal?(drops: number): void;
  /** Extra fields for the event's data (transport, port). */
  describe?: Record<string, unknown>;
  /** Under sustained loss, report at least every this many checks. Default 3. */
  maxDeferTicks?: number;
}

interface Window {
  from: number;
  to: number;
  fromTick: number;
  detectedTick: number;
  dropped: number;
}

export class LossWatch {
  /** Incremented at every check; the receive path stamps sources with it. */
  tick = 0;
  readonly #o: LossWatchOptions;
  readonly #maxDefer: number;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #lastDrops = 0;
  #lastCleanAt: number;
  #lastCleanTick = 0;
  #window: Window | undefined;
  /** Reported so far (sum of `dropped` of emitted events). */
  reported = 0;

  constructor(opts: LossWatchOptions) {
    this.#o = opts;
    this.#maxDefer = Math.max(1, opts.maxDeferTicks ?? 3);
    this.#lastCleanAt = opts.clock.now();
  }

  start(): void {
    if (this.#timer) return;
    this.#lastCleanAt = this.#o.clock.now();
    this.#timer = setInterval(() => void this.check(), this.#o.intervalMs);
    // The watch alone must not keep the process alive.
    this.#timer.unref();
  }

  /** Stop the timer, then run one last check so a loss just before shutdown is still reported. */
  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#running;
    await this.check(true);
  }

  /**
   * Wait (at most `maxMs`) until the socket's receive queue is empty, so a shutdown does not
   * discard datagrams the kernel already accepted. Only possible with the per-socket counter.
   */
  async drain(maxMs: number): Promise<void> {
    const deadline = Date.now() + maxMs;
    for (;;) {
      let queued: number | undefined;
      try {
        queued = (await this.#o.reader.read()).rxQueue;
      } catch {
        return;
      }
      if (queued === undefined || queued === 0 || Date.now() >= deadline) return;
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  /** One check (the timer calls it; tests may too). Overlapping calls share one read. */
  check(final = false): Promise<void> {
    if (this.#running) return this.#running;
    this.#running = this.#check(final).finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  async #check(final: boolean): Promise<void> {
    const tick = ++this.tick;
    // A drop not seen by this read happened after it started; one seen by the next read
    // happened before that read ended. So windows run from the start of the last clean
    // read to the end of the read that saw the growth.
    const startedAt = this.#o.clock.now();
    let reading: DropReading;
    try {
      reading = await this.#o.reader.read();
    } catch (err) {
      this.#o.logger.warn({ err }, 'reading the UDP drop counter failed');
      return;
    }
    const now = this.#o.clock.now();
    this.#o.onTotal?.(reading.drops);
    const delta = reading.drops - this.#lastDrops;
    this.#lastDrops = reading.drops;
    if (delta > 0) {
      if (this.#window === undefined) {
        // One tick of slack before the last clean check: the read is not instantaneous.
        this.#window = {
          from: this.#lastCleanAt,
          to: now,
          fromTick: Math.max(0, this.#lastCleanTick - 1),
          detectedTick: tick,
          dropped: 0,
        };
      }
      this.#window.to = now;
      this.#window.dropped += delta;
    }
    const w = this.#window;
    if (w !== undefined) {
      const drained = reading.rxQueue === 0;
      const age = tick - w.detectedTick;
      if (final || drained || (age >= 1 && delta === 0) || age >= this.#maxDefer) this.#emit(w, reading.method);
    }
    if (delta === 0 || this.#window === undefined) {
      this.#lastCleanAt = startedAt;
      this.#lastCleanTick = tick;
    }
  }

  #emit(w: Window, method: DropReading['method']): void {
    this.#window = undefined;
    const active = this.#o.activeSources(w.fromTick);
    this.reported += w.dropped;
    const data: Record<string, unknown> = {
      from: w.from,
      to: w.to,
      dropped: w.dropped,
      sources: active.sources,
      devices: active.devices,
      ...this.#o.describe,
      counter: method === 'socket' ? 'socket drops' : 'namespace RcvbufErrors',
    };
    if (active.truncated) data.sourcesTruncated = true;
    this.#o.logger.warn(
      {
        dropped: w.dropped,
        from: w.from,
        to: w.to,
        sources: active.sources.slice(0, 20),
        devices: active.devices.slice(0, 20),
      },
      'kernel dropped syslog datagrams: receive buffer overflow',
    );
    this.#o.emit({
      kind: 'ingest-loss',
      transport: 'internal',
      receivedAt: this.#o.clock.now(),
      reason: 'kernel receive buffer overflow',
      data,
    });
  }
}
