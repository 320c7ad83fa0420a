/**
 * RFC 6587 syslog-over-TCP framing, as a pure byte-stream state machine.
 *
 * Both framings are accepted on the same connection and detected per frame:
 * - octet counting, `LEN SP MSG` (RFC 6587 3.4.1; `LEN` starts with a non-zero digit);
 * - non-transparent framing, a message ended by LF, NUL or CRLF (3.4.2; what
 *   `logger --tcp` and most relays send). A frame that starts with digits not followed
 *   by a space (a relay's `2026-11-25T...` timestamp) is read as non-transparent.
 *
 * Memory is bounded by `maxMessageBytes`: a frame longer than that is skipped without
 * being buffered (the declared length is counted down, or bytes are discarded up to the
 * next terminator) and reported once as oversize. A declared length beyond
 * `maxDeclaredBytes` cannot be a syslog message: the stream has lost sync, and the caller
 * should close the connection (skipping that many bytes would let one bad frame eat
 * everything the sender says afterwards).
 */

/** What the framer reports. Callbacks run synchronously inside `push`/`end`. */
export interface FrameSink {
  /** One complete message, terminator and trailing CR removed. */
  message(data: Buffer): void;
  /** A frame longer than the maximum was skipped (reported once per frame). */
  oversize(bytes: number): void;
  /**
   * The stream cannot be framed any more (absurd declared length, truncated frame at the
   * end of the stream). After a fatal error the framer ignores further input.
   */
  error(reason: string, fatal: boolean): void;
}

export interface FramerOptions {
  /** Largest message kept; longer frames are skipped and reported as oversize. */
  maxMessageBytes: number;
  /** Largest declared octet count skipped as oversize; beyond it the stream is garbage. Default 1 MiB. */
  maxDeclaredBytes?: number;
}

const LF = 0x0a;
const CR = 0x0d;
const NUL = 0x00;
const SP = 0x20;
const ZERO = 0x30;
const NINE = 0x39;
/** Ten digits already exceed any plausible length; stop reading it as a number. */
const MAX_LEN_DIGITS = 10;

type State =
  | 'start' // between frames
  | 'len' // reading the digits of an octet count
  | 'octet' // reading a counted message body
  | 'octet-skip' // discarding an oversize counted body
  | 'line' // reading a terminated message
  | 'line-skip' // discarding an oversize terminated message up to its terminator
  | 'dead'; // fatal error seen: ignore everything

export class SyslogFramer {
  readonly #max: number;
  readonly #maxDeclared: number;
  readonly #sink: FrameSink;
  #state: State = 'start';
  /** Pieces of the frame being assembled (never more than #max bytes in total). */
  #parts: Buffer[] = [];
  #size = 0;
  /** Octet counting: declared length / bytes of it still expected. */
  #len = 0;
  #lenDigits = 0;
  #remaining = 0;
  /** Bytes discarded so far in a skipped terminated frame. */
  #skipped = 0;

  constructor(opts: FramerOptions, sink: FrameSink) {
    this.#max = opts.maxMessageBytes;
    this.#maxDeclared = Math.max(opts.maxDeclaredBytes ?? 1024 * 1024, opts.maxMessageBytes);
    this.#sink = sink;
  }

  /** True after a fatal framing error: the caller should close the connection. */
  get dead(): boolean {
    return this.#state === 'dead';
  }

  /** Bytes currently held for an incomplete frame (bounded by maxMessageBytes). */
  get buffered(): number {
    return this.#size;
  }

  /** Feed bytes as they arrive; chunk boundaries may fall anywhere. */
  push(chunk: Buffer): void {
    let i = 0;
    const n = chunk.length;
    while (i < n) {
      switch (this.#state) {
        case 'dead':
          return;
        case 'start': {
          const b = chunk[i]!;
          // Stray terminators between frames (an octet-counted sender adding LF, CRLF pairs).
          if (b === LF || b === CR || b === NUL) {
            i++;
          } else if (b > ZERO && b <= NINE) {
            this.#state = 'len';
            this.#len = 0;
            this.#lenDigits = 0;
          } else {
            this.#state = 'line';
          }
          break;
        }
        case 'len': {
          const b = chunk[i]!;
          if (b >= ZERO && b <= NINE && this.#lenDigits < MAX_LEN_DIGITS) {
            this.#len = this.#len * 10 + (b - ZERO);
            this.#lenDigits++;
            i++;
          } else if (b === SP) {
            i++;
            this.#beginCounted();
          } else {
            // Digits not followed by a space: this frame is a terminated line that starts
            // with digits. Keep the digits as the beginning of its text.
            this.#state = 'line';
            this.#append(Buffer.from(String(this.#len), 'latin1'));
          }
          break;
        }
        case 'octet': {
          const take = Math.min(this.#remaining, n - i);
          this.#append(chunk.subarray(i, i + take));
          i += take;
          this.#remaining -= take;
          if (this.#remaining === 0) this.#emit();
          break;
        }
        case 'octet-skip': {
          const take = Math.min(this.#remaining, n - i);
          i += take;
          this.#remaining -= take;
          if (this.#remaining === 0) this.#state = 'start';
          break;
        }
        case 'line': {
          const end = findTerminator(chunk, i);
          const stop = end === -1 ? n : end;
          if (this.#size + (stop - i) > this.#max) {
            // Too long: drop what we hold and discard up to the terminator.
            this.#skipped = this.#size + (stop - i);
            this.#reset();
            this.#state = 'line-skip';
            i = stop;
            if (end !== -1) this.#endSkip();
            break;
          }
          this.#append(chunk.subarray(i, stop));
          i = stop;
          if (end !== -1) {
            i++; // consume the terminator
            this.#emit();
          }
          break;
        }
        case 'line-skip': {
          const end = findTerminator(chunk, i);
          if (end === -1) {
            this.#skipped += n - i;
            i = n;
          } else {
            this.#skipped += end - i;
            i = end;
            this.#endSkip();
          }
          break;
        }
      }
    }
  }

  /** The peer closed the stream: deliver an unterminated last line, report a cut-off counted frame. */
  end(): void {
    switch (this.#state) {
      case 'line':
        if (this.#size > 0) this.#emit();
        break;
      case 'len':
        // A bare number at the end of the stream is a (short) terminated line.
        this.#append(Buffer.from(String(this.#len), 'latin1'));
        this.#emit();
        break;
      case 'octet':
        this.#reset();
        this.#sink.error(`stream ended ${this.#remaining} bytes into a ${this.#len}-byte frame`, false);
        break;
      case 'line-skip':
        this.#sink.oversize(this.#skipped);
        break;
      default:
        break;
    }
    this.#state = 'start';
  }

  #beginCounted(): void {
    const len = this.#len;
    if (len > this.#maxDeclared) {
      this.#state = 'dead';
      this.#sink.error(`declared frame length ${len} exceeds ${this.#maxDeclared}: stream out of sync`, true);
      return;
    }
    this.#remaining = len;
    if (len > this.#max) {
      this.#state = 'octet-skip';
      this.#sink.oversize(len);
    } else {
      this.#state = 'octet';
    }
  }

  /** The terminator of a skipped line is at `i`: report and continue with the next frame. */
  #endSkip(): void {
    this.#sink.oversize(this.#skipped);
    this.#skipped = 0;
    this.#state = 'start';
    // The caller's index sits on the terminator; 'start' skips it.
  }

  #append(b: Buffer): void {
    if (b.length === 0) return;
    this.#parts.push(b);
    this.#size += b.length;
  }

  #emit(): void {
    let msg = this.#parts.length === 1 ? this.#parts[0]! : Buffer.concat(this.#parts, this.#size);
    this.#reset();
    this.#state = 'start';
    // CRLF framing: the CR belongs to the terminator. Octet-counted senders sometimes count
    // a trailing LF into the frame; it is not part of the message either.
    let end = msg.length;
    while (end > 0 && (msg[end - 1] === CR || msg[end - 1] === LF || msg[end - 1] === NUL)) end--;
    if (end < msg.length) msg = msg.subarray(0, end);
    if (msg.length > 0) this.#sink.message(msg);
  }

  #reset(): void {
    this.#parts = [];
    this.#size = 0;
  }
}

/** Index of the first LF or NUL at or after `from`, or -1. */
function findTerminator(buf: Buffer, from: number): number {
  const lf = buf.indexOf(LF, from);
  // NUL framing is rare; only pay for the second scan over the part before the LF.
  const nul = buf.subarray(from, lf === -1 ? buf.length : lf).indexOf(NUL);
  return nul === -1 ? lf : from + nul;
}
