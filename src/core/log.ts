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
  } else root = pino(options, pino.destination({ dest: fd, sync: false }));
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
