/**
 * Secrets from files, besides environment variables. For every `*_env` name the
 * configuration references and the environment leaves unset, the value is read from
 *   1. `$CREDENTIALS_DIRECTORY/<NAME>` (systemd `LoadCredential=NAME:/path`), or
 *   2. the file named by `<NAME>_FILE` (the container convention),
 * one trailing newline removed. Only names are ever logged, never values.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from './schema.js';
import { secretRefs } from './load.js';

export interface SecretFileUse {
  name: string;
  from: string;
}

/** Fill `env` (in place) from credential files; returns which names came from where. */
export function fillSecretsFromFiles(cfg: Config, env: NodeJS.ProcessEnv): SecretFileUse[] {
  const names = new Set(secretRefs(cfg).flatMap((r) => (r.kind === 'env' ? [r.name] : [])));
  names.add(cfg.http.token_env);
  const used: SecretFileUse[] = [];
  for (const name of names) {
    if (env[name] !== undefined && env[name] !== '') continue;
    const candidates = [
      ...(env.CREDENTIALS_DIRECTORY ? [join(env.CREDENTIALS_DIRECTORY, name)] : []),
      ...(env[`${name}_FILE`] ? [env[`${name}_FILE`]!] : []),
    ];
    for (const file of candidates) {
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch {
        continue;
      }
      env[name] = text.replace(/\r?\n$/, '');
      used.push({ name, from: file });
      break;
    }
  }
  return used;
}
