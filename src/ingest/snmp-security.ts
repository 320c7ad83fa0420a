/**
 * SNMP security settings from the configuration: v3 users with keys read from the
 * environment variables the config names, the engine ID informs are acknowledged
 * with, and whether this process can do DES at all.
 */
import { createCipheriv, createHash } from 'node:crypto';
import { hostname } from 'node:os';
import { FileProblemsError } from '../core/errors.js';
import type { Config } from '../config/schema.js';

type SnmpConfig = Config['snmp'];

/** net-snmp's user shape (SecurityLevel/AuthProtocols/PrivProtocols numeric constants). */
export interface NetSnmpUser {
  name: string;
  level: number;
  authProtocol?: string;
  authKey?: string;
  privProtocol?: string;
  privKey?: string;
}

/** net-snmp constants, fixed by the library (SecurityLevel 1-3; protocol names as strings). */
const LEVEL = { noAuthNoPriv: 1, authNoPriv: 2, authPriv: 3 } as const;
const AUTH = { md5: '2', sha: '3' } as const;
const PRIV = { des: '2', aes: '4' } as const;

/**
 * Build net-snmp users; a key variable that is unset is a configuration error (checkSecrets reports it first at
 * load).
 */
export function resolveUsers(cfg: SnmpConfig, env: NodeJS.ProcessEnv = process.env): NetSnmpUser[] {
  return cfg.users.map((u, i) => {
    const secret = (name: string | undefined, key: string): string => {
      const v = name !== undefined ? env[name] : undefined;
      const path = `snmp.users[${i}].${key}`;
      if (v === undefined || v === '')
        throw new FileProblemsError('ACESYNC_CONFIG_SECRET_MISSING', [
          { file: '(config)', path, message: `environment variable ${name ?? '(none)'} is not set` },
        ]);
      // RFC 3414 password-to-key wants at least 8 characters; net-snmp's tools refuse shorter ones.
      if (v.length < 8)
        throw new FileProblemsError('ACESYNC_CONFIG_INVALID', [
          { file: '(config)', path, message: `the key in ${name} is shorter than 8 characters` },
        ]);
      return v;
    };
    const user: NetSnmpUser = { name: u.name, level: LEVEL[u.level] };
    if (u.level !== 'noAuthNoPriv') {
      user.authProtocol = AUTH[u.auth_protocol ?? 'sha'];
      user.authKey = secret(u.auth_key_env, 'auth_key_env');
    }
    if (u.level === 'authPriv') {
      user.privProtocol = PRIV[u.priv_protocol ?? 'aes'];
      user.privKey = secret(u.priv_key_env, 'priv_key_env');
    }
    return user;
  });
}

/** Names of configured users whose privacy protocol is DES. */
export function desUsers(cfg: SnmpConfig): string[] {
  return cfg.users.filter((u) => u.level === 'authPriv' && u.priv_protocol === 'des').map((u) => u.name);
}

/**
 * Can this process decrypt DES-CBC? Node 17+ on OpenSSL 3 moved DES to the legacy
 * provider, which is only loaded with `--openssl-legacy-provider`.
 */
export function desAvailable(): boolean {
  try {
    createCipheriv('des-cbc', Buffer.alloc(8), Buffer.alloc(8)).final();
    return true;
  } catch {
    return false;
  }
}

/**
 * The engine ID: the configured one, else one derived from the host name and port so it
 * survives restarts (senders of v3 informs localise keys to it; a new random ID on every
 * start would break them). RFC 3411 format: enterprise-specific, 17 octets, the same
 * prefix net-snmp uses for its generated IDs.
 */
export function engineId(cfg: SnmpConfig, host = hostname()): { id: string; generated: boolean } {
  if (cfg.engine_id !== undefined) return { id: cfg.engine_id.toLowerCase(), generated: false };
  const digest = createHash('sha256').update(`acesync:${host}:${cfg.port}`).digest('hex').slice(0, 24);
  return { id: `8000b98380${digest}`, generated: true };
}
