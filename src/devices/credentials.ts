/**
 * SSH credentials of a device, from the environment variable or file the configuration
 * names. The values go straight into the SSH client; they are never logged or returned in
 * an error message (only the variable or file name is).
 */
import { readFileSync } from 'node:fs';
import type { SshConfig } from '../config/schema.js';
import { AcesyncError } from '../core/errors.js';

export interface SshCredentials {
  password?: string;
  privateKey?: Buffer;
  passphrase?: string;
}

export function resolveCredentials(ssh: SshConfig, env: NodeJS.ProcessEnv = process.env): SshCredentials {
  const out: SshCredentials = {};
  if (ssh.password_env !== undefined) {
    const v = env[ssh.password_env];
    if (v === undefined || v === '')
      throw new AcesyncError('ACESYNC_CONFIG_SECRET_MISSING', `environment variable ${ssh.password_env} is not set`);
    out.password = v;
  } else if (ssh.password_file !== undefined) {
    try {
      // A trailing newline is an editor's, not part of the password.
      out.password = readFileSync(ssh.password_file, 'utf8').replace(/\r?\n$/, '');
    } catch {
      throw new AcesyncError('ACESYNC_CONFIG_SECRET_MISSING', `cannot read password_file ${ssh.password_file}`);
    }
  }
  if (ssh.private_key_file !== undefined) {
    try {
      out.privateKey = readFileSync(ssh.private_key_file);
    } catch {
      throw new AcesyncError('ACESYNC_CONFIG_SECRET_MISSING', `cannot read private_key_file ${ssh.private_key_file}`);
    }
  }
  if (ssh.passphrase_env !== undefined) {
    const v = env[ssh.passphrase_env];
    if (v === undefined)
      throw new AcesyncError('ACESYNC_CONFIG_SECRET_MISSING', `environment variable ${ssh.passphrase_env} is not set`);
    out.passphrase = v;
  }
  if (out.password === undefined && out.privateKey === undefined)
    throw new AcesyncError(
      'ACESYNC_CONFIG_SECRET_MISSING',
      'the device has no password_env, password_file or private_key_file',
    );
  return out;
}
