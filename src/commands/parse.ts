/**
 * `acesync parse [FILE...] [--stats]`: raw syslog lines in, one JSON event per line out.
 * An offline window onto the parser: what would acesync make of this capture?
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { once } from 'node:events';
import { WIRE_KINDS, type AceEvent } from '../core/events.js';
import { EXIT } from '../core/errors.js';
import type { Parsed } from './args.js';
import { parseSyslog } from '../parse/syslog.js';
import { readLines, MAX_LINE_BYTES } from '../parse/line-reader.js';
import { clip } from '../parse/limits.js';
import { inert, inertJson } from '../core/inert.js';

const FLUSH_AT = 64 * 1024;

/** Writes to stdout in batches, honouring back-pressure; stops quietly if the reader goes away. */
class Output {
  #buf = '';
  closed = false;
  constructor(private readonly stream: NodeJS.WriteStream) {
    stream.on('error', () => {
      // EPIPE (`acesync parse big.log | head`): nobody is reading; stop without a stack trace.
      this.closed = true;
    });
  }
  async line(s: string): Promise<void> {
    this.#buf += s + '\n';
    if (this.#buf.length >= FLUSH_AT) await this.flush();
  }
  async flush(): Promise<void> {
    if (this.#buf.length === 0 || this.closed) return;
    const chunk = this.#buf;
    this.#buf = '';
    if (!this.stream.write(chunk) && !this.closed) {
      try {
        // `once` rejects when 'error' fires first: that is the EPIPE case, handled above.
        await once(this.stream, 'drain');
      } catch {
        this.closed = true;
      }
    }
  }
}

/** Fail before printing anything if a named file cannot be read (exit 2 names the file). */
async function checkFiles(files: string[]): Promise<string | undefined> {
  for (const f of files) {
    if (f === '-') continue;
    try {
      const st = await stat(f);
      if (st.isDirectory()) return `${f}: is a directory`;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      return code === 'ENOENT' ? `${f}: no such file` : `${f}: cannot read (${code ?? String(err)})`;
    }
  }
  return undefined;
}

function eventFor(text: string, truncated: boolean): AceEvent {
  if (truncated)
    return { kind: 'malformed', error: `line longer than ${MAX_LINE_BYTES} bytes`, raw: clip(text, 65536) };
  return parseSyslog(text);
}

export async function main(args: Parsed): Promise<number> {
  const files = args.positionals.length > 0 ? args.positionals : ['-'];
  const problem = await checkFiles(files);
  if (problem) {
    process.stderr.write(`acesync parse: ${problem}\n`);
    return EXIT.BAD_INPUT;
  }

  const out = new Output(process.stdout);
  const kinds = new Map<string, number>();
  let lines = 0;
  let skipped = 0;
  for (const file of files) {
    const stream = file === '-' ? process.stdin : createReadStream(file, { highWaterMark: 256 * 1024 });
    try {
      for await (const { text, truncated } of readLines(stream)) {
        if (out.closed) break;
        if (!truncated && text.trim().length === 0) {
          skipped++;
          continue;
        }
        const event = eventFor(text, truncated);
        lines++;
        kinds.set(event.kind, (kinds.get(event.kind) ?? 0) + 1);
        await out.line(inertJson(event));
      }
    } catch (err) {
      await out.flush();
      process.stderr.write(inert(`acesync parse: ${file === '-' ? 'stdin' : file}: ${(err as Error).message}`) + '\n');
      return EXIT.BAD_INPUT;
    } finally {
      if (file !== '-') (stream as ReturnType<typeof createReadStream>).destroy();
    }
    if (out.closed) break;
  }
  await out.flush();

  if (args.bool('stats')) {
    // Known kinds first, in the event model's order, then anything else.
    const ordered: Record<string, number> = {};
    for (const k of WIRE_KINDS) if (kinds.has(k)) ordered[k] = kinds.get(k)!;
    for (const [k, n] of kinds) if (!(k in ordered)) ordered[k] = n;
    process.stderr.write(inertJson({ lines, skipped, kinds: ordered }) + '\n');
  }
  return EXIT.OK;
}
