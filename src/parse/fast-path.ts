/**
 * The receive-path fast path: decide from the raw bytes, without decoding or parsing, whether a
 * datagram is certainly noise. On a busy load balancer nearly every line is a per-connection
 * 302xxx/106xxx message; dropping those here keeps the event loop free for the lines that matter.
 *
 * Safety argument (the full parser and this function must never disagree on a relevant line):
 * - It answers true only when the buffer holds exactly ONE `%ACE-` and that one is a well-formed
 *   header (`%ACE-`, digit 0-7, `-`, six digits, no seventh) whose id is not relevant.
 * - The parser can only ever pick its body from a `%ACE-` occurrence; with a single occurrence it
 *   picks that one or none, and the catalogue makes every id outside relevant-ids.ts noise.
 * - A second `%ACE-` anywhere (an RFC 5424 SD value, a relayed line quoting another) answers
 *   false, so the parser decides. So does anything unexpected: false is always safe.
 * - Only ASCII bytes are inspected, and UTF-8 decoding never alters ASCII bytes, so invalid
 *   UTF-8 around the header cannot make the two readings differ.
 */
import { isRelevantId } from './relevant-ids.js';

const MARK = Buffer.from('%ACE-', 'latin1');
const ZERO = 0x30;

/**
 * Decide on the receive path, without the full parser, whether a datagram is certainly
 * noise (an ACE message whose id can never be relevant, e.g. 302022) or must be parsed.
 * Works on the raw bytes; must run at well over 1M lines/s.
 */
export function isCertainNoise(data: Buffer): boolean {
  const i = data.indexOf(MARK);
  if (i === -1 || i + 13 > data.length) return false;
  const sev = data[i + 5]! - ZERO;
  if (sev < 0 || sev > 7 || data[i + 6] !== 0x2d /* - */) return false;
  let id = 0;
  for (let k = i + 7; k < i + 13; k++) {
    const d = data[k]! - ZERO;
    if (d < 0 || d > 9) return false;
    id = id * 10 + d;
  }
  if (i + 13 < data.length) {
    const next = data[i + 13]! - ZERO;
    if (next >= 0 && next <= 9) return false; // seven digits: not an ACE id
  }
  if (isRelevantId(id)) return false;
  // A second header candidate means the parser might choose differently: let it decide.
  return data.indexOf(MARK, i + 5) === -1;
}
