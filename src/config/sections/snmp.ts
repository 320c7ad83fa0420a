import { z } from 'zod';
import { envName, host, ms, port } from './common.js';

export const snmpUserSchema = z
  .strictObject({
    name: z.string().min(1),
    level: z.enum(['noAuthNoPriv', 'authNoPriv', 'authPriv']),
    auth_protocol: z.enum(['md5', 'sha']).optional(),
    auth_key_env: envName.optional(),
    priv_protocol: z.enum(['des', 'aes']).optional(),
    priv_key_env: envName.optional(),
  })
  .superRefine((u, ctx) => {
    if (u.level !== 'noAuthNoPriv' && (!u.auth_protocol || !u.auth_key_env))
      ctx.addIssue({
        code: 'custom',
        message: `level ${u.level} needs auth_protocol and auth_key_env`,
        path: ['auth_protocol'],
      });
    if (u.level === 'authPriv' && (!u.priv_protocol || !u.priv_key_env))
      ctx.addIssue({
        code: 'custom',
        message: 'level authPriv needs priv_protocol and priv_key_env',
        path: ['priv_protocol'],
      });
  });

export const snmpSchema = z
  .strictObject({
    enabled: z.boolean().default(true),
    host: host.default('0.0.0.0'),
    port: port.default(5162),
    /**
     * v1/v2c communities accepted. Empty list: v1/v2c traps are all rejected. Unknown sources follow
     * `syslog.accept_unknown_sources`.
     */
    communities: z.array(z.string().min(1)).default(['public']),
    /** SNMPv3 USM users; keys only by environment variable. */
    users: z
      .array(snmpUserSchema)
      .default([])
      .superRefine((users, ctx) => {
        const seen = new Set<string>();
        users.forEach((u, i) => {
          if (seen.has(u.name))
            ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `SNMP user '${u.name}' is listed twice` });
          seen.add(u.name);
        });
      }),
    /** SO_RCVBUF of the trap socket: net-snmp's default holds ~166 traps. */
    recv_buffer_bytes: z
      .number()
      .int()
      .min(65536)
      .default(32 * 1024 * 1024),
    /**
     * Authoritative engine ID for v3 informs (hex, 5-32 octets). Absent: derived from the
     * host name and port (stable across restarts) and logged at start.
     */
    engine_id: z
      .string()
      .regex(/^(?:[0-9a-fA-F]{2}){5,32}$/, 'expected 5 to 32 octets in hex, e.g. 8000b98380a1b2c3d4e5f6')
      .optional(),
    /** A source whose notifications are rejected is logged at most once per interval; all are counted. */
    reject_log_interval_ms: ms.default(60_000),
  })
  .prefault({});
