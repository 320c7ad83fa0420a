/**
 * Structured logging (pino). Logs go to stderr so `--print-events` can own stdout.
 * Secrets are redacted by path as a second line of defence: the first is never
 * putting them in log objects at all.
 */
import { pino, type Logger, type LevelWithSilent } from 'pino';

export type { Logger };

export const REDACT_PATHS = [
  'password',
  '*.password',
  'passphrase',
  '*.passphrase',
  'community',
  '*.community',
  'authKey',
  '*.authKey',
  'privKey',
  '*.privKey',
  'token',
  '*.token',
  'secret',
  '*.secret',
  'authorization',
  '*.authorization',
  'headers.authorization',
  'req.headers.authorization',
  'cookie',
  '*.cookie',
];

export type LogFormat = 'json' | 'pretty';
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/**
 * pino with level names (`"level":"warn"`), ISO times and redaction. `format`: JSON lines
 * (default when the destination is not a terminal) or one human line per record.
 */
export function createLogger(
  level: LevelWithSilent = 'info',
  destination: NodeJS.WritableStream = process.stderr,
  format: LogFormat = (destination as { isTTY?: boolean }).isTTY ? 'pretty' : 'json',
): Logger {
  const fd = (destination as { fd?: number }).fd ?? 2;
  // pino children copy their level when created: they are remembered (weakly) so setLogLevel reaches them.
  const children = new Set<WeakRef<Logger>>();
  const options = {
    level,
    onChild: (child: Logger) => {
      if (children.size >= 4096) for (const r of children) if (r.deref() === undefined) children.delete(r);
      children.add(new WeakRef(child));
    },
    base: { name: 'acesync' },
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label: string) => ({ level: label }) },
  };
  let root: Logger;
  if (format === 'pretty') {
    const out = pino.destination({ dest: fd, sync: true });
    root = pino(options, { write: (line: string) => out.write(prettyLine(line)) });
  } else root = pino(options, escapingStream(pino.destination({ dest: fd, sync: false })));
  FAMILIES.set(root, children);
  return root;
}

/** The children created from each logger createLogger made. */
const FAMILIES = new WeakMap<Logger, Set<WeakRef<Logger>>>();

/**
 * Change the level of a logger made by createLogger and of every child made from it since (a configuration
 * reload of `log.level`). A logger from elsewhere only changes itself.
 */
export function setLogLevel(root: Logger, level: LevelWithSilent): void {
  root.level = level;
  for (const ref of FAMILIES.get(root) ?? []) {
    const child = ref.deref();
    if (child) child.level = level;
    else FAMILIES.get(root)!.delete(ref);
  }
}

/**
 * Characters JSON.stringify (and pino) leave raw in a string but that a log viewer or a line-splitting shipper
 * would act on: DEL and the C1 controls (0x9b is CSI, 0x85 is NEL, a line end to some) and U+2028/U+2029 (line
 * ends to JavaScript and many viewers). C0 controls are already `\u00XX` in pino's output.
 */
const JSON_UNSAFE = /[\u007f-\u009f\u2028\u2029]/g;
const JSON_UNSAFE_TEST = /[\u007f-\u009f\u2028\u2029]/;

/**
 * One JSON log line with those characters as `\uXXXX` escapes: lossless (JSON.parse gives the same text back),
 * and safe to apply to the whole line because outside strings JSON holds none of them.
 */
export function escapeJsonLine(line: string): string {
  return JSON_UNSAFE_TEST.test(line)
    ? line.replace(JSON_UNSAFE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
    : line;
}

interface Destination {
  write(line: string): boolean;
  flush?(cb?: (err?: Error) => void): void;
  flushSync?(): void;
}

/** `dest` behind escapeJsonLine; flush and flushSync are passed on (logger.flush() before exit). */
export function escapingStream<D extends Destination>(dest: D): Destination {
  return {
    write: (line) => dest.write(escapeJsonLine(line)),
    flush: (cb) => (dest.flush ? dest.flush(cb) : cb?.()),
    flushSync: () => dest.flushSync?.(),
  };
}

// C0/C1 controls and DEL: device-sourced strings must not drive the operator's terminal.
const CONTROLS = /[\u0000-\u001f\u007f-\u009f]/g;
const safe = (s: string): string =>
  s.replace(CONTROLS, (c) => (c === '\n' ? '\\n' : `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`));

function shown(v: unknown): string {
  if (typeof v === 'string') return /^[^\s"=]+$/.test(v) ? safe(v) : JSON.stringify(v).replace(CONTROLS, '?');
  return safe(JSON.stringify(v) ?? String(v));
}

/** One JSON log line as `12:00:01.234 WARN  message  key=value ...` (plus a newline). */
export function prettyLine(json: string): string {
  let rec: Record<string, unknown>;
  try {
    rec = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return safe(json.trimEnd()) + '\n';
  }
  const { time, level, msg, name: _name, pid: _pid, hostname: _host, ...rest } = rec;
  const t = typeof time === 'string' ? time.slice(11, 23) : '';
  const fields = Object.entries(rest).map(([k, v]) => {
    if (k === 'err' && v && typeof v === 'object') {
      const e = v as { message?: string; code?: string };
      return `err=${shown(e.code ? `${e.code}: ${e.message}` : e.message)}`;
    }
    return `${safe(k)}=${shown(v)}`;
  });
  return `${t} ${String(level).toUpperCase().padEnd(5)} ${safe(String(msg ?? ''))}${fields.length ? '  ' + fields.join(' ') : ''}\n`;
}

/** A logger that drops everything (tests, pure commands). */
export const silentLogger: Logger = pino({ level: 'silent' });
