/**
 * Loading the configuration: read, parse YAML, validate, resolve relative paths and
 * check that every referenced secret is set. Any problem stops start-up with the file,
 * line, key and what was expected (exit code 2 at the command line).
 */
import { accessSync, constants, existsSync, readFileSync, statSync } from 'node:fs';
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
  /** The parsed document, to locate keys (absent for the built-in defaults). */
  src?: YamlSource;
}

/** Validate a parsed YAML value. Exposed for tests and for the demo's embedded config. */
export function validateConfig(src: YamlSource): Config {
  const parsed = configSchema.safeParse(src.value ?? {});
  if (!parsed.success)
    throw new FileProblemsError('ACESYNC_CONFIG_INVALID', zodProblems(src, parsed.error, [], configSchema));
  return parsed.data;
}

/** A secret the configuration refers to: an environment variable or a file (never its value). */
export interface SecretRef {
  path: Array<string | number>;
  kind: 'env' | 'file';
  /** The variable's name, or the file's path (absolute once the paths are resolved). */
  name: string;
}

/** Every secret the configuration refers to, with the key that names it. */
export function secretRefs(cfg: Config): SecretRef[] {
  const out: SecretRef[] = [];
  const env = (name: string | undefined, path: Array<string | number>): void => {
    if (name !== undefined) out.push({ path, kind: 'env', name });
  };
  const file = (name: string | undefined, path: Array<string | number>): void => {
    if (name !== undefined) out.push({ path, kind: 'file', name });
  };
  cfg.devices.forEach((d, i) => {
    env(d.ssh.password_env, ['devices', i, 'ssh', 'password_env']);
    file(d.ssh.password_file, ['devices', i, 'ssh', 'password_file']);
    file(d.ssh.private_key_file, ['devices', i, 'ssh', 'private_key_file']);
    env(d.ssh.passphrase_env, ['devices', i, 'ssh', 'passphrase_env']);
  });
  cfg.snmp.users.forEach((u, i) => {
    env(u.auth_key_env, ['snmp', 'users', i, 'auth_key_env']);
    env(u.priv_key_env, ['snmp', 'users', i, 'priv_key_env']);
  });
  if (cfg.anm.enabled) {
    env(cfg.anm.password_env, ['anm', 'password_env']);
    const s = cfg.anm.strategy;
    if (s.type === 'command') s.pass_env.forEach((n, i) => env(n, ['anm', 'strategy', 'pass_env', i]));
  }
  cfg.webhooks.forEach((w, i) => env(w.secret_env, ['webhooks', i, 'secret_env']));
  return out;
}

/** Why a referenced secret cannot be had, or undefined when it is set / readable. */
export function secretProblem(ref: SecretRef, env: NodeJS.ProcessEnv): string | undefined {
  if (ref.kind === 'env')
    return env[ref.name] === undefined || env[ref.name] === ''
      ? `environment variable ${ref.name} is not set`
      : undefined;
  try {
    accessSync(ref.name, constants.R_OK);
    return statSync(ref.name).isFile() ? undefined : `${ref.name} is not a file`;
  } catch (err) {
    return `cannot read ${ref.name} (${(err as NodeJS.ErrnoException).code ?? String(err)})`;
  }
}

/** Secrets are referenced by environment variable or file; a missing one fails start-up, naming the key. */
export function checkSecrets(
  cfg: Config,
  src: YamlSource | undefined,
  env: NodeJS.ProcessEnv,
  file = '(config)',
): void {
  const problems: FileProblem[] = [];
  for (const ref of secretRefs(cfg)) {
    const message = secretProblem(ref, env);
    if (message) problems.push({ file, ...(src?.locate(ref.path) ?? {}), path: formatPath(ref.path), message });
  }
  if (problems.length > 0) throw new FileProblemsError('ACESYNC_CONFIG_SECRET_MISSING', problems);
}

/** Files the configuration names that are not secrets (rules folder, ANM's CA, webhook templates). */
export function fileProblems(cfg: Config, src: YamlSource | undefined, file = '(config)'): FileProblem[] {
  const problems: FileProblem[] = [];
  const at = (path: Array<string | number>, message: string): void => {
    problems.push({ file, ...(src?.locate(path) ?? {}), path: formatPath(path), message });
  };
  const readable = (p: string, kind: 'file' | 'folder-or-file'): string | undefined => {
    try {
      accessSync(p, constants.R_OK);
      if (kind === 'file' && !statSync(p).isFile()) return `${p} is not a file`;
      return undefined;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      return code === 'ENOENT' ? `${p}: no such file` : `cannot read ${p} (${code ?? String(err)})`;
    }
  };
  const rules = readable(cfg.rules, 'folder-or-file');
  if (rules) at(['rules'], rules.replace(': no such file', ': no such file or folder'));
  if (cfg.anm.enabled && cfg.anm.ca_file !== undefined) {
    const m = readable(cfg.anm.ca_file, 'file');
    if (m) at(['anm', 'ca_file'], m);
  }
  cfg.webhooks.forEach((w, i) => {
    if (w.template === undefined) return;
    const m = readable(w.template, 'file');
    if (m) at(['webhooks', i, 'template'], m);
  });
  return problems;
}

function resolvePaths(cfg: Config, baseDir: string): Config {
  const abs = (p: string): string => (isAbsolute(p) ? p : resolve(baseDir, p));
  return {
    ...cfg,
    rules: abs(cfg.rules),
    anm: { ...cfg.anm, ...(cfg.anm.ca_file !== undefined ? { ca_file: abs(cfg.anm.ca_file) } : {}) },
    webhooks: cfg.webhooks.map((w) => (w.template !== undefined ? { ...w, template: abs(w.template) } : w)),
    store: {
      ...cfg.store,
      path: cfg.store.path === ':memory:' ? cfg.store.path : abs(cfg.store.path),
      ...(cfg.store.git_mirror !== undefined ? { git_mirror: abs(cfg.store.git_mirror) } : {}),
    },
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
  /** Check that the files it names exist (loadConfigFile does; text from elsewhere may name none yet). */
  checkFiles?: boolean;
}

export function loadConfigText(
  text: string,
  file: string,
  env: NodeJS.ProcessEnv = process.env,
  o: LoadOptions = {},
): LoadedConfig {
  const src = parseYaml(file, text, 'ACESYNC_CONFIG_INVALID');
  const baseDir = dirname(resolve(file));
  const config = resolvePaths(validateConfig(src), baseDir);
  if (o.checkFiles) {
    const problems = fileProblems(config, src, file);
    if (problems.length > 0) throw new FileProblemsError('ACESYNC_CONFIG_INVALID', problems);
  }
  if (!o.skipSecrets) checkSecrets(config, src, env, file);
  return { config, file: resolve(file), baseDir, src };
}

export function loadConfigFile(file: string, env: NodeJS.ProcessEnv = process.env, o: LoadOptions = {}): LoadedConfig {
  if (!existsSync(file)) throw new FileProblemsError('ACESYNC_CONFIG_NOT_FOUND', [{ file, message: 'no such file' }]);
  return loadConfigText(readFileSync(file, 'utf8'), file, env, { checkFiles: true, ...o });
}

/** Defaults with no file at all (relative paths against the working directory). */
export function defaultConfig(cwd = process.cwd()): LoadedConfig {
  return { config: resolvePaths(configSchema.parse({}), cwd), baseDir: cwd };
}
