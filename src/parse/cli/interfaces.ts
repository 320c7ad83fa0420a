/**
 * Addresses and FT stanzas in a context's `show running-config` (reference 4.2, 4.5), for
 * discovery: which addresses a context sends from, and how two ACEs name each other.
 *
 * ACE interface blocks look like
 *
 *   interface vlan 100
 *     ip address 10.1.100.2 255.255.255.0
 *     alias 10.1.100.1 255.255.255.0
 *     peer ip address 10.1.100.3 255.255.255.0
 *     no shutdown
 *
 * `ip address` is this device's own address, `peer ip address` the FT peer's for the same
 * interface and `alias` the address the two share (it moves with the active role, so it is
 * never a device's identity). The Admin context also carries `ft interface vlan N` (with the
 * same three kinds of address lines), `ft peer N` (with `ft-interface vlan N` and
 * `query-interface vlan N`) and `ft group N` (with `associate-context C`). All pure; values
 * are bounded; lines that do not parse are skipped.
 */
import type { FtPeerStatus } from './ft-group.js';

export interface InterfaceAddress {
  ip: string;
  mask?: string;
}

export interface ConfigInterface {
  /** As written after `interface`, e.g. `vlan 100`, `bvi 10`. */
  name: string;
  vlan?: number;
  addresses: InterfaceAddress[];
  peerAddresses: InterfaceAddress[];
  aliases: InterfaceAddress[];
  shutdown: boolean;
}

export interface FtInterfaceConfig {
  vlan: number;
  address?: InterfaceAddress;
  peerAddress?: InterfaceAddress;
}

export interface FtPeerConfig {
  id: number;
  ftVlan?: number;
  queryVlan?: number;
}

export interface FtGroupConfig {
  id: number;
  peer?: number;
  priority?: number;
  peerPriority?: number;
  contexts: string[];
  inservice: boolean;
}

export interface FtConfig {
  interfaces: FtInterfaceConfig[];
  peers: FtPeerConfig[];
  groups: FtGroupConfig[];
}

const MAX_BLOCKS = 4096;
const MAX_ADDRESSES = 64;
const IPV4 = /^(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)$/;

/** Top-level lines with their indented children, in order. */
function blocks(config: string): Array<{ line: string; children: string[] }> {
  const out: Array<{ line: string; children: string[] }> = [];
  for (const raw of config.replace(/\r\n?/g, '\n').split('\n')) {
    if (raw.trim() === '') continue;
    if (/^\s/.test(raw)) {
      const cur = out[out.length - 1];
      if (cur && cur.children.length < 1024) cur.children.push(raw.trim());
      continue;
    }
    if (out.length >= MAX_BLOCKS) break;
    out.push({ line: raw.trim(), children: [] });
  }
  return out;
}

/** `10.1.1.1 255.255.255.0` or `10.1.1.1/24` -> address, or undefined when not an IPv4 address. */
function address(words: string[]): InterfaceAddress | undefined {
  const [a, m] = words;
  if (a === undefined) return undefined;
  const slash = /^([\d.]+)\/(\d{1,2})$/.exec(a);
  if (slash && IPV4.test(slash[1]!) && Number(slash[2]) <= 32) return { ip: slash[1]!, mask: maskOf(Number(slash[2])) };
  if (!IPV4.test(a)) return undefined;
  return m !== undefined && IPV4.test(m) ? { ip: a, mask: m } : { ip: a };
}

function maskOf(bits: number): string {
  const n = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  return [24, 16, 8, 0].map((s) => (n >>> s) & 255).join('.');
}

function int(s: string | undefined): number | undefined {
  if (s === undefined || !/^\d{1,5}$/.test(s)) return undefined;
  return Number(s);
}

/** The `interface ...` blocks of a running-config with their addresses. */
export function parseInterfaces(config: string): ConfigInterface[] {
  const out: ConfigInterface[] = [];
  for (const b of blocks(config)) {
    const m = /^interface\s+(.+)$/.exec(b.line);
    if (!m) continue;
    const name = m[1]!.replace(/\s+/g, ' ').slice(0, 64);
    const vlan = /^vlan (\d+)$/i.exec(name);
    const itf: ConfigInterface = {
      name,
      ...(vlan ? { vlan: Number(vlan[1]) } : {}),
      addresses: [],
      peerAddresses: [],
      aliases: [],
      shutdown: false,
    };
    for (const c of b.children) {
      const w = c.split(/\s+/);
      const push = (list: InterfaceAddress[], a: InterfaceAddress | undefined): void => {
        if (a && list.length < MAX_ADDRESSES) list.push(a);
      };
      if (w[0] === 'ip' && w[1] === 'address') push(itf.addresses, address(w.slice(2)));
      else if (w[0] === 'peer' && w[1] === 'ip' && w[2] === 'address') push(itf.peerAddresses, address(w.slice(3)));
      else if (w[0] === 'alias') push(itf.aliases, address(w.slice(1)));
      else if (c === 'shutdown') itf.shutdown = true;
    }
    out.push(itf);
  }
  return out;
}

/** The FT stanzas of an Admin running-config. */
export function parseFtConfig(config: string): FtConfig {
  const r: FtConfig = { interfaces: [], peers: [], groups: [] };
  for (const b of blocks(config)) {
    let m: RegExpExecArray | null;
    if ((m = /^ft interface vlan (\d+)$/.exec(b.line))) {
      const itf: FtInterfaceConfig = { vlan: Number(m[1]) };
      for (const c of b.children) {
        const w = c.split(/\s+/);
        if (w[0] === 'ip' && w[1] === 'address') {
          const a = address(w.slice(2));
          if (a) itf.address = a;
        } else if (w[0] === 'peer' && w[1] === 'ip' && w[2] === 'address') {
          const a = address(w.slice(3));
          if (a) itf.peerAddress = a;
        }
      }
      r.interfaces.push(itf);
    } else if ((m = /^ft peer (\d+)$/.exec(b.line))) {
      const p: FtPeerConfig = { id: Number(m[1]) };
      for (const c of b.children) {
        let k: RegExpExecArray | null;
        if ((k = /^ft-interface vlan (\d+)$/.exec(c))) p.ftVlan = Number(k[1]);
        else if ((k = /^query-interface vlan (\d+)$/.exec(c))) p.queryVlan = Number(k[1]);
      }
      r.peers.push(p);
    } else if ((m = /^ft group (\d+)$/.exec(b.line))) {
      const g: FtGroupConfig = { id: Number(m[1]), contexts: [], inservice: false };
      for (const c of b.children) {
        let k: RegExpExecArray | null;
        if ((k = /^associate-context (\S+)$/.exec(c))) {
          if (g.contexts.length < 64) g.contexts.push(k[1]!.slice(0, 64));
        } else if ((k = /^peer priority (\d+)$/.exec(c))) g.peerPriority = int(k[1]);
        else if ((k = /^priority (\d+)$/.exec(c))) g.priority = int(k[1]);
        else if ((k = /^peer (\d+)$/.exec(c))) g.peer = int(k[1]);
        else if (c === 'inservice') g.inservice = true;
      }
      r.groups.push(g);
    }
  }
  return r;
}

export interface FtPeerAddresses {
  /** This device's FT address. */
  localIp?: string;
  /** The peer's FT address. */
  peerIp?: string;
  /** The peer's address on the query interface (a second path to the peer). */
  peerQueryIp?: string;
  ftVlan?: number;
}

/**
 * Addresses from a `show ft peer detail` record. Field wording is not confirmed (reference
 * 4.5 marks it [I]): `Peer IP`, `Peer IP Addr`, `Peer IP Address`; `My IP Addr`, `Local IP`.
 */
export function ftPeerAddresses(p: FtPeerStatus): FtPeerAddresses {
  const r: FtPeerAddresses = {};
  for (const [k, raw] of Object.entries(p.fields)) {
    const v = raw.split(/\s+/)[0] ?? '';
    const key = k.toLowerCase();
    if (/^peer query ip(?: addr(?:ess)?)?$/.test(key)) {
      if (IPV4.test(v)) r.peerQueryIp = v;
    } else if (/^peer ip(?: addr(?:ess)?)?$/.test(key)) {
      if (IPV4.test(v) && v !== '0.0.0.0') r.peerIp = v;
    } else if (/^(?:my|local) ip(?: addr(?:ess)?)?$/.test(key)) {
      if (IPV4.test(v) && v !== '0.0.0.0') r.localIp = v;
    } else if (/^ft vlan$/.test(key)) {
      const n = int(v);
      if (n !== undefined) r.ftVlan = n;
    }
  }
  return r;
}

/** True when `ip` lies in the subnet of `a` (an address without a mask matches only itself). */
export function inSubnet(ip: string, a: InterfaceAddress): boolean {
  if (!IPV4.test(ip)) return false;
  if (a.mask === undefined) return ip === a.ip;
  const n = (s: string): number => s.split('.').reduce((acc, o) => ((acc << 8) | Number(o)) >>> 0, 0);
  const mask = n(a.mask);
  return (n(ip) & mask) >>> 0 === (n(a.ip) & mask) >>> 0;
}

export function isIpv4(s: string): boolean {
  return IPV4.test(s);
}
