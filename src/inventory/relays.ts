/**
 * Syslog relays (`syslog.relays`): which peers may speak for other sources, and whom a relayed line is from.
 *
 * Trust: a line is attributed by the address that sent it. Only a configured relay may name another origin, and
 * only through the fields configured for it, in order: the RFC 5424 `[origin ip="..."]` element (RFC 5424 7.2),
 * then the HOSTNAME the relay wrote (an address in the inventory, or a device's name or management host), then the
 * ACE `logging device-id` (an address, a device name, or a context name found on exactly one device: the two peers
 * of a pair share context names, so a bare context name rarely decides). The origin found is an inventory source
 * address, and the line then goes through the same attribution and trust rules as a direct one. From any other
 * sender these fields are ignored, so a forged HOSTNAME never moves a line to another device. Pure.
 */
import type { RelayConfig, RelayOriginField } from '../config/sections/syslog.js';
import { addressNumber, cidrContains, parseCidr, type Cidr } from '../core/cidr.js';
import type { AceEvent } from '../core/events.js';
import { normaliseAddress, type Inventory } from './inventory.js';

export interface Relay {
  /** As configured (`10.1.2.3` or `10.1.2.0/24`): the name counters and logs use for the rule that matched. */
  readonly spec: string;
  readonly origin: readonly RelayOriginField[];
  readonly cidr: Cidr;
}

export interface RelayOrigin {
  /** The inventory source address the line is attributed to. */
  address: string;
  /** The field that named it. */
  via: RelayOriginField;
}

export class Relays {
  readonly list: readonly Relay[];

  constructor(configs: readonly RelayConfig[]) {
    this.list = configs.map((c) => ({ spec: c.address, origin: c.origin, cidr: parseCidr(c.address)! }));
  }

  get size(): number {
    return this.list.length;
  }

  /** The relay a peer address belongs to, if any (first match in the configured order). */
  match(address: string): Relay | undefined {
    if (this.list.length === 0) return undefined;
    const a = normaliseAddress(address);
    return this.list.find((r) => cidrContains(r.cidr, a));
  }
}

/** A device's own address for a name: its name or management host (case-insensitive), else undefined. */
function deviceAddress(inv: Inventory, name: string): string | undefined {
  const n = name.toLowerCase();
  for (const d of inv.devices.values()) {
    if (d.name.toLowerCase() !== n && d.host.toLowerCase() !== n) continue;
    // The device's own (Admin) sources, else its management host if that is a listed source.
    const own = d.config.sources.find((s) => inv.isKnownSource(s));
    if (own !== undefined) return normaliseAddress(own);
    return inv.isKnownSource(d.host) ? normaliseAddress(d.host) : undefined;
  }
  return undefined;
}

/** A context name that exists on exactly one device, resolved to that context's first source. */
function uniqueContextAddress(inv: Inventory, name: string): string | undefined {
  let found: string | undefined;
  let hits = 0;
  for (const d of inv.devices.values()) {
    const c = d.config.contexts.find((x) => x.name === name);
    if (!c) continue;
    hits++;
    found = c.sources[0] !== undefined ? normaliseAddress(c.sources[0]) : undefined;
  }
  return hits === 1 ? found : undefined;
}

function knownAddress(inv: Inventory, text: string | undefined): string | undefined {
  if (text === undefined || addressNumber(text) === undefined) return undefined;
  return inv.isKnownSource(text) ? normaliseAddress(text) : undefined;
}

/** Whom a line that came through `relay` is from, by the relay's trusted fields in order; undefined if none says. */
export function relayOrigin(event: AceEvent, relay: Relay, inv: Inventory): RelayOrigin | undefined {
  for (const via of relay.origin) {
    let address: string | undefined;
    if (via === 'sd-origin') address = knownAddress(inv, event.relayOriginIp);
    else if (via === 'hostname') {
      const h = event.relayHostname;
      address = knownAddress(inv, h) ?? (h !== undefined ? deviceAddress(inv, h) : undefined);
    } else {
      const id = event.deviceId;
      if (id !== undefined) address = knownAddress(inv, id) ?? deviceAddress(inv, id) ?? uniqueContextAddress(inv, id);
    }
    if (address !== undefined) return { address, via };
  }
  return undefined;
}
