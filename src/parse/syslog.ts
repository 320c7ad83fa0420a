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
import { findAceHeader } from './ace-header.js';
import { classifyBody } from './ace-catalogue.js';
import { readDeviceId, readEnvelopeHead } from './envelope.js';
import { shapeEvent } from './event-shape.js';

export { parseAceBody } from './ace-catalogue.js';

function malformed(error: string, raw: string): AceEvent {
  return { kind: 'malformed', error, raw };
}

function parse(raw: string): AceEvent {
  if (raw.trim().length === 0) return malformed('empty line', raw);
  const head = readEnvelopeHead(raw);
  let found = findAceHeader(raw, head.end);
  // The envelope reader only consumes what fits its patterns, but if it ever overreached the
  // header would be behind it: look again from the start rather than lose the line.
  if (!found.ok && head.end > 0) found = findAceHeader(raw, 0);
  if (!found.ok) return malformed(found.error, raw);
  const h = found.header;
  const event = classifyBody(h.severity, h.id, raw.slice(h.textStart));
  event.pri = head.pri;
  event.facility = head.facility;
  // The ACE's own stamp wins; a relay's (RFC 5424 only: 3164 stamps carry no year) is a fallback.
  event.timestamp = head.aceTimestamp ?? head.relayTimestamp;
  if (h.start >= head.end) event.deviceId = readDeviceId(raw, head.end, h.start);
  event.raw = raw;
  return shapeEvent(event);
}

/**
 * Parse one raw syslog message (any envelope form the reference lists) into an event.
 * Never throws: unparsable input is `{kind: 'malformed', error, raw}`.
 */
export function parseSyslog(raw: string): AceEvent {
  if (typeof raw !== 'string') return { kind: 'malformed', error: 'not a string' };
  try {
    return parse(raw);
  } catch {
    // Defensive: a bug in a pattern must cost one line, not the receive loop.
    return malformed('parser error', raw);
  }
}
