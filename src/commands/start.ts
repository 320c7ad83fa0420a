/**
 * `acesync start`: run the service until SIGINT/SIGTERM. SIGHUP reloads the rules (a bad
 * set is refused and the old one keeps running). A state database that cannot be opened
 * or written stops the service with exit code 1 and a message that says why.
 */
import { buildApp, type App } from '../app.js';
import { AcesyncError, FileProblemsError, EXIT } from '../errors.js';
import { createLogger } from '../log.js';
import { parseCommandArgs } from './args.js';
import { resolveConfig } from './config-arg.js';

export async function main(args: string[]): Promise<number> {
  const { values } = parseCommandArgs(args, {
    config: { type: 'string', short: 'c' },
    'print-events': { type: 'boolean', default: false },
  }, false);
  const loaded = resolveConfig(values.config);
  const logger = createLogger(loaded.config.log.level);
  if (loaded.embedded) logger.info('no acesync.yaml and no --config: running on the embedded defaults');
  let app: App;
  try {
    app = buildApp({ loaded, printEvents: values['print-events'], logger });
  } catch (err) {
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
    if (err instanceof AcesyncError) {
      process.stderr.write(`acesync start: ${err.code}: ${err.message}\n`);
      return EXIT.FAILURE;
    }
    throw err;
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
  logger.flush();
  return code;
}
