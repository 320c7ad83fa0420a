/**
 * `acesync start`: run the service until SIGINT/SIGTERM. SIGHUP reloads the rules (a bad
 * set is refused and the old one keeps running). A state database that cannot be opened
 * or written stops the service with exit code 1 and a message that says why.
 *
 * With no acesync.yaml and no --config, it runs the built-in demo (src/demo): simulated
 * ACE and ANM in this process on loopback, the demo's embedded configuration, and a
 * message saying where to look and what to try.
 */
import { buildApp, type App } from '../app/app.js';
import { AcesyncError, FileProblemsError, EXIT } from '../core/errors.js';
import { createLogger } from '../core/log.js';
import type { RunningDemo } from '../demo/demo.js';
import { parseCommandArgs } from './args.js';
import { resolveConfig } from './config-arg.js';

export async function main(args: string[]): Promise<number> {
  const { values } = parseCommandArgs(
    args,
    {
      config: { type: 'string', short: 'c' },
      'print-events': { type: 'boolean', default: false },
      // Create a new state database where the file is empty or not SQLite (else exit 2).
      init: { type: 'boolean', default: false },
    },
    false,
  );
  const resolved = resolveConfig(values.config);
  const logger = createLogger(resolved.config.log.level);
  // A promise nobody awaited failed: a bug whose state is unknown. Log it and stop at once
  // (non-zero), never run on half-done; the last-resort timer ends a stop that hangs.
  let stopNow: ((code: number) => void) | undefined;
  const onRejection = (reason: unknown): void => {
    logger.fatal({ err: reason }, 'unhandled promise rejection: stopping');
    logger.flush();
    process.stderr.write(
      `acesync start: unhandled promise rejection: ${reason instanceof Error ? reason.message : String(reason)}\n`,
    );
    process.exitCode = EXIT.FAILURE;
    setTimeout(() => process.exit(EXIT.FAILURE), 2000).unref();
    stopNow?.(EXIT.FAILURE);
    if (!stopNow) process.exit(EXIT.FAILURE);
  };
  process.on('unhandledRejection', onRejection);
  let demo: RunningDemo | undefined;
  if (resolved.embedded) {
    logger.info('no acesync.yaml and no --config: starting the built-in demo');
    const { startDemo } = await import('../demo/demo.js');
    try {
      demo = await startDemo({ cwd: process.cwd(), logger });
    } catch (err) {
      if (err instanceof AcesyncError) {
        logger.flush();
        process.stderr.write(`acesync start: ${err.code}: ${err.message}\n`);
        return EXIT.FAILURE;
      }
      throw err;
    }
  }
  const loaded = demo?.loaded ?? resolved;
  let app: App;
  try {
    app = buildApp({
      loaded,
      printEvents: values['print-events'],
      logger,
      initStore: values.init,
      ...(demo ? { env: demo.env } : {}),
    });
  } catch (err) {
    await demo?.stop();
    if (err instanceof AcesyncError && !(err instanceof FileProblemsError)) {
      logger.fatal({ code: err.code }, err.message);
      logger.flush();
      process.stderr.write(`acesync start: ${err.code}: ${err.message}\n`);
      // An empty or foreign database file is an operator's decision (restore or --init), not a crash.
      return err.code === 'ACESYNC_STORE_UNSAFE' ? EXIT.BAD_INPUT : EXIT.FAILURE;
    }
    throw err;
  }
  try {
    await app.start();
  } catch (err) {
    await app.stop().catch(() => undefined);
    await demo?.stop();
    if (err instanceof AcesyncError) {
      process.stderr.write(`acesync start: ${err.code}: ${err.message}\n`);
      return EXIT.FAILURE;
    }
    throw err;
  }
  if (demo) {
    const { auditEverythingNow } = await import('../demo/demo.js');
    auditEverythingNow(app);
    // For the person at the terminal (stderr carries the JSON logs).
    process.stdout.write(demo.message() + '\n');
  }
  const onHup = (): void => {
    app.reloadRules('SIGHUP');
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
      process.stderr.write(`acesync start: ${err.code}: ${err.message}\n`);
      resolveStop(EXIT.FAILURE);
    });
  });
  process.off('SIGHUP', onHup);
  await app.stop().catch((err) => logger.error({ err }, 'stop failed'));
  await demo?.stop().catch((err) => logger.error({ err }, 'stopping the demo simulators failed'));
  logger.flush();
  process.off('unhandledRejection', onRejection);
  return code;
}
