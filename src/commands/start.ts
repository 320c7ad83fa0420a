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
import type { Parsed } from './args.js';
import { resolveConfig } from './config-arg.js';

export async function main(args: Parsed): Promise<number> {
  const resolved = resolveConfig(args.string('config'));
  const logger = createLogger(resolved.config.log.level);
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
    app = buildApp({ loaded, printEvents: args.bool('print-events'), logger, ...(demo ? { env: demo.env } : {}) });
  } catch (err) {
    await demo?.stop();
    if (err instanceof AcesyncError && !(err instanceof FileProblemsError)) {
      logger.fatal({ code: err.code }, err.message);
      logger.flush();
      process.stderr.write(`acesync start: ${err.code}: ${err.message}\n`);
      return EXIT.FAILURE;
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
  return code;
}
