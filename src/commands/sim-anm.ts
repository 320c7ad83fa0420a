/**
 * `acesync sim anm --config FILE`: run the ANM simulator until SIGINT/SIGTERM. Prints
 * one JSON line on stdout with its URLs (and the CA file to trust, with TLS), so both a
 * person and a test harness can read where it listens.
 */
import { resolve } from 'node:path';
import { AcesyncError } from '../core/errors.js';
import { createLogger } from '../core/log.js';
import { loadSimAnmConfig, parseSimAnmConfig } from '../sim/anm/config.js';
import { startAnmSimulator } from '../sim/anm/server.js';
import type { Parsed } from './args.js';

const LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export async function main(args: Parsed): Promise<number> {
  const configArg = args.string('config');
  const file = configArg !== undefined ? resolve(configArg) : undefined;
  const config = file !== undefined ? loadSimAnmConfig(file) : parseSimAnmConfig('{}');
  // Relative TLS paths resolve against the config file's folder, like acesync's own.
  const base = file !== undefined ? resolve(file, '..') : process.cwd();
  const tls = {
    ...config.tls,
    ...(config.tls.cert_file ? { cert_file: resolve(base, config.tls.cert_file) } : {}),
    ...(config.tls.key_file ? { key_file: resolve(base, config.tls.key_file) } : {}),
    ...(config.tls.ca_out_file ? { ca_out_file: resolve(base, config.tls.ca_out_file) } : {}),
  };
  const level = args.string('log-level') ?? 'info';
  if (!LEVELS.includes(level as (typeof LEVELS)[number]))
    throw new AcesyncError('ACESYNC_USAGE', `--log-level must be one of ${LEVELS.join(', ')}`);
  const logger = createLogger(level as (typeof LEVELS)[number]);
  const sim = await startAnmSimulator({ config: { ...config, tls }, logger });
  process.stdout.write(
    JSON.stringify({
      sim: 'anm',
      url: sim.url,
      control_url: sim.controlUrl,
      soap_url: `${sim.url}/anm/OperationManager`,
      ...(tls.ca_out_file ? { ca_file: tls.ca_out_file } : {}),
    }) + '\n',
  );
  await new Promise<void>((resolveStop) => {
    process.once('SIGINT', () => resolveStop());
    process.once('SIGTERM', () => resolveStop());
  });
  await sim.close();
  logger.flush();
  return 0;
}
