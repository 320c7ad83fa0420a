/**
 * Split a byte stream into lines for offline tools (`acesync parse`): LF or CRLF endings, one
 * string per line, with a bound on line length so a file without newlines cannot exhaust
 * memory. Splitting on bytes before decoding is safe because 0x0A never occurs inside a UTF-8
 * multi-byte sequence; invalid UTF-8 decodes to U+FFFD as everywhere else.
 */

/** One line of input. */
export interface Line {
  text: string;
  /** The line was longer than the bound; `text` holds its first `maxBytes` bytes. */
  truncated: boolean;
}

const LF = 0x0a;
const CR = 0x0d;

/** Default bound: far above any syslog datagram (64 KiB), far below trouble. */
export const MAX_LINE_BYTES = 1024 * 1024;

/** Yield the lines of `stream`. The last line needs no trailing newline. */
export async function* readLines(
  stream: AsyncIterable<Buffer | string>,
  maxBytes = MAX_LINE_BYTES,
): AsyncGenerator<Line> {
  let pending: Buffer[] = [];
  let pendingLen = 0;
  let truncated = false;

  const take = (part: Buffer): void => {
    const room = maxBytes - pendingLen;
    if (part.length > room) {
      truncated = true;
      if (room > 0) {
        pending.push(part.subarray(0, room));
        pendingLen += room;
      }
      return;
    }
    pending.push(part);
    pendingLen += part.length;
  };
  const finish = (): Line => {
    let buf = pending.length === 1 ? pending[0]! : Buffer.concat(pending, pendingLen);
    if (buf.length > 0 && buf[buf.length - 1] === CR) buf = buf.subarray(0, buf.length - 1);
    const line = { text: buf.toString('utf8'), truncated };
    pending = [];
    pendingLen = 0;
    truncated = false;
    return line;
  };

  for await (const chunk of stream) {
    const data = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    let pos = 0;
    for (let nl = data.indexOf(LF, pos); nl !== -1; nl = data.indexOf(LF, pos)) {
      take(data.subarray(pos, nl));
      yield finish();
      pos = nl + 1;
    }
    // Copy the tail: the stream may reuse or retain its chunk, and a tail kept by reference
    // would pin a whole chunk per pending line.
    if (pos < data.length) take(Buffer.from(data.subarray(pos)));
  }
  if (pendingLen > 0 || truncated) yield finish();
}
