/**
 * The syslog envelope in front of an ACE message body, in every form the reference lists
 * (ace-device.md section 1.2) plus the Cisco-isms other receivers trip over (prior-art 9.4):
 *
 *   [<PRI>] [RFC 5424 header + SD | relay "Mmm dd HH:MM:SS host "] [seq: ]... [*|.]
 *   [Mmm dd yyyy HH:MM:SS[:] ] [device-id[ ]: ] %ACE-...
 *
 * Every element is optional and read left to right with anchored (sticky) patterns, so the
 * cost is linear in the line length whatever the input. Nothing here rejects a line: an
 * element that does not fit is left for the next reader, and the body search decides.
 */
import { LIMITS } from './limits.js';

/** What the envelope told us. */
export interface EnvelopeHead {
  pri?: number;
  facility?: number;
  /** `YYYY-MM-DDTHH:MM:SS` from the ACE's own `logging timestamp` stamp. */
  aceTimestamp?: string;
  /**
   * `YYYY-MM-DDTHH:MM:SS` in UTC from an RFC 5424 relay header (its zone applied). A relay's RFC 3164 stamp has no
   * year: it is in `relayStamp3164`, and only the parser's caller, who knows the receive time, can date it.
   */
  relayTimestamp?: string;
  /**
   * What a relay wrote about the origin (ace-device.md 1.2; RFC 5424 section 6.2.4 and 7.2): the HOSTNAME field of
   * an RFC 5424 or traditional (RFC 3164) relay header, and the `ip` of an RFC 5424 `[origin ...]` element. Only
   * trusted for lines from a configured relay (ingest decides); elsewhere they are ignored.
   */
  hostname?: string;
  sdOriginIp?: string;
  /** RFC 5424 APP-NAME (rsyslog puts the tag there: `%ACE-5-111008` or a `device-id`). */
  appName?: string;
  /** A traditional relay stamp (no year): month 1-12, day, `HH:MM:SS`. */
  relayStamp3164?: { month: number; day: number; time: string };
  /** Index after the last envelope element recognised; the ACE body is searched from here. */
  end: number;
}

const MONTHS: Record<string, string> = {
  jan: '01',
  feb: '02',
  mar: '03',
  apr: '04',
  may: '05',
  jun: '06',
  jul: '07',
  aug: '08',
  sep: '09',
  oct: '10',
  nov: '11',
  dec: '12',
};

const PRI_RE = /<(\d{1,3})>/y;
// RFC 5424: VERSION SP TIMESTAMP SP HOSTNAME SP APP-NAME SP PROCID SP MSGID SP (SD follows).
const RFC5424_RE =
  /1 (?:-|(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.\d{1,9})?(Z|[+-]\d\d:\d\d)) ([!-~]{1,255}) ([!-~]{1,48}) [!-~]{1,128} [!-~]{1,32} /y;
// RFC 5424 section 7.2: `[origin ip="192.0.2.1" ...]` (the first `ip` parameter of an `origin` element).
const SD_ORIGIN_IP_RE = /\[origin(?: [^\]]*?)? ip="([0-9A-Fa-f.:]{2,45})"/;
// Cisco sequence number(s): `<190>421370: 421366: Nov 23 ...`.
const SEQ_RE = /\d{1,10}:[ \t]+/y; // space required: `2001:db8::5:` is an IPv6 device-id
// A relay's RFC 3164 stamp: no year. Followed by the relay's idea of the host name.
const RELAY_TS_RE = /([A-Za-z]{3}) {1,2}(\d{1,2}) (\d\d):(\d\d):(\d\d)(?:\.\d{1,6})?[ \t]+/y;
const HOST_RE = /[^\s%][^\s]{0,254}[ \t]+/y;
// The ACE's own stamp (`logging timestamp`): four-digit year, optional `:` after it (`TS: %ACE`).
const ACE_TS_RE = /([A-Za-z]{3}) {1,2}(\d{1,2}) (\d{4}) (\d\d):(\d\d):(\d\d)(?:\.\d{1,6})?(?![\d.]):?[ \t]*/y;

function sticky(re: RegExp, s: string, at: number): RegExpExecArray | null {
  re.lastIndex = at;
  return re.exec(s);
}

function two(n: string): string {
  return n.length === 1 ? '0' + n : n;
}

/** `YYYY-MM-DDTHH:MM:SS`, or undefined when any part is out of range. */
function isoLocal(year: string, month: string, day: string, hh: string, mm: string, ss: string): string | undefined {
  const d = Number(day);
  if (d < 1 || d > 31 || Number(hh) > 23 || Number(mm) > 59 || Number(ss) > 60) return undefined;
  return `${year}-${month}-${two(day)}T${hh}:${mm}:${ss}`;
}

function isLetter(c: number): boolean {
  return (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
}

function monthOf(name: string): string | undefined {
  return MONTHS[name.toLowerCase()];
}

/** Skip an RFC 5424 STRUCTURED-DATA part: `-` or `[...]` elements (quoted values, `\]` escapes). */
function skipStructuredData(s: string, at: number): number | undefined {
  if (s.charCodeAt(at) === 0x2d /* - */) return at + 1;
  let i = at;
  const limit = Math.min(s.length, at + LIMITS.structuredData);
  if (s.charCodeAt(i) !== 0x5b /* [ */) return undefined;
  while (i < limit && s.charCodeAt(i) === 0x5b) {
    let inQuote = false;
    i++;
    for (; i < limit; i++) {
      const c = s.charCodeAt(i);
      if (c === 0x5c /* \ */) i++;
      else if (c === 0x22 /* " */) inQuote = !inQuote;
      else if (c === 0x5d /* ] */ && !inQuote) break;
    }
    if (i >= limit) return undefined;
    i++; // past ']'
  }
  return i;
}

/**
 * An RFC 5424 stamp with its zone, as UTC `YYYY-MM-DDTHH:MM:SS` (the zone is part of the stamp: `+01:00` written by a
 * relay in Paris is one hour earlier in UTC). Undefined when out of range.
 */
function utcOf5424(m: RegExpExecArray): string | undefined {
  if (m[1] === undefined || +m[2]! < 1 || +m[2]! > 12) return undefined;
  const local = isoLocal(m[1], m[2]!, m[3]!, m[4]!, m[5]!, m[6]!);
  if (local === undefined) return undefined;
  const zone = m[7]!;
  if (zone === 'Z' || zone === '+00:00' || zone === '-00:00') return local;
  const ms = Date.parse(`${local}${zone}`);
  return Number.isFinite(ms) ? new Date(ms).toISOString().slice(0, 19) : undefined;
}

interface Header5424 {
  end: number;
  stamp?: string;
  hostname: string;
  appName: string;
  originIp?: string;
}

/** Try an RFC 5424 header + SD at `at`; returns the MSG start, the stamp (UTC), HOSTNAME, APP-NAME and SD origin. */
function read5424(s: string, at: number): Header5424 | undefined {
  const m = sticky(RFC5424_RE, s, at);
  if (!m) return undefined;
  const sdStart = RFC5424_RE.lastIndex;
  const sdEnd = skipStructuredData(s, sdStart);
  if (sdEnd === undefined) return undefined;
  let end = sdEnd;
  if (s.charCodeAt(end) === 0x20) end++;
  if (s.charCodeAt(end) === 0xfeff) end++; // MSG may start with a UTF-8 BOM
  const originIp = sdEnd > sdStart + 1 ? SD_ORIGIN_IP_RE.exec(s.slice(sdStart, sdEnd))?.[1] : undefined;
  return { end, stamp: utcOf5424(m), hostname: m[8]!, appName: m[9]!, originIp };
}

/** Skip Cisco sequence numbers, but never one directly followed by `%ACE-`: that is a device-id. */
function skipSequenceNumbers(s: string, at: number): number {
  let pos = at;
  for (let n = 0; n < 4; n++) {
    const m = sticky(SEQ_RE, s, pos);
    if (!m || s.startsWith('%ACE-', SEQ_RE.lastIndex)) break;
    pos = SEQ_RE.lastIndex;
  }
  return pos;
}

/** Read the envelope elements at the start of `s`. Never throws. */
export function readEnvelopeHead(s: string): EnvelopeHead {
  const head: EnvelopeHead = { end: 0 };
  let pos = 0;
  while (pos < s.length && (s.charCodeAt(pos) <= 0x20 || s.charCodeAt(pos) === 0xfeff)) pos++;

  const pri = sticky(PRI_RE, s, pos);
  if (pri) {
    pos = PRI_RE.lastIndex;
    const v = Number(pri[1]);
    // PRI is facility*8+severity with facility 0..23, so 191 is the largest valid value.
    if (v <= 191) {
      head.pri = v;
      head.facility = v >> 3;
    }
    const r = read5424(s, pos);
    if (r) {
      pos = r.end;
      if (r.stamp) head.relayTimestamp = r.stamp;
      if (r.hostname !== '-') head.hostname = r.hostname;
      if (r.appName !== '-') head.appName = r.appName;
      if (r.originIp !== undefined) head.sdOriginIp = r.originIp;
    }
  }

  pos = skipSequenceNumbers(s, pos);
  const relay = sticky(RELAY_TS_RE, s, pos);
  if (relay && monthOf(relay[1]!)) {
    pos = RELAY_TS_RE.lastIndex;
    pos = skipSequenceNumbers(s, pos);
    // The next word is the relay's host name unless it is really the device-id (`name: %ACE`)
    // or the ACE's own stamp follows directly.
    const host = sticky(HOST_RE, s, pos);
    const aceTsNext = sticky(ACE_TS_RE, s, pos);
    const isDeviceId = host !== null && (host[0].trimEnd().endsWith(':') || s.charCodeAt(HOST_RE.lastIndex) === 0x3a);
    const month = Number(monthOf(relay[1]!));
    const day = Number(relay[2]);
    if (day >= 1 && day <= 31 && +relay[3]! <= 23 && +relay[4]! <= 59 && +relay[5]! <= 60)
      head.relayStamp3164 = { month, day, time: `${relay[3]}:${relay[4]}:${relay[5]}` };
    if (host && !aceTsNext && !isDeviceId) {
      pos = HOST_RE.lastIndex;
      if (head.hostname === undefined) head.hostname = host[0].trimEnd();
    }
  }

  pos = skipSequenceNumbers(s, pos);
  // `*` (clock not set) and `.` (NTP not in sync) prefix a Cisco stamp.
  const c = s.charCodeAt(pos);
  if ((c === 0x2a || c === 0x2e) && isLetter(s.charCodeAt(pos + 1))) pos++;

  const ts = sticky(ACE_TS_RE, s, pos);
  if (ts) {
    const month = monthOf(ts[1]!);
    const iso = month && isoLocal(ts[3]!, month, ts[2]!, ts[4]!, ts[5]!, ts[6]!);
    if (iso) {
      head.aceTimestamp = iso;
      pos = ACE_TS_RE.lastIndex;
    }
  }
  head.end = pos;
  return head;
}

/**
 * The `logging device-id` token: the last word before the ACE header when it ends with a colon
 * (`pvg1-ace02: %ACE`, `pvg1-ace02:%ACE`, ASA-style `id : %ACE`). A word without a colon is a
 * relay's host name or junk, not a device-id.
 */
export function readDeviceId(s: string, from: number, to: number): string | undefined {
  if (to <= from) return undefined;
  let end = to;
  while (end > from && s.charCodeAt(end - 1) <= 0x20) end--;
  if (end === from || s.charCodeAt(end - 1) !== 0x3a /* : */) return undefined;
  end--;
  while (end > from && (s.charCodeAt(end - 1) === 0x20 || s.charCodeAt(end - 1) === 0x09)) end--;
  let start = end;
  while (start > from && s.charCodeAt(start - 1) > 0x20) start--;
  if (start === end || end - start > LIMITS.deviceId) return undefined;
  return s.slice(start, end);
}
