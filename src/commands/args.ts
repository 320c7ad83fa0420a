/** Small wrapper over node:util parseArgs that turns mistakes into usage errors (exit 2). */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { AcesyncError } from '../core/errors.js';

export function parseCommandArgs<T extends NonNullable<ParseArgsConfig['options']>>(
  args: string[],
  options: T,
  allowPositionals = true,
): ReturnType<typeof parseArgs<{ args: string[]; options: T; allowPositionals: boolean; strict: true }>> {
  try {
    return parseArgs({ args, options, allowPositionals, strict: true });
  } catch (err) {
    throw new AcesyncError('ACESYNC_USAGE', err instanceof Error ? err.message : String(err));
  }
}
