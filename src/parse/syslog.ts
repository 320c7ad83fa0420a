/**
 * The ACE syslog parser: one raw line (any envelope form of ace-device.md section 1.2) to one
 * event. Pure and total: it never throws, whatever it is given; what it cannot read becomes
 * `{kind: 'malformed', error, raw}`.
 *
 * Order of work: read the envelope from the left (PRI, RFC 5424 or relay header, sequence
 * numbers, the ACE stamp), find the first well-formed `%ACE-<sev>-<id>` after it, take the
 * device-id from the word just before that header, then hand id and text to the catalogue.
 */
import type { AceEvent } from '../core/events.js';
import { findAceHeader, headerAt, type AceHeader } from './ace-header.js';
import { classifyBody } from './ace-catalogue.js';
import { readDeviceId, readEnvelopeHead } from './envelope.js';
import { shapeEvent } from './event-shape.js';

export { parseAceBody } from './ace-catalogue.js';

function malformed(error: string, raw: string): AceEvent {
  return { kind: 'malformed', error, raw };
}

export interface ParseOptions {
  /**
   * Receive time (ms since the epoch). A relay's traditional stamp (`Dec  2 19:07:27`) has no year: with `now`, it is
   * dated in now's UTC year, or the year before when that would put it more than a day ahead of `now` (a December
   * line read in January). Without `now` such a stamp stays undated.
   */
  now?: number;
}

/** rsyslog's RFC 5424 forward puts the tag into APP-NAME: `1 TS host %ACE-5-111008 - - - User ...`. */
function headerFromAppName(appName: string | undefined): AceHeader | undefined {
  if (appName === undefined || appName.length !== 13) return undefined;
  return headerAt(appName, 0);
}

function dateTraditional(stamp: { month: number; day: number; time: string }, now: number): string | undefined {
  const mmdd = `${String(stamp.month).padStart(2, '0')}-${String(stamp.day).padStart(2, '0')}`;
  let year = new Date(now).getUTCFullYear();
  let iso = `${year}-${mmdd}T${stamp.time}`;
  if (Date.parse(iso + 'Z') - now > 86_400_000) iso = `${--year}-${mmdd}T${stamp.time}`;
  return Number.isFinite(Date.parse(iso + 'Z')) ? iso : undefined;
}

function parse(raw: string, opts: ParseOptions): AceEvent {
  if (raw.trim().length === 0) return malformed('empty line', raw);
  const head = readEnvelopeHead(raw);
  let found = findAceHeader(raw, head.end);
  let event: AceEvent;
  const fromAppName = found.ok ? undefined : headerFromAppName(head.appName);
  if (fromAppName) {
    // The id travelled in APP-NAME and the MSG is the bare text: nothing is lost.
    let t = head.end;
    while (raw.charCodeAt(t) === 0x20 || raw.charCodeAt(t) === 0x09) t++;
    event = classifyBody(fromAppName.severity, fromAppName.id, raw.slice(t));
  } else {
    // The envelope reader only consumes what fits its patterns, but if it ever overreached the
    // header would be behind it: look again from the start rather than lose the line.
    if (!found.ok && head.end > 0) found = findAceHeader(raw, 0);
    if (!found.ok) return malformed(found.error, raw);
    const h = found.header;
    event = classifyBody(h.severity, h.id, raw.slice(h.textStart));
    if (h.start >= head.end) event.deviceId = readDeviceId(raw, head.end, h.start);
    // rsyslog's RFC 5424 forward of `VC_WEB: %ACE-...` puts the device-id into APP-NAME, the MSG starting at `%ACE`.
    if (event.deviceId === undefined && head.appName !== undefined && raw.slice(head.end, h.start).trim() === '')
      event.deviceId = head.appName.slice(0, 64);
  }
  event.pri = head.pri;
  event.facility = head.facility;
  // The ACE's own stamp wins; a relay's is a fallback (RFC 5424 with its zone; a traditional one needs `now`).
  event.timestamp =
    head.aceTimestamp ??
    head.relayTimestamp ??
    (head.relayStamp3164 && opts.now !== undefined ? dateTraditional(head.relayStamp3164, opts.now) : undefined);
  if (head.hostname !== undefined) event.relayHostname = head.hostname.slice(0, 255);
  if (head.sdOriginIp !== undefined) event.relayOriginIp = head.sdOriginIp;
  event.raw = raw;
  return shapeEvent(event);
}

/**
 * Parse one raw syslog message (any envelope form the reference lists) into an event.
 * Never throws: unparsable input is `{kind: 'malformed', error, raw}`.
 */
export function parseSyslog(raw: string, opts: ParseOptions = {}): AceEvent {
  if (typeof raw !== 'string') return { kind: 'malformed', error: 'not a string' };
  try {
    return parse(raw, opts);
  } catch {
    // Defensive: a bug in a pattern must cost one line, not the receive loop.
    return malformed('parser error', raw);
  }
}
