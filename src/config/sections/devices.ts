import { z } from 'zod';
import { envName, ip, port } from './common.js';

export const sshSchema = z
  .strictObject({
    port: port.default(22),
    username: z.string().min(1).default('admin'),
    password_env: envName.optional(),
    password_file: z.string().min(1).optional(),
    private_key_file: z.string().min(1).optional(),
    passphrase_env: envName.optional(),
    /**
     * Pinned host key, `SHA256:<base64>` as ssh-keygen prints it. Absent: trust on first use, recorded and reported.
     */
    host_key_sha256: z
      .string()
      .regex(/^SHA256:[A-Za-z0-9+/=]+$/, 'expected SHA256:<base64> as printed by ssh-keygen -lf')
      .optional(),
    /** Enable old key-exchange/cipher/MAC algorithms (diffie-hellman-group1, 3des, hmac-sha1) for old ACE software. */
    legacy_algorithms: z.boolean().default(false),
    connect_timeout_ms: z.number().int().min(100).default(10_000),
    command_timeout_ms: z.number().int().min(100).default(60_000),
  })
  .prefault({});

export const contextSchema = z.strictObject({
  name: z
    .string()
    .min(1)
    .max(64)
    .regex(/^[A-Za-z0-9_.-]+$/, 'context names are letters, digits, _ . -'),
  /** FT group of this context (the poller can also learn it). */
  ft_group: z.number().int().min(1).max(255).optional(),
  /** Addresses this context's syslog and traps come from. */
  sources: z.array(ip).default([]),
});

export const deviceSchema = z.strictObject({
  name: z
    .string()
    .min(1)
    .max(64)
    .regex(/^[A-Za-z0-9_.-]+$/, 'device names are letters, digits, _ . -'),
  /** Management address for SSH (and ANM's identity of the device). */
  host: z.string().min(1),
  /** Name of the other device of the HA pair. */
  peer: z.string().min(1).optional(),
  /** Addresses this device's messages come from (any context). */
  sources: z.array(ip).default([]),
  contexts: z.array(contextSchema).default([]),
  ssh: sshSchema,
});
