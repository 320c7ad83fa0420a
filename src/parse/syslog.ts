// CONTRACT STUB — implemented by the parser work (issue "Foundation"). Signatures are fixed.
import type { AceEvent } from '../events.js';

/**
 * Parse one raw syslog message (any envelope form the reference lists) into an event.
 * Never throws: unparsable input is `{kind: 'malformed', error, raw}`.
 */
export function parseSyslog(raw: string): AceEvent {
  return { kind: 'malformed', error: 'parser not implemented', raw };
}

/**
 * Classify the body of an ACE message given its id and text (the part after `%ACE-<sev>-<id>: `).
 * Used by the syslog parser and by the trap decoder for clogMessageGenerated, so a line inside
 * a trap becomes exactly the event the syslog line would.
 */
export function parseAceBody(severity: number | undefined, id: string, text: string): AceEvent {
  return { kind: 'noise', id, severity, text };
}
