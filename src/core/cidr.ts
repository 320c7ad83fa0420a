/**
 * Addresses and CIDR blocks as numbers, for matching a peer address against `syslog.relays`. Pure; IPv4 and IPv6
 * (`::ffff:a.b.c.d` is the IPv4 address). Written out rather than taken from node:net's BlockList so the config
 * schema (below node's socket layer) can validate an entry.
 */
import { isIPv4, isIPv6 } from 'node:net';

export interface Cidr {
  v6: boolean;
  base: bigint;
  bits: number;
}

function v4(a: string): bigint | undefined {
  if (!isIPv4(a)) return undefined;
  return a.split('.').reduce((n, p) => (n << 8n) | BigInt(Number(p)), 0n);
}

function v6(a: string): bigint | undefined {
  if (!isIPv6(a)) return undefined;
  let s = a.toLowerCase();
  const zone = s.indexOf('%');
  if (zone >= 0) s = s.slice(0, zone);
  // A trailing dotted quad (`::ffff:1.2.3.4`) is two groups.
  const dot = s.lastIndexOf(':');
  const tail = s.slice(dot + 1);
  if (tail.includes('.')) {
    const n = v4(tail);
    if (n === undefined) return undefined;
    s = `${s.slice(0, dot + 1)}${(n >> 16n).toString(16)}:${(n & 0xffffn).toString(16)}`;
  }
  const [head, rest] = s.split('::') as [string, string | undefined];
  const hs = head ? head.split(':') : [];
  const rs = rest !== undefined && rest !== '' ? rest.split(':') : [];
  const fill = rest === undefined ? [] : Array(8 - hs.length - rs.length).fill('0');
  const groups = [...hs, ...fill, ...rs];
  if (groups.length !== 8) return undefined;
  return groups.reduce((n, g) => (n << 16n) | BigInt(parseInt(g, 16)), 0n);
}

/** An address as (family, number); IPv4-mapped IPv6 counts as IPv4. */
export function addressNumber(addr: string): { v6: boolean; n: bigint } | undefined {
  const a = addr.trim();
  const n4 = v4(a);
  if (n4 !== undefined) return { v6: false, n: n4 };
  const n6 = v6(a);
  if (n6 === undefined) return undefined;
  if (n6 >> 32n === 0xffffn) return { v6: false, n: n6 & 0xffffffffn };
  return { v6: true, n: n6 };
}

/** `10.0.0.0/8`, `2001:db8::/32`, or a bare address (a /32 or /128). */
export function parseCidr(text: string): Cidr | undefined {
  const [addr, len, extra] = text.trim().split('/');
  if (addr === undefined || extra !== undefined) return undefined;
  const a = addressNumber(addr);
  if (!a) return undefined;
  const max = a.v6 ? 128 : 32;
  const bits = len === undefined ? max : /^\d{1,3}$/.test(len) ? Number(len) : NaN;
  if (!(bits >= 0 && bits <= max)) return undefined;
  const mask = bits === 0 ? 0n : ((1n << BigInt(bits)) - 1n) << BigInt(max - bits);
  return { v6: a.v6, base: a.n & mask, bits };
}

export function cidrContains(c: Cidr, addr: string): boolean {
  const a = addressNumber(addr);
  if (!a || a.v6 !== c.v6) return false;
  const max = c.v6 ? 128 : 32;
  const mask = c.bits === 0 ? 0n : ((1n << BigInt(c.bits)) - 1n) << BigInt(max - c.bits);
  return (a.n & mask) === c.base;
}
