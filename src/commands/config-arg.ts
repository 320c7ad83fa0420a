/**
 * Which configuration a command uses: `--config FILE`, else `acesync.yaml` in the working
 * directory, else the embedded defaults (the demo, for `start`).
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { defaultConfig, loadConfigFile, type LoadedConfig } from '../config/load.js';

export const DEFAULT_CONFIG_FILE = 'acesync.yaml';

export function resolveConfig(
  configArg: string | undefined,
  cwd = process.cwd(),
): LoadedConfig & { embedded: boolean } {
  if (configArg !== undefined) return { ...loadConfigFile(resolve(cwd, configArg)), embedded: false };
  const local = resolve(cwd, DEFAULT_CONFIG_FILE);
  if (existsSync(local)) return { ...loadConfigFile(local), embedded: false };
  return { ...defaultConfig(cwd), embedded: true };
}
