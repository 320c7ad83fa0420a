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

export function createLogger(
  level: LevelWithSilent = 'info',
  destination: NodeJS.WritableStream = process.stderr,
): Logger {
  return pino(
    {
      level,
      base: { name: 'acesync' },
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    pino.destination({ dest: (destination as { fd?: number }).fd ?? 2, sync: false }),
  );
}

/** A logger that drops everything (tests, pure commands). */
export const silentLogger: Logger = pino({ level: 'silent' });
