/**
 * The USM security header of an SNMPv3 message (RFC 3412 §6, RFC 3414 §2.4), read from the
 * raw datagram: msgFlags, msgAuthoritativeEngineID, msgAuthoritativeEngineBoots/Time and
 * msgUserName. A small, bounded BER reader (definite lengths only, as SNMP requires).
 *
 * Why this exists: net-snmp 3.29.2's Receiver decodes these fields but never checks them
 * (no RFC 3414 §3.2 step 7 timeliness) and does not pass them to the notification callback
 * (Receiver.formatCallbackData keeps only the PDU and the user name). The receiver reads
 * them here from the same bytes it hands to net-snmp, and trusts them only after net-snmp
 * authenticated the message (the digest covers the whole message, these fields included).
 */

export interface UsmHeader {
  msgId: number;
  /** msgFlags: bit 0 auth, bit 1 priv, bit 2 reportable. */
  flags: number;
  /** msgAuthoritativeEngineID, lower-case hex ('' when empty: discovery). */
  engineId: string;
  engineBoots: number;
  engineTime: number;
  userName: string;
}

interface Tlv {
  tag: number;
  start: number;
  end: number;
}

const SEQUENCE = 0x30;
const INTEGER = 0x02;
const OCTET_STRING = 0x04;

/** One TLV at `pos`, bounded by `limit`; undefined when it does not fit. */
function tlv(buf: Buffer, pos: number, limit: number): Tlv | undefined {
  if (pos + 2 > limit) return undefined;
  const tag = buf[pos]!;
  let len = buf[pos + 1]!;
  let start = pos + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    // Indefinite (0) and lengths of more than 4 octets are not SNMP.
    if (n === 0 || n > 4 || start + n > limit) return undefined;
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + buf[start + i]!;
    start += n;
  }
  const end = start + len;
  return end <= limit ? { tag, start, end } : undefined;
}

/** A non-negative INTEGER of at most 5 octets (0..2^32-1); undefined otherwise. */
function uint(buf: Buffer, t: Tlv): number | undefined {
  const n = t.end - t.start;
  if (t.tag !== INTEGER || n < 1 || n > 5 || buf[t.start]! & 0x80) return undefined;
  let v = 0;
  for (let i = t.start; i < t.end; i++) v = v * 256 + buf[i]!;
  return v;
}

/** The USM header of an SNMPv3 message; undefined for v1/v2c, other security models, or anything malformed. */
export function readUsmHeader(buf: Buffer): UsmHeader | undefined {
  const msg = tlv(buf, 0, buf.length);
  if (!msg || msg.tag !== SEQUENCE) return undefined;
  const version = tlv(buf, msg.start, msg.end);
  if (!version || uint(buf, version) !== 3) return undefined;

  const global = tlv(buf, version.end, msg.end);
  if (!global || global.tag !== SEQUENCE) return undefined;
  const id = tlv(buf, global.start, global.end);
  const maxSize = id && tlv(buf, id.end, global.end);
  const flags = maxSize && tlv(buf, maxSize.end, global.end);
  const model = flags && tlv(buf, flags.end, global.end);
  if (!id || !model || flags.tag !== OCTET_STRING || flags.end - flags.start !== 1) return undefined;
  const msgId = uint(buf, id);
  // msgSecurityModel 3 is USM; anything else has no such header.
  if (msgId === undefined || uint(buf, model) !== 3) return undefined;

  const params = tlv(buf, global.end, msg.end);
  if (!params || params.tag !== OCTET_STRING) return undefined;
  const usm = tlv(buf, params.start, params.end);
  if (!usm || usm.tag !== SEQUENCE) return undefined;
  const engine = tlv(buf, usm.start, usm.end);
  const boots = engine && tlv(buf, engine.end, usm.end);
  const time = boots && tlv(buf, boots.end, usm.end);
  const user = time && tlv(buf, time.end, usm.end);
  if (!engine || !user || engine.tag !== OCTET_STRING || user.tag !== OCTET_STRING) return undefined;
  // RFC 3414: engine IDs are 5..32 octets (0 in discovery), user names at most 32.
  if (engine.end - engine.start > 32 || user.end - user.start > 32) return undefined;
  const engineBoots = uint(buf, boots);
  const engineTime = uint(buf, time);
  if (engineBoots === undefined || engineTime === undefined) return undefined;
  return {
    msgId,
    flags: buf[flags.start]!,
    engineId: buf.subarray(engine.start, engine.end).toString('hex'),
    engineBoots,
    engineTime,
    userName: buf.subarray(user.start, user.end).toString('latin1'),
  };
}

/** msgFlags authFlag: the message carries a digest (authNoPriv or authPriv). */
export const isAuthenticated = (h: UsmHeader): boolean => (h.flags & 1) === 1;
/** msgFlags reportableFlag. */
export const isReportable = (h: UsmHeader): boolean => (h.flags & 4) === 4;
