/**
 * Wiring from the `anm:` configuration to live objects: the HTTP transport (CA or
 * insecure), the per-server circuit breakers and the SOAP client. Secrets are read from
 * the environment here, once, and never stored in anything that gets logged.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Clock } from '../core/clock.js';
import type { AnmConfig } from '../config/sections/anm.js';
import { AcesyncError } from '../core/errors.js';
import type { Logger } from '../core/log.js';
import { BreakerRegistry } from './breaker.js';
import { HttpTransport } from './http-transport.js';
import { AnmSoapClient } from './soap-client.js';

export interface AnmDeps {
  /** Where secrets come from (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** Folder relative paths (ca_file, script) resolve against: the config file's. */
  baseDir?: string;
  logger?: Logger;
  clock?: Clock;
  /** Shared per-server breakers; create one with `createBreakers` and pass it to both factories. */
  breakers?: BreakerRegistry;
}

/** The ANM password from `anm.password_env`, or undefined when none is configured. */
export function resolveAnmPassword(anm: AnmConfig, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (anm.password_env === undefined) return undefined;
  const v = env[anm.password_env];
  if (v === undefined || v === '')
    throw new AcesyncError(
      'ACESYNC_CONFIG_SECRET_MISSING',
      `environment variable ${anm.password_env} (anm.password_env) is not set`,
    );
  return v;
}

/** HTTP(S) transport to `anm.url` with the configured CA or the explicit insecure switch. */
export function anmTransport(anm: AnmConfig, deps: AnmDeps = {}): HttpTransport {
  if (anm.url === undefined) throw new AcesyncError('ACESYNC_CONFIG_INVALID', 'anm.url is not set');
  let ca: Buffer | undefined;
  if (anm.ca_file !== undefined) {
    const file = resolve(deps.baseDir ?? process.cwd(), anm.ca_file);
    try {
      ca = readFileSync(file);
    } catch (e) {
      throw new AcesyncError(
        'ACESYNC_CONFIG_INVALID',
        `anm.ca_file ${file} cannot be read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
      );
    }
  }
  return new HttpTransport({ baseUrl: anm.url, tls: { ...(ca ? { ca } : {}), insecure: anm.insecure } });
}

/** Breakers with the configured threshold and reset time; state changes are logged. */
export function createBreakers(anm: AnmConfig, deps: Pick<AnmDeps, 'clock' | 'logger'> = {}): BreakerRegistry {
  const registry: BreakerRegistry = new BreakerRegistry({
    failureThreshold: anm.breaker.failure_threshold,
    resetMs: anm.breaker.reset_ms,
    ...(deps.clock ? { clock: deps.clock } : {}),
    onStateChange: (from, to) =>
      deps.logger?.warn({ component: 'anm-breaker', from, to }, `ANM circuit breaker ${from} -> ${to}`),
  });
  return registry;
}

/** The SOAP client, or undefined when no ANM URL/credentials are configured. */
export function createAnmClient(anm: AnmConfig, deps: AnmDeps = {}): AnmSoapClient | undefined {
  if (anm.url === undefined || anm.username === undefined || anm.password_env === undefined) return undefined;
  const transport = anmTransport(anm, deps);
  return new AnmSoapClient({
    transport,
    soapPath: anm.soap_path,
    username: anm.username,
    password: resolveAnmPassword(anm, deps.env) ?? '',
    timeoutMs: anm.timeout_ms,
    ...(deps.breakers ? { breaker: deps.breakers.get(transport.origin) } : {}),
    ...(deps.logger ? { logger: deps.logger } : {}),
  });
}
