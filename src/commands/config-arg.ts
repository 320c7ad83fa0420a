/**
 * Which configuration a command uses: `--config FILE`, else `./acesync.yaml`, else
 * `/etc/acesync/acesync.yaml`. `start` refuses to run without one (exit 2, saying how to
 * get one); the offline readers (explain, rules check, replay) fall back to the defaults.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { AcesyncError } from '../core/errors.js';
import { defaultConfig, loadConfigFile, type LoadedConfig } from '../config/load.js';

export const DEFAULT_CONFIG_FILE = 'acesync.yaml';
export const SYSTEM_CONFIG_FILE = '/etc/acesync/acesync.yaml';

/** The configuration file a command would use, or undefined when there is none. */
export function findConfigFile(configArg: string | undefined, cwd = process.cwd()): string | undefined {
  if (configArg !== undefined) return resolve(cwd, configArg);
  for (const f of [resolve(cwd, DEFAULT_CONFIG_FILE), SYSTEM_CONFIG_FILE]) if (existsSync(f)) return f;
  return undefined;
}

export interface ResolveOptions {
  cwd?: string;
  /** Where secrets are read; by default process.env. */
  env?: NodeJS.ProcessEnv;
  /** Validate without requiring the secrets' values (readers and `config check`). */
  skipSecrets?: boolean;
}

export function resolveConfig(
  configArg: string | undefined,
  o: ResolveOptions | string = {},
): LoadedConfig & { embedded: boolean } {
  const opts = typeof o === 'string' ? { cwd: o } : o;
  const cwd = opts.cwd ?? process.cwd();
  const file = findConfigFile(configArg, cwd);
  if (file !== undefined)
    return {
      ...loadConfigFile(file, opts.env ?? process.env, { skipSecrets: opts.skipSecrets ?? false }),
      embedded: false,
    };
  return { ...defaultConfig(cwd), embedded: true };
}

/** For `start`: the configuration file, or a usage error that says how to get one. */
export function serviceConfigFile(configArg: string | undefined, cwd = process.cwd()): string {
  const file = findConfigFile(configArg, cwd);
  if (file !== undefined) return file;
  throw new AcesyncError(
    'ACESYNC_CONFIG_NOT_FOUND',
    [
      `no configuration: no --config FILE, no ./${DEFAULT_CONFIG_FILE} in ${cwd}, no ${SYSTEM_CONFIG_FILE}.`,
      '  Write one: `acesync discover` (asks your ACE devices), or copy samples/acesync.yaml (shipped with',
      '  acesync) and edit its devices; check it with `acesync config check FILE`.',
      '  To try acesync without devices, run `acesync demo` (what `npm start` runs).',
    ].join('\n'),
  );
}
