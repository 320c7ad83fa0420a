/**
 * `acesync start`: run the service until SIGINT/SIGTERM, on `--config FILE`, else
 * ./acesync.yaml, else /etc/acesync/acesync.yaml; with none of them it exits 2 saying how
 * to get one (it never fakes health on simulators). SIGHUP reloads (a bad file is refused
 * and the old configuration keeps running). A state database that cannot be opened or
 * written stops the service with exit code 1 and a message that says why; an existing file that is
 * empty or not SQLite is refused (exit 2) unless `--init` is given.
 *
 * `acesync demo` (what `npm start` runs): the built-in demo (src/demo), simulated ACE and
 * ANM in this process on loopback, the demo's embedded configuration, and a message
 * saying where to look and what to try.
 */
import { buildApp, type App } from '../app/app.js';
import { configReloader } from '../app/reload.js';
import { sourceRoutes } from '../app/sources.js';
import type { LoadedConfig } from '../config/load.js';
import { loadConfigFile } from '../config/load.js';
import { fillSecretsFromFiles } from '../config/secret-files.js';
import { AcesyncError, FileProblemsError, EXIT, formatProblem } from '../core/errors.js';
import { configWarnings } from '../config/warnings.js';
import { createLogger, LOG_LEVELS, type Logger } from '../core/log.js';
import type { LevelWithSilent } from 'pino';
import type { RunningDemo } from '../demo/demo.js';
import type { Parsed } from './args.js';
import { serviceConfigFile } from './config-arg.js';

export async function main(args: Parsed): Promise<number> {
  const file = serviceConfigFile(args.string('config'));
  // Secrets may come from files ($CREDENTIALS_DIRECTORY, NAME_FILE): fill them in before the full check.
  const fromFiles = fillSecretsFromFiles(loadConfigFile(file, process.env, { skipSecrets: true }).config, process.env);
  const loaded = loadConfigFile(file);
  const logger = loggerFor(args, loaded.config.log.level);
  if (fromFiles.length > 0) logger.info({ secrets: fromFiles }, 'secrets read from credential files');
  for (const w of configWarnings(loaded.config, loaded.src))
    logger.warn({ at: formatProblem(w).replace(/: .*$/, '') }, `configuration: ${w.path}: ${w.message}`);
  const logLevel = args.string('log-level') as LevelWithSilent | undefined;
  if (logLevel !== undefined) loaded.config.log.level = logLevel;
  return runService({ loaded, logger, printEvents: args.bool('print-events'), init: args.bool('init'), logLevel });
}

export async function demo(args: Parsed): Promise<number> {
  const logger = loggerFor(args, 'info');
  const { startDemo } = await import('../demo/demo.js');
  let running: RunningDemo;
  try {
    running = await startDemo({ cwd: process.cwd(), logger });
  } catch (err) {
    if (err instanceof AcesyncError) {
      logger.flush();
      process.stderr.write(`acesync demo: ${err.code}: ${err.message}\n`);
      return EXIT.FAILURE;
    }
    throw err;
  }
  return runService({ loaded: running.loaded, logger, printEvents: args.bool('print-events'), demo: running });
}

/** The logger of --log-level / --log-format (usage errors for anything else). */
function loggerFor(args: Parsed, configured: LevelWithSilent): Logger {
  const level = args.string('log-level') ?? configured;
  if (!(LOG_LEVELS as readonly string[]).includes(level))
    throw args.usageError(`--log-level must be one of ${LOG_LEVELS.join(', ')}`);
  const format = args.string('log-format');
  if (format !== undefined && format !== 'json' && format !== 'pretty')
    throw args.usageError('--log-format must be json or pretty');
  return createLogger(level as LevelWithSilent, process.stderr, format);
}

interface ServiceOptions {
  loaded: LoadedConfig;
  logger: Logger;
  printEvents: boolean;
  /** Create a new state database where the file is empty or not SQLite (else exit 2). */
  init?: boolean;
  demo?: RunningDemo;
  /** --log-level: it wins over `log.level` in the file, at start and at every reload. */
  logLevel?: LevelWithSilent;
}

/**
 * A promise nobody awaited failed: a bug whose state is unknown. Log it and stop at once (non-zero), never run on
 * half-done; the last-resort timer ends a stop that hangs. Returns the function that removes the guard.
 */
function guardRejections(logger: Logger, label: string, stopNow: () => ((code: number) => void) | undefined) {
  const onRejection = (reason: unknown): void => {
    logger.fatal({ err: reason }, 'unhandled promise rejection: stopping');
    logger.flush();
    process.stderr.write(
      `${label}: unhandled promise rejection: ${reason instanceof Error ? reason.message : String(reason)}\n`,
    );
    process.exitCode = EXIT.FAILURE;
    setTimeout(() => process.exit(EXIT.FAILURE), 2000).unref();
    const stop = stopNow();
    if (stop) stop(EXIT.FAILURE);
    else process.exit(EXIT.FAILURE);
  };
  process.on('unhandledRejection', onRejection);
  return () => process.off('unhandledRejection', onRejection);
}

async function runService(o: ServiceOptions): Promise<number> {
  const { logger, demo } = o;
  const label = demo ? 'acesync demo' : 'acesync start';
  let stopNow: ((code: number) => void) | undefined;
  const unguard = guardRejections(logger, label, () => stopNow);
  let app: App;
  try {
    app = buildApp({
      loaded: o.loaded,
      printEvents: o.printEvents,
      logger,
      initStore: o.init,
      ...(demo ? { env: demo.env } : {}),
    });
  } catch (err) {
    await demo?.stop();
    if (err instanceof AcesyncError && !(err instanceof FileProblemsError)) {
      logger.fatal({ code: err.code }, err.message);
      logger.flush();
      process.stderr.write(`${label}: ${err.code}: ${err.message}\n`);
      unguard();
      // An empty or foreign database file is an operator's decision (restore or --init), not a crash.
      return err.code === 'ACESYNC_STORE_UNSAFE' ? EXIT.BAD_INPUT : EXIT.FAILURE;
    }
    throw err;
  }
  // The demo runs on its embedded configuration: SIGHUP reloads its rules only.
  const reloader = demo ? undefined : configReloader(app, o.loaded, process.env, { logLevel: o.logLevel });
  sourceRoutes(app, { reloader, tokenEnv: o.loaded.config.http.token_env, ...(demo ? { env: demo.env } : {}) });
  try {
    await app.start();
  } catch (err) {
    await app.stop().catch(() => undefined);
    await demo?.stop();
    if (err instanceof AcesyncError) {
      process.stderr.write(`${label}: ${err.code}: ${locatedAtKey(err, o.loaded)}\n`);
      return EXIT.FAILURE;
    }
    throw err;
  }
  if (demo) {
    const { auditEverythingNow } = await import('../demo/demo.js');
    auditEverythingNow(app);
    // For the person at the terminal (stderr carries the logs).
    process.stdout.write(demo.message() + '\n');
  }
  const onHup = (): void => {
    if (reloader) void reloader.reload('SIGHUP');
    else app.reloadRules('SIGHUP');
  };
  process.on('SIGHUP', onHup);
  const code = await new Promise<number>((resolveStop) => {
    stopNow = resolveStop;
    const stop = (signal: string): void => {
      logger.info({ signal }, 'stopping');
      resolveStop(EXIT.OK);
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
    app.onFatal((err) => {
      process.stderr.write(`${label}: ${err.code}: ${err.message}\n`);
      resolveStop(EXIT.FAILURE);
    });
  });
  process.off('SIGHUP', onHup);
  await app.stop().catch((err) => logger.error({ err }, 'stop failed'));
  await demo?.stop().catch((err) => logger.error({ err }, 'stopping the demo simulators failed'));
  logger.flush();
  unguard();
  return code;
}

/** `file:line:col key: reason` when the error names the configuration key it is about. */
function locatedAtKey(err: AcesyncError, loaded: LoadedConfig): string {
  const key = (err.details as { key?: string[] } | undefined)?.key;
  if (!key || !loaded.src || !loaded.file) return err.message;
  const at = loaded.src.locate(key);
  return `${[loaded.file, at.line, at.column].filter((x) => x !== undefined).join(':')} ${err.message}`;
}
