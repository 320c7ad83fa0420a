/**
 * clogMessageGenerated (CISCO-SYSLOG-MIB): a syslog message carried in a trap. Its body
 * goes through the syslog body parser so a 727012 or a 111008 inside a trap becomes
 * exactly the event the syslog line would; the trap decoder then adds the trap fields.
 */
import type { AceEvent } from '../core/events.js';
import { parseAceBody } from './syslog.js';
import { CLOG } from './trap-oids.js';
import { field, type TrapView } from './trap-view.js';

/** A whole `%ACE-<sev>-<id>: body` inside the text (some agents put the full line there). */
const FULL_BODY = /%ACE-([0-7])-(\d{6}):[ ]?([\s\S]*)$/;
/** clogHistMsgName forms: `111008`, `ACE-5-111008`, `%ACE-5-111008`. */
const NAME_ID = /^%?(?:ACE-([0-7])-)?(\d{6})$/;

/** clogHistMsgText is at most 255 bytes: longer text is cut to 254 bytes plus `*`. */
const MAX_TEXT_BYTES = 255;

export function decodeClog(v: TrapView): AceEvent {
  const histSeverity = v.int(CLOG.clogHistSeverity);
  // SyslogSeverity is the syslog level plus one: emergency(1) .. debug(8).
  let severity = histSeverity !== undefined && histSeverity >= 1 && histSeverity <= 8 ? histSeverity - 1 : undefined;
  const name = field(v.text(CLOG.clogHistMsgName), 64);
  let text = v.text(CLOG.clogHistMsgText) ?? '';
  const facility = field(v.text(CLOG.clogHistFacility), 32);

  let truncated = false;
  if (Buffer.byteLength(text, 'utf8') >= MAX_TEXT_BYTES && text.endsWith('*')) {
    truncated = true;
    text = text.slice(0, -1);
  }

  let id: string;
  let body: string;
  const full = FULL_BODY.exec(text);
  if (full) {
    severity = Number(full[1]);
    id = full[2]!;
    body = full[3]!;
  } else {
    const m = name !== undefined ? NAME_ID.exec(name) : null;
    if (m?.[1] !== undefined && severity === undefined) severity = Number(m[1]);
    id = m?.[2] ?? name ?? '';
    body = text;
  }

  const event = parseAceBody(severity, id, body);
  if (event.severity === undefined && severity !== undefined) event.severity = severity;
  if (event.id === undefined && id !== '') event.id = id;
  event.raw ??= `%ACE-${severity ?? '?'}-${id}: ${body}`;
  const extra: Record<string, unknown> = {};
  if (facility !== undefined) extra.clogFacility = facility;
  if (truncated) extra.textTruncated = true;
  if (Object.keys(extra).length > 0) event.data = { ...event.data, ...extra };
  return event;
}
