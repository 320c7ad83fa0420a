/**
 * The main thread's record of which syslog sources the UDP worker has read from, stamped with the loss
 * watch's tick when the worker's batch arrives (never earlier than the datagram was read, so a source read
 * in a loss window is never left out of it). Bounded like the source table it mirrors: a spoofing flood
 * evicts the oldest, and the active list then says it is truncated.
 */
import type { ActiveSources } from './loss-watch.js';
import { MAX_LOSS_SOURCES } from './syslog-path.js';

interface Seen {
  device: string | undefined;
  behind: Set<string> | undefined;
  tick: number;
}

export class SeenSources {
  readonly #max: number;
  readonly #byAddress = new Map<string, Seen>();
  #evictedActiveTick = -1;

  constructor(max = 4096) {
    this.#max = Math.max(1, max);
  }

  see(address: string, device: string | undefined, behind: string[] | undefined, tick: number): void {
    let s = this.#byAddress.get(address);
    if (s === undefined) {
      if (this.#byAddress.size >= this.#max) this.#evictOldest();
      s = { device, behind: undefined, tick };
      this.#byAddress.set(address, s);
    }
    s.device = device;
    s.tick = tick;
    if (behind !== undefined) {
      s.behind ??= new Set();
      for (const d of behind) if (s.behind.size < MAX_LOSS_SOURCES) s.behind.add(d);
    }
  }

  /** Sources (and their devices, and the devices seen behind relays) seen in ticks >= `sinceTick`. */
  active(sinceTick: number): ActiveSources {
    const sources: string[] = [];
    const devices = new Set<string>();
    let truncated = this.#evictedActiveTick >= sinceTick;
    for (const [address, s] of this.#byAddress) {
      if (s.tick < sinceTick) continue;
      if (s.device !== undefined) devices.add(s.device);
      if (s.behind !== undefined) for (const d of s.behind) devices.add(d);
      if (sources.length < MAX_LOSS_SOURCES) sources.push(address);
      else truncated = true;
    }
    return { sources, devices: [...devices], truncated };
  }

  #evictOldest(): void {
    const first = this.#byAddress.entries().next();
    if (first.done === true) return;
    const [address, s] = first.value;
    this.#byAddress.delete(address);
    if (s.tick > this.#evictedActiveTick) this.#evictedActiveTick = s.tick;
  }
}
