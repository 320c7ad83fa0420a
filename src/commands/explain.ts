/**
 * `acesync explain DEVICE CONTEXT [--config FILE] [--db FILE] [--json] [--recent N]`: the
 * chain that led a context to its current state, read from the state database (safe to
 * run while the service runs).
 */
import { existsSync } from 'node:fs';
import { AcesyncError, EXIT } from '../core/errors.js';
import { inert, inertJson, inertStrings } from '../core/inert.js';
import { explainContext, formatExplanation } from '../engine/explain.js';
import { StoreReader } from '../store/reader.js';
import { parseCommandArgs } from './args.js';
import { resolveConfig } from './config-arg.js';

const USAGE = 'usage: acesync explain DEVICE CONTEXT [--config FILE] [--db FILE] [--json] [--recent N]';

export async function main(args: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, {
    config: { type: 'string', short: 'c' },
    db: { type: 'string' },
    json: { type: 'boolean', default: false },
    recent: { type: 'string' },
  });
  if (positionals.length !== 2) throw new AcesyncError('ACESYNC_USAGE', USAGE);
  const [device, context] = positionals as [string, string];
  const recent = values.recent === undefined ? 20 : Number(values.recent);
  if (!Number.isInteger(recent) || recent < 0 || recent > 10_000)
    throw new AcesyncError('ACESYNC_USAGE', '--recent takes a number from 0 to 10000');
  const path = values.db ?? resolveConfig(values.config).config.store.path;
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
    process.stdout.write(values.json ? inertJson(x, 2) + '\n' : formatExplanation(inertStrings(x)));
    return EXIT.OK;
  } finally {
    reader.close();
  }
}
