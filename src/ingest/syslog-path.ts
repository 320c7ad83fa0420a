/**
 * The syslog receive path, shared by the main-thread listeners (UDP when `syslog.udp.worker` is off, and TCP)
 * and the UDP worker thread, so both give the same events, counts and log lines.
 *
 * It does as little as possible, in this order: allowlist, size, fast-path noise test (count and return: noise
 * is the common case on a busy ACE and must never delay the relevant lines behind it), full parse, attribution,
 * hand-off. Nothing on it waits for disk, SSH or HTTP, and nothing a device sends can throw out of it. What it
 * does with the results (count, log, push) is the caller's: `PathEffects`.
 */
import type { AceEvent } from '../core/events.js';
import { parseSyslog } from '../parse/syslog.js';
import { isCertainNoise } from '../parse/fast-path.js';
import type { Inventory } from '../inventory/inventory.js';
import { relayOrigin, type Relays } from '../inventory/relays.js';
import type { IngestOutcome } from './types.js';
import { SourceFilter, type SourceEntry } from './source-filter.js';

/** Raw text kept on an event, in characters. */
export const RAW_MAX_CHARS = 2048;
/** Sources listed in one ingest-loss event (devices are always all listed). */
export const MAX_LOSS_SOURCES = 1024;

export type SyslogTransport = 'udp' | 'tcp';

/** What the receive path's outcomes turn into. */
export interface PathEffects {
  count(transport: SyslogTransport, address: string, outcome: IngestOutcome, n?: number): void;
  /** A per-source problem worth a (rate-limited) warning. */
  logOnce(problem: string, entry: SourceEntry, msg: string, extra?: Record<string, unknown>): void;
  push(event: AceEvent): void;
  /** Receive time. */
  now(): number;
  /** An allowed source's first datagram in a tick. */
  seen?(entry: SourceEntry): void;
}

export interface PathOptions {
  maxBytes: number;
  storeNoise: boolean;
  acceptUnknown: boolean;
  relays: Relays;
}

/** Entries whose batched counts (noise, unknown sources) are not yet flushed. */
const hasPending = (e: SourceEntry): boolean => e.pendingNoise > 0 || e.pendingDropped > 0;

export class SyslogPath {
  readonly filter: SourceFilter;
  readonly #inventory: Inventory;
  readonly #o: PathOptions;
  readonly #fx: PathEffects;
  /** Entries with pending batched counts (flushing walks these, not the whole table). */
  #pending: SourceEntry[] = [];

  constructor(inventory: Inventory, opts: PathOptions, fx: PathEffects) {
    this.#inventory = inventory;
    this.#o = opts;
    this.#fx = fx;
    this.filter = new SourceFilter(inventory, {
      acceptUnknown: opts.acceptUnknown,
      relays: opts.relays,
      onEvict: (e) => this.flushEntry(e),
    });
  }

  /**
   * One UDP datagram. `tick` stamps the source as seen (the loss watch's tick, or the worker's batch number).
   */
  datagram(data: Buffer, rawAddress: string, tick: number): void {
    const entry = this.filter.lookup(rawAddress);
    if (!entry.allowed) {
      // Counted (and logged) in batches by flush: a spoofed flood costs one increment each.
      if (!hasPending(entry)) this.#pending.push(entry);
      entry.pendingDropped++;
      return;
    }
    if (entry.seenTick !== tick) {
      entry.seenTick = tick;
      this.#fx.seen?.(entry);
    }
    if (data.length > this.#o.maxBytes) {
      this.oversize(entry, 'udp', data.length);
      return;
    }
    if (isCertainNoise(data)) {
      if (!hasPending(entry)) this.#pending.push(entry);
      entry.pendingNoise++;
      if (this.#o.storeNoise) this.#parseAndPush(data, entry, 'udp', true);
      return;
    }
    this.#parseAndPush(data, entry, 'udp', false);
  }

  /** TCP frames (already bounded by the framer) take the same path after the allowlist. */
  frame(data: Buffer, entry: SourceEntry, transport: SyslogTransport): void {
    if (data.length > this.#o.maxBytes) {
      this.oversize(entry, transport, data.length);
      return;
    }
    if (isCertainNoise(data)) {
      this.#fx.count(transport, entry.address, 'noise');
      if (this.#o.storeNoise) this.#parseAndPush(data, entry, transport, true);
      return;
    }
    this.#parseAndPush(data, entry, transport, false);
  }

  oversize(entry: SourceEntry, transport: SyslogTransport, bytes: number): void {
    this.#fx.count(transport, entry.address, 'oversize');
    this.#fx.logOnce('oversize', entry, 'oversize syslog message dropped', {
      bytes,
      max: this.#o.maxBytes,
      transport,
    });
  }

  /** Fold every pending batched count into the effects now. */
  flush(): void {
    const list = this.#pending;
    if (list.length === 0) return;
    this.#pending = [];
    for (const e of list) this.flushEntry(e);
  }

  /** The inventory changed: re-derive every cached source's attribution (counts and activity kept). */
  refresh(): void {
    this.flush();
    this.filter.refresh();
  }

  flushEntry(e: SourceEntry): void {
    if (e.pendingNoise > 0) {
      this.#fx.count('udp', e.address, 'noise', e.pendingNoise);
      e.pendingNoise = 0;
    }
    if (e.pendingDropped > 0) {
      this.#fx.count('udp', e.address, 'dropped-unknown-source', e.pendingDropped);
      this.#fx.logOnce(
        'unknown',
        e,
        'syslog from a source not in the inventory dropped (list it under a device or set syslog.accept_unknown_sources)',
        { dropped: e.pendingDropped },
      );
      e.pendingDropped = 0;
    }
  }

  #parseAndPush(data: Buffer, entry: SourceEntry, transport: SyslogTransport, countedAsNoise: boolean): void {
    const inventory = this.#inventory;
    const fx = this.#fx;
    const raw = data.toString('utf8');
    let event: AceEvent;
    try {
      event = parseSyslog(raw, { now: fx.now() });
    } catch (err) {
      // The parser promises not to throw; if it ever does, the line is still accounted for.
      event = {
        kind: 'malformed',
        error: `parser failed: ${err instanceof Error ? err.message : String(err)}`.slice(0, 200),
      };
    }
    if (entry.relay !== undefined) {
      // Only a configured relay may name another origin; the origin then takes the direct path's attribution.
      const origin = relayOrigin(event, entry.relay, inventory);
      if (origin !== undefined) {
        inventory.attribute(event, origin.address);
        if (event.device !== undefined && entry.behind!.size < MAX_LOSS_SOURCES) entry.behind!.add(event.device);
      } else {
        event.source = entry.address;
        if (event.kind !== 'malformed' && event.kind !== 'noise' && !this.#o.acceptUnknown) {
          fx.count(transport, entry.address, 'dropped-unknown-origin');
          fx.logOnce('unknown-origin', entry, 'relayed syslog line names no origin in the inventory: dropped', {
            relay: entry.relay.spec,
            hostname: event.relayHostname,
            deviceId: event.deviceId,
          });
          return;
        }
      }
      event.relay = entry.address;
    } else inventory.attribute(event, entry.address);
    event.transport = transport;
    event.receivedAt = fx.now();
    event.raw = raw.length > RAW_MAX_CHARS ? raw.slice(0, RAW_MAX_CHARS) : raw;
    if (event.kind === 'malformed') {
      fx.count(transport, entry.address, 'malformed');
      fx.logOnce('malformed', entry, 'malformed syslog message', {
        error: event.error,
        raw: event.raw.slice(0, 200),
      });
      fx.push(event);
    } else if (event.kind === 'noise') {
      // Noise the fast path could not rule out (it only knows ids that are always noise).
      if (!countedAsNoise) fx.count(transport, entry.address, 'noise');
      if (this.#o.storeNoise) fx.push(event);
    } else {
      fx.count(transport, entry.address, 'accepted');
      fx.push(event);
    }
  }
}
