/**
 * Locating the `%ACE-<sev>-<id>` header of an ACE message inside a line, on strings.
 * The byte-level twin used on the receive path lives in fast-path.ts; both accept exactly the
 * same shape: `%ACE-`, one digit 0-7, `-`, six digits not followed by a seventh.
 */

/** Where an ACE header sits in a line and what it says. */
export interface AceHeader {
  /** Index of the `%` of `%ACE-`. */
  start: number;
  severity: number;
  /** The six-digit id as written (`111008`). */
  id: string;
  /** Index where the message text begins (after `:` and spaces, both optional). */
  textStart: number;
}

/** Result of a search: the header, or why there is none. */
export type HeaderSearch = { ok: true; header: AceHeader } | { ok: false; error: string };

const MARK = '%ACE-';
const ZERO = 0x30;
const NINE = 0x39;

function isDigit(c: number): boolean {
  return c >= ZERO && c <= NINE;
}

/** Check for a well-formed header at `i` (where `%ACE-` starts). */
export function headerAt(s: string, i: number): AceHeader | undefined {
  const sevCode = s.charCodeAt(i + 5);
  if (!(sevCode >= ZERO && sevCode <= 0x37) || s.charCodeAt(i + 6) !== 0x2d /* - */) return undefined;
  for (let k = 7; k < 13; k++) if (!isDigit(s.charCodeAt(i + k))) return undefined;
  // A seventh digit means this is not a six-digit id (NaN at end of string is fine).
  if (isDigit(s.charCodeAt(i + 13))) return undefined;
  let t = i + 13;
  // SC4S-observed tolerance: `: text`, `:text`, ` text`, or nothing at all.
  if (s.charCodeAt(t) === 0x3a /* : */) t++;
  while (t < s.length && (s.charCodeAt(t) === 0x20 || s.charCodeAt(t) === 0x09)) t++;
  return { start: i, severity: sevCode - ZERO, id: s.slice(i + 7, i + 13), textStart: t };
}

/**
 * Find the first well-formed ACE header at or after `from`. Linear in the line length even
 * with thousands of `%ACE-` decoys (each candidate is checked in constant time).
 */
export function findAceHeader(s: string, from = 0): HeaderSearch {
  let error = 'no %ACE- message';
  let i = s.indexOf(MARK, from);
  while (i !== -1) {
    const h = headerAt(s, i);
    if (h) return { ok: true, header: h };
    // Shorter than `%ACE-5-111008`: the line was cut inside the header.
    error = s.length - i < 13 ? 'truncated %ACE- header' : 'invalid %ACE- header';
    i = s.indexOf(MARK, i + 1);
  }
  return { ok: false, error };
}
