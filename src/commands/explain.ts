/**
 * `acesync explain DEVICE CONTEXT [--config FILE] [--db FILE] [--json] [--recent N]`: the
 * chain that led a context to its current state, read from the state database (safe to
 * run while the service runs).
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { EXIT } from '../core/errors.js';
import { explainContext, formatExplanation } from '../engine/explain.js';
import { StoreReader } from '../store/reader.js';
import type { Parsed } from './args.js';
import { resolveConfig } from './config-arg.js';
import { inert, inertJson, inertStrings } from '../core/inert.js';

export async function main(args: Parsed): Promise<number> {
  const [device, context] = args.positionals as [string, string];
  const recentArg = args.string('recent');
  const recent = recentArg === undefined ? 20 : Number(recentArg);
  if (!Number.isInteger(recent) || recent < 0 || recent > 10_000)
    throw args.usageError('--recent takes a number from 0 to 10000');
  let path = args.string('db') ?? resolveConfig(args.string('config'), { skipSecrets: true }).config.store.path;
  // Next to the running demo (`npm start`), whose database is data/demo.db, not the service's default.
  const demoDb = resolve('data', 'demo.db');
  if (
    args.string('db') === undefined &&
    args.string('config') === undefined &&
    !existsSync(path) &&
    existsSync(demoDb)
  ) {
    process.stderr.write(`acesync explain: no ${path}; reading the demo's ${demoDb}\n`);
    path = demoDb;
  }
  if (!existsSync(path)) {
    process.stderr.write(
      `acesync explain: no state database at ${path} (start the service first, or pass --config / --db)\n`,
    );
    return EXIT.FAILURE;
  }
  let reader: StoreReader;
  try {
    reader = StoreReader.open(path);
  } catch (err) {
    process.stderr.write(inert(`acesync explain: ${(err as Error).message}`) + '\n');
    return EXIT.FAILURE;
  }
  try {
    const x = explainContext(reader, device, context, recent);
    if (!x) {
      const known = reader.devices().includes(device)
        ? `contexts of ${device}: ${reader.contextsOf(device).join(', ') || 'none'}`
        : `devices: ${reader.devices().join(', ') || 'none'}`;
      process.stderr.write(inert(`acesync explain: ${device}/${context} is not known (${known})`) + '\n');
      return EXIT.FAILURE;
    }
    // Device text (commands, users, context names) is inert: escaped, never raw control bytes.
    process.stdout.write(args.bool('json') ? inertJson(x, 2) + '\n' : formatExplanation(inertStrings(x)));
    return EXIT.OK;
  } finally {
    reader.close();
  }
}
