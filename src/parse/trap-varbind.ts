/**
 * Varbind values decoded by type, independent of any SNMP library: the input is the
 * BER type tag and whatever JS value a decoder produced (Buffer, string, number), the
 * output the event model's `Varbind`. Every value is device-sourced and untrusted, so
 * sizes are bounded and nothing here throws.
 */
import type { Varbind } from '../core/events.js';

/** A varbind as an SNMP decoder hands it over. Nothing about it is trusted. */
export interface RawVarbind {
  oid: unknown;
  /** BER tag: 2 Integer, 4 OctetString, 6 OID, 64 IpAddress, 67 TimeTicks, ... */
  type: unknown;
  value: unknown;
}

/**
 * A decoded varbind list, with the raw bytes of octet-string values alongside (by index):
 * decoders need them for InetAddress values, which may happen to look like text.
 */
export interface DecodedVarbinds {
  varbinds: Varbind[];
  bytes: Array<Uint8Array | undefined>;
  /** Varbinds beyond the bound, not kept. */
  dropped: number;
}

export const VARBIND_LIMITS = {
  /** Varbinds kept per notification; the rest are counted in `data.varbindsDropped`. */
  maxVarbinds: 64,
  /** Characters of a decoded value (text, or hex at two characters a byte). */
  maxValueChars: 1024,
  /** Characters of an OID. 128 sub-identifiers is the SMI maximum. */
  maxOidChars: 512,
} as const;

/** BER/SMI tag -> the name used in `Varbind.type` (net-snmp's ObjectType names). */
export const VARBIND_TYPE_NAMES: Readonly<Record<number, string>> = {
  1: 'Boolean',
  2: 'Integer',
  3: 'BitString',
  4: 'OctetString',
  5: 'Null',
  6: 'OID',
  64: 'IpAddress',
  65: 'Counter',
  66: 'Gauge',
  67: 'TimeTicks',
  68: 'Opaque',
  70: 'Counter64',
  128: 'NoSuchObject',
  129: 'NoSuchInstance',
  130: 'EndOfMibView',
};

/** Type name of an octet string that was not printable text and is shown as hex. */
export const HEX_STRING = 'HexString';

const OID_RE = /^[0-9]+(?:\.[0-9]+)*$/;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** A dotted OID, or undefined when the value is not one (or is too long). */
export function cleanOid(v: unknown): string | undefined {
  if (typeof v !== 'string' || v.length === 0 || v.length > VARBIND_LIMITS.maxOidChars) return undefined;
  const s = v.startsWith('.') ? v.slice(1) : v;
  return OID_RE.test(s) ? s : undefined;
}

function bound(s: string, max: number = VARBIND_LIMITS.maxValueChars): string {
  return s.length > max ? s.slice(0, max) + '…' : s;
}

function toBytes(v: unknown): Uint8Array | undefined {
  if (v instanceof Uint8Array) return v;
  // JSON round-trips of Buffers ({type:'Buffer', data:[...]}) show up in fixtures and fuzzing.
  if (
    typeof v === 'object' &&
    v !== null &&
    (v as { type?: unknown }).type === 'Buffer' &&
    Array.isArray((v as { data?: unknown }).data)
  ) {
    const data = (v as { data: unknown[] }).data;
    if (data.length > 65536) return undefined;
    return Uint8Array.from(data.map((n) => (typeof n === 'number' ? n & 0xff : 0)));
  }
  return undefined;
}

function hex(bytes: Uint8Array, maxChars: number = VARBIND_LIMITS.maxValueChars): string {
  const n = Math.min(bytes.length, Math.floor(maxChars / 2));
  const s = Buffer.from(bytes.buffer, bytes.byteOffset, n).toString('hex');
  return n < bytes.length ? s + '…' : s;
}

/** Printable: valid UTF-8 with no control characters other than tab, CR, LF. */
function printable(bytes: Uint8Array): string | undefined {
  // ACE (like IOS) may NUL-terminate DisplayStrings; one trailing NUL is not content.
  const body = bytes.length > 0 && bytes[bytes.length - 1] === 0 ? bytes.subarray(0, bytes.length - 1) : bytes;
  let text: string;
  try {
    text = utf8.decode(body);
  } catch {
    return undefined;
  }

  return /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/.test(text) ? undefined : text;
}

/** Octet string bytes to text where printable, else hex. */
export function octetsToValue(bytes: Uint8Array): { type: string; value: string } {
  const text = printable(bytes);
  return text !== undefined ? { type: 'OctetString', value: bound(text) } : { type: HEX_STRING, value: hex(bytes) };
}

function num(v: unknown): number | null {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : null;
  if (typeof v === 'string' && /^-?\d{1,16}$/.test(v)) return Number(v);
  return null;
}

function ipv4(v: unknown): string | null {
  const bytes = toBytes(v);
  if (bytes) return bytes.length === 4 ? bytes.join('.') : hex(bytes);
  if (typeof v === 'string' && /^\d{1,3}(?:\.\d{1,3}){3}$/.test(v)) return v;
  return null;
}

/** Counter64 arrives as big-endian bytes: a number while exact, else a decimal string. */
function counter64(v: unknown): string | number | null {
  const bytes = toBytes(v);
  if (!bytes) return num(v);
  if (bytes.length > 9) return hex(bytes);
  let n = 0n;
  for (const b of bytes) n = (n << 8n) | BigInt(b);
  return n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n.toString();
}

/** Decode one varbind. Never throws; an unusable OID becomes `''`. */
export function decodeVarbind(raw: RawVarbind): Varbind {
  return decodeOne(raw, undefined, 0);
}

/** Decode one varbind; octet-string bytes go to `bytes[i]`. */
function decodeOne(raw: RawVarbind, bytesOut: Array<Uint8Array | undefined> | undefined, i: number): Varbind {
  const oid = cleanOid(raw?.oid) ?? '';
  const tag = typeof raw?.type === 'number' ? raw.type : Number.NaN;
  const value = raw?.value;
  switch (tag) {
    case 2:
    case 65:
    case 66:
    case 67:
      return { oid, type: VARBIND_TYPE_NAMES[tag]!, value: num(value) };
    case 1:
      return { oid, type: 'Boolean', value: value === true ? 1 : value === false ? 0 : num(value) };
    case 4: {
      const bytes =
        toBytes(value) ??
        (typeof value === 'string' ? Buffer.from(value.slice(0, VARBIND_LIMITS.maxValueChars * 4), 'utf8') : undefined);
      if (!bytes) return { oid, type: 'OctetString', value: null };
      if (bytesOut) bytesOut[i] = bytes;
      const v = octetsToValue(bytes);
      return { oid, type: v.type, value: v.value };
    }
    case 6:
      return { oid, type: 'OID', value: cleanOid(value) ?? (typeof value === 'string' ? bound(value, 128) : null) };
    case 64:
      return { oid, type: 'IpAddress', value: ipv4(value) };
    case 70:
      return { oid, type: 'Counter64', value: counter64(value) };
    case 3:
    case 68: {
      const bytes = toBytes(value);
      return {
        oid,
        type: VARBIND_TYPE_NAMES[tag]!,
        value: bytes ? hex(bytes) : typeof value === 'string' ? bound(value) : null,
      };
    }
    case 5:
    case 128:
    case 129:
    case 130:
      return { oid, type: VARBIND_TYPE_NAMES[tag]!, value: null };
    default: {
      // A tag no SMI type has, or a decoder that named its types: keep what we can show.
      const name =
        typeof raw?.type === 'string'
          ? bound(raw.type.replace(/[^\w-]/g, ''), 32) || 'Unknown'
          : Number.isFinite(tag)
            ? `Tag${tag}`
            : 'Unknown';
      const bytes = toBytes(value);
      if (bytes) return { oid, type: name, value: hex(bytes) };
      if (typeof value === 'string') return { oid, type: name, value: bound(value) };
      return { oid, type: name, value: num(value) };
    }
  }
}

/** Decode a varbind list: at most `max` kept. A non-array input is an empty list. */
export function decodeVarbinds(list: unknown, max: number = VARBIND_LIMITS.maxVarbinds): DecodedVarbinds {
  if (!Array.isArray(list)) return { varbinds: [], bytes: [], dropped: 0 };
  const n = Math.min(list.length, max);
  const varbinds: Varbind[] = new Array(n);
  const bytes: Array<Uint8Array | undefined> = new Array(n);
  for (let i = 0; i < n; i++) varbinds[i] = decodeOne(list[i] as RawVarbind, bytes, i);
  return { varbinds, bytes, dropped: list.length - n };
}
