/**
 * The inventory: devices, HA pairs, contexts, and how a message's source address
 * (and `logging device-id` token) maps to a (device, context).
 */
import type { Config, DeviceConfig } from '../config/schema.js';
import type { AceEvent } from '../core/events.js';

export const ADMIN_CONTEXT = 'Admin';

export interface InventoryDevice {
  name: string;
  host: string;
  peer?: string;
  contexts: string[];
  /** FT group per context as configured (the poller may learn more). */
  ftGroups: Map<string, number>;
  config: DeviceConfig;
}

export interface Pair {
  /** Stable id: the two device names sorted and joined with `+`. */
  id: string;
  devices: [string, string];
}

export interface Attribution {
  device: string;
  context?: string;
}

/** `::ffff:10.0.0.1` (IPv4-mapped, as dual-stack sockets report) is the same source as `10.0.0.1`. */
export function normaliseAddress(addr: string): string {
  const a = addr.trim().toLowerCase();
  return a.startsWith('::ffff:') && a.includes('.') ? a.slice(7) : a;
}

export class Inventory {
  readonly devices = new Map<string, InventoryDevice>();
  readonly pairs: Pair[] = [];
  readonly #bySource = new Map<string, Attribution>();
  readonly #onReplace = new Set<() => void>();

  constructor(devices: DeviceConfig[]) {
    for (const d of devices) {
      const ftGroups = new Map<string, number>();
      for (const c of d.contexts) if (c.ft_group !== undefined) ftGroups.set(c.name, c.ft_group);
      const contexts = d.contexts.map((c) => c.name);
      // Every ACE has an Admin context, whether or not the file lists it.
      if (!contexts.includes(ADMIN_CONTEXT)) contexts.unshift(ADMIN_CONTEXT);
      this.devices.set(d.name, { name: d.name, host: d.host, peer: d.peer, contexts, ftGroups, config: d });
      for (const s of d.sources) this.#bySource.set(normaliseAddress(s), { device: d.name });
      for (const c of d.contexts)
        for (const s of c.sources) this.#bySource.set(normaliseAddress(s), { device: d.name, context: c.name });
    }
    const seen = new Set<string>();
    for (const d of this.devices.values()) {
      if (!d.peer || !this.devices.has(d.peer)) continue;
      const pair = [d.name, d.peer].sort() as [string, string];
      const id = pair.join('+');
      if (!seen.has(id)) {
        seen.add(id);
        this.pairs.push({ id, devices: pair });
      }
    }
  }

  static fromConfig(cfg: Config): Inventory {
    return new Inventory(cfg.devices);
  }

  /** Take `next`'s devices, pairs and sources in place (a configuration reload: every holder sees them). */
  replaceWith(next: Inventory): void {
    this.devices.clear();
    for (const [k, v] of next.devices) this.devices.set(k, v);
    this.pairs.splice(0, this.pairs.length, ...next.pairs);
    this.#bySource.clear();
    for (const [k, v] of next.#bySource) this.#bySource.set(k, v);
    for (const fn of [...this.#onReplace]) fn();
  }

  /**
   * Call `fn` after every `replaceWith` (holders that cache what they derived from the inventory, such as the
   * syslog source table, or give it to a worker thread). Returns the unsubscribe function.
   */
  onReplace(fn: () => void): () => void {
    this.#onReplace.add(fn);
    return () => this.#onReplace.delete(fn);
  }

  /** The device configurations this inventory was built from (to build an equal one elsewhere, e.g. a worker). */
  deviceConfigs(): DeviceConfig[] {
    return [...this.devices.values()].map((d) => d.config);
  }

  /** Known source? Unknown ones are dropped unless `accept_unknown_sources`. */
  isKnownSource(addr: string): boolean {
    return this.#bySource.has(normaliseAddress(addr));
  }

  lookupSource(addr: string): Attribution | undefined {
    return this.#bySource.get(normaliseAddress(addr));
  }

  peerOf(device: string): string | undefined {
    return this.devices.get(device)?.peer;
  }

  pairOf(device: string): Pair | undefined {
    return this.pairs.find((p) => p.devices.includes(device));
  }

  hasContext(device: string, context: string): boolean {
    return this.devices.get(device)?.contexts.includes(context) ?? false;
  }

  /**
   * Attach `device`, `source` and, where the text named none, `context` to a parsed event.
   * Order of evidence for the context: the text itself (already in `event.context`), the
   * source address when it belongs to one context, else the `logging device-id` token when
   * it names a context of that device. A token that names another context than the
   * source's does not move the attribution (anyone can write any token): it is recorded
   * in `claimedOrigin` (see trust.ts).
   */
  attribute(event: AceEvent, source: string): AceEvent {
    const addr = normaliseAddress(source);
    event.source = addr;
    const hit = this.#bySource.get(addr);
    if (!hit) return event;
    event.device = hit.device;
    const dev = this.devices.get(hit.device);
    const named = event.deviceId !== undefined && dev?.contexts.includes(event.deviceId) ? event.deviceId : undefined;
    if (hit.context !== undefined && named !== undefined && named !== hit.context) event.claimedOrigin = named;
    const origin = hit.context ?? named;
    if (origin !== undefined) {
      event.originContext = origin;
      if (event.context === undefined) event.context = origin;
    }
    return event;
  }
}
