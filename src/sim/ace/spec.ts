/**
 * The simulator's description of devices (YAML for `acesync sim ace --config FILE`, or an
 * object from tests): devices, SSH, users, contexts with their configuration, the
 * addresses their messages come from, logging/SNMP targets, FT groups, crypto files.
 */
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { z } from 'zod';
import { FileProblemsError } from '../../core/errors.js';
import { parseYaml, zodProblems } from '../../config/yaml-source.js';
import { envName, ip, port } from '../../config/sections/common.js';

const name = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_.-]+$/, 'letters, digits, _ . -');

export const cryptoSpecSchema = z.strictObject({
  name,
  type: z.enum(['cert', 'key']),
  exportable: z.boolean().default(true),
  /** PEM text; or `pem_file`; neither: generated (shared by both peers, so they match). */
  pem: z.string().optional(),
  pem_file: z.string().optional(),
  /** CN of a generated certificate (default: the file name). */
  subject: z.string().optional(),
});

export const contextSpecSchema = z.strictObject({
  name,
  /** Address this context's syslog and traps come from (any 127.x.y.z works on Linux). */
  source: ip.optional(),
  /** Initial running-config (without the `Generating configuration....` header). */
  config: z.string().default(''),
  config_file: z.string().optional(),
  /** FT group of the context; adds an `ft group` block to Admin and `ft auto-sync running-config`. */
  ft_group: z.number().int().min(1).max(255).optional(),
  auto_sync: z.boolean().default(true),
  /** Shorthand that expands into `logging ...` lines. */
  logging: z
    .strictObject({
      hosts: z
        .array(z.strictObject({ ip, port: port.default(514), protocol: z.enum(['udp', 'tcp']).default('udp') }))
        .default([]),
      trap: z.number().int().min(0).max(7).default(6),
      device_id: z.enum(['context-name', 'hostname']).optional(),
      timestamp: z.boolean().default(false),
      standby: z.boolean().default(false),
      facility: z.number().int().min(16).max(23).optional(),
    })
    .optional(),
  /** Shorthand that expands into `snmp-server host ...` lines. */
  snmp: z
    .strictObject({
      hosts: z
        .array(
          z.strictObject({
            ip,
            port: port.default(162),
            community: z.string().min(1).default('public'),
            inform: z.boolean().default(false),
          }),
        )
        .default([]),
    })
    .optional(),
  crypto: z.array(cryptoSpecSchema).default([]),
});

export const userSpecSchema = z.strictObject({
  username: z.string().min(1).max(64),
  /** Environment variable holding the password (preferred). */
  password_env: envName.optional(),
  /** Literal password: simulator-only convenience (demo); never use a real secret here. */
  password: z.string().optional(),
  authorized_keys: z.array(z.string()).default([]),
  authorized_keys_file: z.string().optional(),
  /** Context the user logs in to; only Admin users may `changeto`. */
  context: name.default('Admin'),
});

export const deviceSpecSchema = z.strictObject({
  name,
  /** Hostname shown in the prompt (default: the name). */
  hostname: name.optional(),
  ssh: z
    .strictObject({
      host: z.string().default('127.0.0.1'),
      /** 0 picks a free port (printed at start). */
      port: port.default(0),
      /** Offer only diffie-hellman-group1/14-sha1, aes128-cbc/3des-cbc, hmac-sha1, ssh-rsa. */
      legacy_only: z.boolean().default(false),
      host_key_file: z.string().optional(),
    })
    .prefault({}),
  users: z.array(userSpecSchema).min(1),
  peer: name.optional(),
  /** Initial FT role of this device in every group (default: the first of the pair is active). */
  role: z.enum(['active', 'standby']).optional(),
  lock_standby_config: z.boolean().default(false),
  contexts: z.array(contextSpecSchema).default([]),
});

export const simSpecSchema = z.strictObject({ devices: z.array(deviceSpecSchema).min(1) }).superRefine((spec, ctx) => {
  const names = spec.devices.map((d) => d.name);
  spec.devices.forEach((d, i) => {
    if (names.indexOf(d.name) !== i)
      ctx.addIssue({ code: 'custom', path: ['devices', i, 'name'], message: `device '${d.name}' is listed twice` });
    if (d.peer !== undefined) {
      const j = names.indexOf(d.peer);
      if (j < 0)
        ctx.addIssue({
          code: 'custom',
          path: ['devices', i, 'peer'],
          message: `peer '${d.peer}' is not a device in this file`,
        });
      else if (j === i)
        ctx.addIssue({ code: 'custom', path: ['devices', i, 'peer'], message: 'a device cannot be its own peer' });
    }
    const seen = new Set<string>();
    d.contexts.forEach((c, k) => {
      if (seen.has(c.name))
        ctx.addIssue({
          code: 'custom',
          path: ['devices', i, 'contexts', k, 'name'],
          message: `context '${c.name}' is listed twice`,
        });
      seen.add(c.name);
    });
    d.users.forEach((u, k) => {
      if (
        u.password === undefined &&
        u.password_env === undefined &&
        u.authorized_keys.length === 0 &&
        u.authorized_keys_file === undefined
      )
        ctx.addIssue({
          code: 'custom',
          path: ['devices', i, 'users', k],
          message: 'a user needs password, password_env or authorized keys',
        });
    });
  });
});

export type SimSpecInput = z.input<typeof simSpecSchema>;
export type SimSpec = z.output<typeof simSpecSchema>;
export type DeviceSpec = SimSpec['devices'][number];
export type ContextSpec = DeviceSpec['contexts'][number];

/** Validate an object (tests, presets). Throws FileProblemsError with paths. */
export function validateSimSpec(value: unknown, file = '(simulator spec)'): SimSpec {
  const parsed = simSpecSchema.safeParse(value ?? {});
  if (!parsed.success)
    throw new FileProblemsError(
      'ACESYNC_CONFIG_INVALID',
      parsed.error.issues.map((i) => ({ file, path: i.path.join('.'), message: i.message })),
    );
  return parsed.data;
}

/** Read a YAML (or JSON) simulator file; problems name the line. Relative files resolve against it. */
export function loadSimSpecFile(file: string): { spec: SimSpec; baseDir: string } {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new FileProblemsError('ACESYNC_CONFIG_NOT_FOUND', [{ file, message: 'no such file' }]);
  }
  const src = parseYaml(file, text, 'ACESYNC_CONFIG_INVALID');
  const parsed = simSpecSchema.safeParse(src.value ?? {});
  if (!parsed.success) throw new FileProblemsError('ACESYNC_CONFIG_INVALID', zodProblems(src, parsed.error));
  return { spec: parsed.data, baseDir: dirname(resolve(file)) };
}

/** Resolve `*_file` references and `password_env` (missing variables are reported together). */
export function resolveSimFiles(spec: SimSpec, baseDir: string, env: NodeJS.ProcessEnv = process.env): SimSpec {
  const abs = (p: string): string => (isAbsolute(p) ? p : resolve(baseDir, p));
  const problems: Array<{ file: string; path: string; message: string }> = [];
  const read = (p: string, path: string): string => {
    try {
      return readFileSync(abs(p), 'utf8');
    } catch {
      problems.push({ file: abs(p), path, message: 'cannot read file' });
      return '';
    }
  };
  const devices = spec.devices.map((d, i) => ({
    ...d,
    ssh: { ...d.ssh, host_key_file: d.ssh.host_key_file ? abs(d.ssh.host_key_file) : undefined },
    users: d.users.map((u, k) => {
      let password = u.password;
      if (u.password_env !== undefined) {
        password = env[u.password_env];
        if (password === undefined || password === '')
          problems.push({
            file: '(environment)',
            path: `devices[${i}].users[${k}].password_env`,
            message: `environment variable ${u.password_env} is not set`,
          });
      }
      const keys = [...u.authorized_keys];
      if (u.authorized_keys_file !== undefined)
        keys.push(
          ...read(u.authorized_keys_file, `devices[${i}].users[${k}].authorized_keys_file`)
            .split('\n')
            .filter((l) => l.trim() !== '' && !l.startsWith('#')),
        );
      return { ...u, password, authorized_keys: keys, authorized_keys_file: undefined };
    }),
    contexts: d.contexts.map((c, k) => ({
      ...c,
      config: c.config_file !== undefined ? read(c.config_file, `devices[${i}].contexts[${k}].config_file`) : c.config,
      config_file: undefined,
      crypto: c.crypto.map((f, m) => ({
        ...f,
        pem: f.pem_file !== undefined ? read(f.pem_file, `devices[${i}].contexts[${k}].crypto[${m}].pem_file`) : f.pem,
        pem_file: undefined,
      })),
    })),
  }));
  if (problems.length > 0) throw new FileProblemsError('ACESYNC_CONFIG_SECRET_MISSING', problems);
  return { devices };
}

/** The lines a context's `logging`/`snmp`/`ft_group` shorthands stand for. */
export function shorthandLines(c: ContextSpec): string[] {
  const lines: string[] = [];
  if (c.logging) {
    const l = c.logging;
    lines.push('logging enable');
    if (l.timestamp) lines.push('logging timestamp');
    lines.push(`logging trap ${l.trap}`);
    if (l.facility !== undefined) lines.push(`logging facility ${l.facility}`);
    if (l.device_id) lines.push(`logging device-id ${l.device_id}`);
    if (l.standby) lines.push('logging standby');
    for (const h of l.hosts) lines.push(`logging host ${h.ip} ${h.protocol}/${h.port}`);
  }
  if (c.snmp)
    for (const h of c.snmp.hosts)
      lines.push(
        `snmp-server host ${h.ip} ${h.inform ? 'informs' : 'traps'} version 2c ${h.community} udp-port ${h.port}`,
      );
  if (c.ft_group !== undefined && c.auto_sync) lines.push('ft auto-sync running-config');
  return lines;
}
