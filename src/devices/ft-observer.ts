/**
 * FT roles as the poller sees them: `show ft group` parsed into `ft-status` events, and
 * `ha-state` events (the same kind syslog 727012 produces) when a device's role in a group
 * changed since the last look. The memory of last roles is bounded.
 */
import type { AceEvent, FtStatusData } from '../core/events.js';
import type { FtGroupStatus } from '../parse/cli/ft-group.js';

export class FtObserver {
  readonly #last = new Map<string, string>();
  readonly #max: number;

  constructor(max = 50_000) {
    this.#max = max;
  }

  /** Seed from a store after a restart, so the first look can still report a change. */
  seed(device: string, group: number, state: string): void {
    this.#remember(`${device}|${group}`, state);
  }

  last(device: string, group: number): string | undefined {
    return this.#last.get(`${device}|${group}`);
  }

  #remember(key: string, state: string): void {
    if (!this.#last.has(key) && this.#last.size >= this.#max) {
      const first = this.#last.keys().next().value;
      if (first !== undefined) this.#last.delete(first);
    }
    this.#last.set(key, state);
  }

  /** Events for one device's groups. `base` carries device, transport and receivedAt. */
  observe(device: string, groups: FtGroupStatus[], base: Pick<AceEvent, 'transport' | 'receivedAt'>): AceEvent[] {
    const out: AceEvent[] = [];
    for (const g of groups) {
      const context = g.contexts.length === 1 ? g.contexts[0] : undefined;
      const data: FtStatusData = { myState: g.myState };
      if (g.peerState !== undefined) data.peerState = g.peerState;
      if (g.contexts.length > 0) data.contexts = g.contexts;
      if (g.runningSync !== undefined) data.runningSync = g.runningSync;
      if (g.startupSync !== undefined) data.startupSync = g.startupSync;
      out.push({ kind: 'ft-status', device, context, ftGroup: g.group, state: g.myState, ...base, data: { ...data } });
      const key = `${device}|${g.group}`;
      const prev = this.#last.get(key);
      if (prev !== undefined && prev !== g.myState)
        out.push({
          kind: 'ha-state',
          device,
          context,
          ftGroup: g.group,
          state: g.myState,
          prevState: prev,
          reason: 'observed by poller',
          ...base,
        });
      this.#remember(key, g.myState);
    }
    return out;
  }
}
