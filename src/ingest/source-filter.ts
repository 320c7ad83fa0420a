/**
 * The source allowlist on the receive path, with a small cache so a datagram costs one
 * map lookup: the peer address string a socket reports -> what we know about it.
 *
 * Each entry also carries what the hot path would otherwise pay a map update for: the
 * last loss-check tick it was seen in (which sources were active when the kernel
 * dropped datagrams) and its not-yet-flushed noise count (noise is the common case and
 * is folded into the shared counters in batches).
 */
import { normaliseAddress, type Inventory } from '../inventory/inventory.js';
import type { Relay, Relays } from '../inventory/relays.js';

export interface SourceEntry {
  /** Normalised address (IPv4-mapped IPv6 unwrapped). */
  readonly address: string;
  /** Listed in the inventory, or accepted because `accept_unknown_sources`. */
  readonly allowed: boolean;
  /** Listed in the inventory. */
  readonly known: boolean;
  /** Inventory device the address belongs to, if any. */
  readonly device: string | undefined;
  /** A configured syslog relay: its lines name their origin. */
  readonly relay?: Relay;
  /** Relay entries: the devices whose lines came through it (an overload loss at the relay concerns them all). */
  readonly behind?: Set<string>;
  /** Loss-check tick of the last datagram seen from it (-1: never). */
  seenTick: number;
  /** Noise datagrams counted here and not yet added to the shared counters. */
  pendingNoise: number;
  /** Datagrams dropped as from an unknown source, not yet added to the shared counters. */
  pendingDropped: number;
}

export interface SourceFilterOptions {
  acceptUnknown: boolean;
  /** Configured syslog relays (allowed; their lines are attributed to the origin they name). */
  relays?: Relays;
  /** Bound on cached addresses; a spoofing flood evicts the oldest. Default 4096. */
  maxEntries?: number;
  /** Called with an entry about to be evicted, so pending counts are not lost. */
  onEvict?: (entry: SourceEntry) => void;
}

export class SourceFilter {
  readonly #inventory: Inventory;
  readonly #acceptUnknown: boolean;
  readonly #max: number;
  readonly #onEvict: ((entry: SourceEntry) => void) | undefined;
  readonly #relays: Relays | undefined;
  readonly #byRaw = new Map<string, SourceEntry>();
  /** Entries evicted while active since this tick (the active-source list may be incomplete). */
  evictedActiveTick = -1;

  constructor(inventory: Inventory, opts: SourceFilterOptions) {
    this.#inventory = inventory;
    this.#acceptUnknown = opts.acceptUnknown;
    this.#max = Math.max(1, opts.maxEntries ?? 4096);
    this.#onEvict = opts.onEvict;
    this.#relays = opts.relays;
  }

  /** `syslog.accept_unknown_sources`. */
  get acceptUnknown(): boolean {
    return this.#acceptUnknown;
  }

  /** The entry for a peer address as the socket reported it (cached). */
  lookup(rawAddress: string): SourceEntry {
    const hit = this.#byRaw.get(rawAddress);
    if (hit !== undefined) return hit;
    const entry = this.#derive(rawAddress);
    if (this.#byRaw.size >= this.#max) this.#evictOldest();
    this.#byRaw.set(rawAddress, entry);
    return entry;
  }

  /**
   * The inventory changed (a configuration reload): derive every cached entry again, so a source added to the
   * inventory is accepted and a removed one dropped. Activity (seenTick) and the devices seen behind a relay are
   * kept; pending counts are moved to the new entry.
   */
  refresh(): void {
    for (const [raw, old] of this.#byRaw) {
      const e = this.#derive(raw);
      e.seenTick = old.seenTick;
      e.pendingNoise = old.pendingNoise;
      e.pendingDropped = old.pendingDropped;
      if (e.behind !== undefined && old.behind !== undefined) for (const d of old.behind) e.behind.add(d);
      this.#byRaw.set(raw, e);
    }
  }

  #derive(rawAddress: string): SourceEntry {
    const address = normaliseAddress(rawAddress);
    const relay = this.#relays?.match(address);
    if (relay !== undefined)
      return {
        address,
        allowed: true,
        known: true,
        device: undefined,
        relay,
        behind: new Set(),
        seenTick: -1,
        pendingNoise: 0,
        pendingDropped: 0,
      };
    const attribution = this.#inventory.lookupSource(address);
    const known = attribution !== undefined;
    return {
      address,
      allowed: known || this.#acceptUnknown,
      known,
      device: attribution?.device,
      seenTick: -1,
      pendingNoise: 0,
      pendingDropped: 0,
    };
  }

  /** Every cached entry (for flushing counters and listing active sources). */
  entries(): IterableIterator<SourceEntry> {
    return this.#byRaw.values();
  }

  get size(): number {
    return this.#byRaw.size;
  }

  #evictOldest(): void {
    const first = this.#byRaw.entries().next();
    if (first.done === true) return;
    const [key, entry] = first.value;
    this.#byRaw.delete(key);
    if (entry.seenTick > this.evictedActiveTick) this.evictedActiveTick = entry.seenTick;
    this.#onEvict?.(entry);
  }
}
