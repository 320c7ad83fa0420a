/**
 * Read access to a notification's varbinds by MIB column, the way the table's decoders
 * need it: "the value of clrRedState, whatever its instance" and "the instance suffix".
 */
import type { Varbind } from '../core/events.js';

/** Longest string a decoder copies into an event field (names, users, states). */
export const MAX_FIELD_CHARS = 128;

/** Trim and bound a device-sourced string for an event field; empty becomes undefined. */
export function field(s: string | undefined, max = MAX_FIELD_CHARS): string | undefined {
  if (s === undefined) return undefined;
  const t = s.trim();
  if (t.length === 0) return undefined;
  return t.length > max ? t.slice(0, max) : t;
}

export class TrapView {
  constructor(
    /** The notification OID (snmpTrapOID.0, or the v1 mapping). */
    readonly oid: string,
    readonly varbinds: readonly Varbind[],
    /** Raw bytes of octet-string values, by varbind index. */
    readonly rawBytes: ReadonlyArray<Uint8Array | undefined> = [],
  ) {}

  /** Index of the first varbind whose OID is `column` or `column.<instance>`, else -1. */
  indexOf(column: string): number {
    const vbs = this.varbinds;
    for (let i = 0; i < vbs.length; i++) {
      const oid = vbs[i]!.oid;
      if (oid.startsWith(column) && (oid.length === column.length || oid.charCodeAt(column.length) === 46) /* . */)
        return i;
    }
    return -1;
  }

  /** First varbind whose OID is `column` or `column.<instance>`. */
  find(column: string): Varbind | undefined {
    const i = this.indexOf(column);
    return i === -1 ? undefined : this.varbinds[i];
  }

  /** The value as text when it is a printable octet string (or an OID/IP address). */
  text(column: string): string | undefined {
    const vb = this.find(column);
    if (!vb || typeof vb.value !== 'string') return undefined;
    return vb.type === 'OctetString' || vb.type === 'OID' || vb.type === 'IpAddress' ? vb.value : undefined;
  }

  /** The value as an integer (INTEGER, Gauge, Counter, TimeTicks). */
  int(column: string): number | undefined {
    const v = this.find(column)?.value;
    return typeof v === 'number' && Number.isInteger(v) ? v : undefined;
  }

  /** Raw bytes of an octet-string value. */
  bytes(column: string): Uint8Array | undefined {
    const i = this.indexOf(column);
    return i === -1 ? undefined : this.rawBytes[i];
  }

  /** Sub-identifiers after `column` in the first matching varbind's OID. */
  instance(column: string): number[] | undefined {
    const vb = this.find(column);
    if (!vb || vb.oid.length <= column.length + 1) return undefined;
    return vb.oid
      .slice(column.length + 1)
      .split('.')
      .map(Number);
  }
}

/**
 * A length-prefixed string index component (`len.c1.c2...`) starting at `at`, as SMI
 * encodes a non-IMPLIED OCTET STRING index. Undefined when it does not fit or is not text.
 */
export function indexString(sub: readonly number[], at: number): { text: string; next: number } | undefined {
  const len = sub[at];
  if (len === undefined || len < 1 || len > 255 || at + 1 + len > sub.length) return undefined;
  const chars = sub.slice(at + 1, at + 1 + len);
  if (chars.some((c) => !Number.isInteger(c) || c < 0x20 || c > 0x7e)) return undefined;
  return { text: String.fromCharCode(...chars), next: at + 1 + len };
}

/** An InetAddress (4 or 16 bytes) as text; other lengths as undefined. */
export function inetAddress(bytes: Uint8Array | undefined): string | undefined {
  if (!bytes) return undefined;
  if (bytes.length === 4) return bytes.join('.');
  if (bytes.length === 16) {
    const parts: string[] = [];
    for (let i = 0; i < 16; i += 2) parts.push(((bytes[i]! << 8) | bytes[i + 1]!).toString(16));
    return parts.join(':');
  }
  return undefined;
}
