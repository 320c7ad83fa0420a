/**
 * Configuration of the ANM simulator (`acesync sim anm --config FILE`), YAML validated
 * like acesync's own file: unknown keys rejected, problems reported with file and line.
 * Passwords may be literal here (a simulator's test accounts) or come from the environment.
 */
import { readFileSync, existsSync } from 'node:fs';
import { z } from 'zod';
import { envName, host, ms, port } from '../../config/sections/common.js';
import { parseYaml, zodProblems } from '../../config/yaml-source.js';
import { FileProblemsError } from '../../core/errors.js';

export const simUserSchema = z
  .strictObject({
    username: z.string().min(1).max(128),
    password: z.string().min(1).optional(),
    password_env: envName.optional(),
  })
  .refine((s) => (s.password === undefined) !== (s.password_env === undefined), {
    message: 'give exactly one of password or password_env',
  });

export const simDeviceSchema = z.strictObject({
  /** ANM's name of the ACE (acesync's device name, so `{{device}}` finds it). */
  name: z.string().min(1).max(64),
  /** The management address ANM imported the ACE with (DeviceID ipAddr). Default: ssh.host. */
  address: z.string().min(1).optional(),
  device_type: z.enum(['ACE4710', 'ACE_BLADE']).default('ACE4710'),
  /** ACE module only: chassis slot and chassis address. */
  slot: z.number().int().min(1).max(16).optional(),
  chassis_ip: z.string().min(1).optional(),
  /** Contexts ANM has imported. An Admin sync adds the user contexts it finds. */
  contexts: z
    .array(
      z
        .string()
        .min(1)
        .max(64)
        .regex(/^[A-Za-z0-9_.-]+$/),
    )
    .default(['Admin']),
  /** How the simulator reaches the (simulated) ACE to fetch running-configs. */
  ssh: z
    .strictObject({
      host: host.default('127.0.0.1'),
      port: port.default(22),
      username: z.string().min(1).default('admin'),
      password: z.string().min(1).optional(),
      password_env: envName.optional(),
      host_key_sha256: z
        .string()
        .regex(/^SHA256:[A-Za-z0-9+/=]+$/)
        .optional(),
    })
    .prefault({}),
});

export const simAnmConfigSchema = z.strictObject({
  listen: z.strictObject({ host: host.default('127.0.0.1'), port: port.default(0) }).prefault({}),
  /** Control API (behaviour switches, state) on its own port, so it still answers while ANM is "down". */
  control: z.strictObject({ host: host.default('127.0.0.1'), port: port.default(0) }).prefault({}),
  tls: z
    .strictObject({
      enabled: z.boolean().default(false),
      /** PEM files; when absent a self-signed certificate is minted at start. */
      cert_file: z.string().min(1).optional(),
      key_file: z.string().min(1).optional(),
      /** Write the certificate a client must trust here (use it as anm.ca_file). */
      ca_out_file: z.string().min(1).optional(),
    })
    .refine((t) => (t.cert_file === undefined) === (t.key_file === undefined), {
      message: 'give both cert_file and key_file, or neither',
    })
    .prefault({}),
  users: z
    .array(simUserSchema)
    .min(1)
    .default([{ username: 'admin', password: 'admin' }]),
  /** Session lifetime of SOAP tokens and web sessions (ANM's idle timeout). */
  token_ttl_ms: ms.min(1).default(30 * 60_000),
  /** Spelling of the DeviceID address field in responses: ipAddr (4.1 XSD) or ipAddress (5.1 docs). */
  ip_field: z.enum(['ipAddr', 'ipAddress']).default('ipAddr'),
  /** Deadline of one running-config fetch over SSH. */
  fetch_timeout_ms: ms.min(100).default(60_000),
  devices: z.array(simDeviceSchema).default([]),
});

export type SimAnmConfig = z.output<typeof simAnmConfigSchema>;
export type SimDeviceConfig = z.output<typeof simDeviceSchema>;

/** Parse and validate a simulator config file; problems come back with file/line. */
export function loadSimAnmConfig(file: string): SimAnmConfig {
  if (!existsSync(file)) throw new FileProblemsError('ACESYNC_CONFIG_NOT_FOUND', [{ file, message: 'no such file' }]);
  return parseSimAnmConfig(readFileSync(file, 'utf8'), file);
}

export function parseSimAnmConfig(text: string, file = '(sim anm config)'): SimAnmConfig {
  const src = parseYaml(file, text, 'ACESYNC_CONFIG_INVALID');
  const parsed = simAnmConfigSchema.safeParse(src.value ?? {});
  if (!parsed.success) throw new FileProblemsError('ACESYNC_CONFIG_INVALID', zodProblems(src, parsed.error));
  const names = new Set<string>();
  parsed.data.devices.forEach((d, i) => {
    if (names.has(d.name))
      throw new FileProblemsError('ACESYNC_CONFIG_INVALID', [
        {
          file,
          ...src.locate(['devices', i, 'name']),
          path: `devices[${i}].name`,
          message: `device '${d.name}' is listed twice`,
        },
      ]);
    names.add(d.name);
  });
  return parsed.data;
}

/** A password from the literal or the environment variable; throws naming the key when unset. */
export function simSecret(
  s: { password?: string | undefined; password_env?: string | undefined },
  env: NodeJS.ProcessEnv,
  what: string,
): string | undefined {
  if (s.password !== undefined) return s.password;
  if (s.password_env === undefined) return undefined;
  const v = env[s.password_env];
  if (v === undefined || v === '')
    throw new FileProblemsError('ACESYNC_CONFIG_SECRET_MISSING', [
      { file: '(sim anm config)', path: what, message: `environment variable ${s.password_env} is not set` },
    ]);
  return v;
}
