/** `acesync start`: run the service until SIGINT/SIGTERM. */
import { buildApp } from '../app.js';
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
  const app = buildApp({ loaded, printEvents: values['print-events'], logger });
  await app.start();
  await new Promise<void>((resolveStop) => {
    const stop = (signal: string): void => {
      logger.info({ signal }, 'stopping');
      resolveStop();
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
  await app.stop();
  logger.flush();
  return 0;
}
