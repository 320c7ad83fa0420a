/**
 * Loading the configuration: read, parse YAML, validate, resolve relative paths and
 * check that every referenced secret is set. Any problem stops start-up with the file,
 * line, key and what was expected (exit code 2 at the command line).
 */
import { readFileSync, existsSync } from 'node:fs';
import { dirname, resolve, isAbsolute } from 'node:path';
import { FileProblemsError, type FileProblem } from '../core/errors.js';
import { configSchema, type Config } from './schema.js';
import { parseYaml, zodProblems, formatPath, type YamlSource } from './yaml-source.js';

export interface LoadedConfig {
  config: Config;
  /** Absolute path of the file, or undefined for the built-in defaults. */
  file?: string;
  /** Folder relative paths resolve against. */
  baseDir: string;
}

/** Validate a parsed YAML value. Exposed for tests and for the demo's embedded config. */
export function validateConfig(src: YamlSource): Config {
  const parsed = configSchema.safeParse(src.value ?? {});
  if (!parsed.success) throw new FileProblemsError('ACESYNC_CONFIG_INVALID', zodProblems(src, parsed.error));
  return parsed.data;
}

/** Secrets are referenced by environment variable; a missing one fails start-up, naming the key. */
export function checkSecrets(
  cfg: Config,
  src: YamlSource | undefined,
  env: NodeJS.ProcessEnv,
  file = '(config)',
): void {
  const problems: FileProblem[] = [];
  const need = (name: string | undefined, path: Array<string | number>): void => {
    if (name !== undefined && (env[name] === undefined || env[name] === '')) {
      problems.push({
        file,
        ...(src?.locate(path) ?? {}),
        path: formatPath(path),
        message: `environment variable ${name} is not set`,
      });
    }
  };
  cfg.devices.forEach((d, i) => {
    need(d.ssh.password_env, ['devices', i, 'ssh', 'password_env']);
    need(d.ssh.passphrase_env, ['devices', i, 'ssh', 'passphrase_env']);
  });
  cfg.snmp.users.forEach((u, i) => {
    need(u.auth_key_env, ['snmp', 'users', i, 'auth_key_env']);
    need(u.priv_key_env, ['snmp', 'users', i, 'priv_key_env']);
  });
  if (cfg.anm.enabled) {
    need(cfg.anm.password_env, ['anm', 'password_env']);
    const s = cfg.anm.strategy;
    if (s.type === 'command') s.pass_env.forEach((n, i) => need(n, ['anm', 'strategy', 'pass_env', i]));
  }
  cfg.webhooks.forEach((w, i) => need(w.secret_env, ['webhooks', i, 'secret_env']));
  if (problems.length > 0) throw new FileProblemsError('ACESYNC_CONFIG_SECRET_MISSING', problems);
}

function resolvePaths(cfg: Config, baseDir: string): Config {
  const abs = (p: string): string => (isAbsolute(p) ? p : resolve(baseDir, p));
  return {
    ...cfg,
    rules: abs(cfg.rules),
    store: { ...cfg.store, path: cfg.store.path === ':memory:' ? cfg.store.path : abs(cfg.store.path) },
    devices: cfg.devices.map((d) => ({
      ...d,
      ssh: {
        ...d.ssh,
        private_key_file: d.ssh.private_key_file ? abs(d.ssh.private_key_file) : undefined,
        password_file: d.ssh.password_file ? abs(d.ssh.password_file) : undefined,
      },
    })),
  };
}

export interface LoadOptions {
  /** Validate everything but the secrets' values (`config check`, explain, rules check, replay). */
  skipSecrets?: boolean;
}

export function loadConfigText(
  text: string,
  file: string,
  env: NodeJS.ProcessEnv = process.env,
  o: LoadOptions = {},
): LoadedConfig {
  const src = parseYaml(file, text, 'ACESYNC_CONFIG_INVALID');
  const config = validateConfig(src);
  if (!o.skipSecrets) checkSecrets(config, src, env, file);
  const baseDir = dirname(resolve(file));
  return { config: resolvePaths(config, baseDir), file: resolve(file), baseDir };
}

export function loadConfigFile(file: string, env: NodeJS.ProcessEnv = process.env, o: LoadOptions = {}): LoadedConfig {
  if (!existsSync(file)) throw new FileProblemsError('ACESYNC_CONFIG_NOT_FOUND', [{ file, message: 'no such file' }]);
  return loadConfigText(readFileSync(file, 'utf8'), file, env, o);
}

/** Defaults with no file at all (relative paths against the working directory). */
export function defaultConfig(cwd = process.cwd()): LoadedConfig {
  return { config: resolvePaths(configSchema.parse({}), cwd), baseDir: cwd };
}
