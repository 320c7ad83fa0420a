/**
 * `acesync discover`: log into each ACE's Admin context, work out pairs, FT groups, source
 * addresses and logging hosts, optionally ask ANM what it knows, and print (or write) a
 * commented acesync.yaml that `acesync start --config` accepts as it is, plus a report of
 * what could not be decided (stderr). A device that cannot be reached is a report line, not
 * an abort. Secrets come only from environment variables or files and are never printed.
 *
 * Exit: 0 all devices read (and ANM answered, when asked); 1 something could not be read
 * (the config still covers the rest); 2 usage, a missing secret, or --write onto an
 * existing file without --force.
 */
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, resolve, basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { markAnmKnowledge } from '../anm/discovery-marks.js';
import { createAnmClient } from '../anm/connect.js';
import type { DeviceId } from '../anm/soap-client.js';
import { validateConfig } from '../config/load.js';
import { renderDiscoveredConfig, type DiscoveredConfig } from '../config/render-yaml.js';
import { anmSchema } from '../config/sections/anm.js';
import { envName, port } from '../config/sections/common.js';
import { parseYaml, zodProblems } from '../config/yaml-source.js';
import { AcesyncError, EXIT, FileProblemsError } from '../core/errors.js';
import { analyseDiscovery, type ReportLine } from '../devices/discovery/analyse.js';
import { collectAll, type DiscoveryTarget } from '../devices/discovery/collect.js';
import type { Parsed } from './args.js';

export const HELP = `usage: acesync discover --ssh USER@HOST[:PORT] [--ssh ...] (--password-env VAR | --password-file FILE)
                        [--legacy-algorithms] [--devices FILE]
                        [--anm-url URL --anm-user USER --anm-password-env VAR [--anm-ca-file PEM | --anm-insecure]]
                        [--write FILE [--force]] [--connect-timeout-ms N]

Logs into the Admin context of each ACE, reads show context, show ft group detail, show ft peer
detail and every context's running-config, and prints a commented acesync.yaml (stdout, or
--write FILE; an existing file is kept unless --force). What it could not decide goes to stderr.

  --ssh USER@HOST[:PORT]   an ACE management address (repeat for each device; port 22 by default)
  --password-env VAR       environment variable holding the SSH password (written as password_env)
  --password-file FILE     file holding the SSH password (written as password_file)
  --legacy-algorithms      offer old SSH algorithms (diffie-hellman-group1, 3des, hmac-sha1)
  --devices FILE           YAML list of many devices:
                             password_env: ACE_PASSWORD        # default for all
                             devices:
                               - ssh: admin@192.0.2.1
                               - { ssh: "admin@192.0.2.2:2222", legacy_algorithms: true }
  --anm-url URL ...        also ask ANM (SOAP listDeviceIds) which contexts it knows
  --write FILE [--force]   write the configuration instead of printing it
Exit: 0 everything read, 1 something could not be read (reported), 2 usage or a missing secret.
`;

const sshTarget = z
  .string()
  .regex(/^[^@\s]+@(?:\[[0-9A-Fa-f:.]+\]|[^:\s[\]]+)(?::\d{1,5})?$/, 'expected USER@HOST[:PORT]');

const devicesFileSchema = z.strictObject({
  password_env: envName.optional(),
  password_file: z.string().min(1).optional(),
  legacy_algorithms: z.boolean().default(false),
  devices: z
    .array(
      z.strictObject({
        ssh: sshTarget,
        password_env: envName.optional(),
        password_file: z.string().min(1).optional(),
        legacy_algorithms: z.boolean().optional(),
      }),
    )
    .min(1),
});

interface TargetSpec {
  spec: string;
  passwordEnv?: string;
  passwordFile?: string;
  legacy: boolean;
}

const usage = (msg: string): AcesyncError => new AcesyncError('ACESYNC_USAGE', msg);

/** `user@host[:port]`, `user@[v6]:port`. */
export function parseSshTarget(spec: string): { username: string; host: string; port: number } {
  if (!sshTarget.safeParse(spec).success) throw usage(`--ssh '${spec.slice(0, 80)}': expected USER@HOST[:PORT]`);
  const at = spec.lastIndexOf('@');
  const username = spec.slice(0, at);
  let rest = spec.slice(at + 1);
  let p = 22;
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(rest);
  if (v6) {
    rest = v6[1]!;
    if (v6[2] !== undefined) p = Number(v6[2]);
  } else {
    const m = /^(.*):(\d+)$/.exec(rest);
    if (m) {
      rest = m[1]!;
      p = Number(m[2]);
    }
  }
  if (!port.safeParse(p).success || p === 0) throw usage(`--ssh '${spec.slice(0, 80)}': port ${p} is out of range`);
  return { username, host: rest, port: p };
}

function readSecret(t: TargetSpec, env: NodeJS.ProcessEnv): string {
  if (t.passwordEnv !== undefined) {
    const v = env[t.passwordEnv];
    if (v === undefined || v === '')
      throw usage(`environment variable ${t.passwordEnv} is not set (it must hold the SSH password)`);
    return v;
  }
  if (t.passwordFile !== undefined) {
    try {
      return readFileSync(t.passwordFile, 'utf8').replace(/\r?\n$/, '');
    } catch {
      throw usage(`cannot read password file ${t.passwordFile}`);
    }
  }
  throw usage(`--ssh ${t.spec}: give --password-env VAR or --password-file FILE`);
}

function loadDevicesFile(file: string): TargetSpec[] {
  if (!existsSync(file)) throw new FileProblemsError('ACESYNC_CONFIG_NOT_FOUND', [{ file, message: 'no such file' }]);
  const src = parseYaml(file, readFileSync(file, 'utf8'), 'ACESYNC_CONFIG_INVALID');
  const parsed = devicesFileSchema.safeParse(src.value ?? {});
  if (!parsed.success) throw new FileProblemsError('ACESYNC_CONFIG_INVALID', zodProblems(src, parsed.error));
  const base = dirname(resolve(file));
  return parsed.data.devices.map((d) => {
    const pwFile = d.password_file ?? (d.password_env === undefined ? parsed.data.password_file : undefined);
    const pwEnv = d.password_env ?? (d.password_file === undefined ? parsed.data.password_env : undefined);
    return {
      spec: d.ssh,
      ...(pwEnv !== undefined ? { passwordEnv: pwEnv } : {}),
      ...(pwFile !== undefined ? { passwordFile: resolve(base, pwFile) } : {}),
      legacy: d.legacy_algorithms ?? parsed.data.legacy_algorithms,
    };
  });
}

function formatLine(l: { level: string; device?: string; context?: string; text: string }): string {
  const where = [l.device, l.context].filter(Boolean).join('/');
  // Device-sourced text: one line, no control characters.
  const text = l.text.replace(/[\u0000-\u001f\u007f]+/g, ' ');
  return `${l.level.toUpperCase().padEnd(5)} ${where ? where + ': ' : ''}${text}`;
}

async function askAnm(
  values: { 'anm-url'?: string; 'anm-user'?: string; 'anm-password-env'?: string; 'anm-ca-file'?: string },
  insecure: boolean,
  env: NodeJS.ProcessEnv,
): Promise<DeviceId[]> {
  const parsed = anmSchema.safeParse({
    enabled: true,
    url: values['anm-url'],
    username: values['anm-user'],
    password_env: values['anm-password-env'],
    ...(values['anm-ca-file'] !== undefined ? { ca_file: resolve(values['anm-ca-file']) } : {}),
    insecure,
  });
  if (!parsed.success)
    throw usage(
      `ANM settings: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'anm'}: ${i.message}`).join('; ')}`,
    );
  const client = createAnmClient(parsed.data, { env });
  if (!client) throw usage('--anm-url needs --anm-user and --anm-password-env');
  try {
    let ids = await client.listDeviceIds('VIRTUAL_CONTEXT');
    if (ids.length === 0) {
      // Some ANMs may answer only per ACE: ask each appliance/module for its contexts.
      const aces = [...(await client.listDeviceIds('ACE4710')), ...(await client.listDeviceIds('ACE_BLADE'))];
      ids = [];
      for (const a of aces.slice(0, 500)) ids.push(...(await client.listVirtualContexts(a)));
    }
    return ids;
  } finally {
    await client.close().catch(() => undefined);
  }
}

/** Write next to the target and rename, so a reader never sees half a file. */
function writeAtomically(file: string, text: string): void {
  const tmp = join(dirname(file), `.${basename(file)}.${process.pid}.tmp`);
  try {
    writeFileSync(tmp, text, { mode: 0o640, flag: 'wx' });
    renameSync(tmp, file);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}

export async function main(args: Parsed, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const values = args.all() as {
    ssh: string[];
    'password-env'?: string;
    'password-file'?: string;
    'legacy-algorithms': boolean;
    devices?: string;
    'anm-url'?: string;
    'anm-user'?: string;
    'anm-password-env'?: string;
    'anm-ca-file'?: string;
    'anm-insecure': boolean;
    write?: string;
    force: boolean;
    'connect-timeout-ms'?: string;
    help?: boolean;
  };
  if (values.help) {
    process.stdout.write(HELP);
    return EXIT.OK;
  }
  if (values['password-env'] !== undefined && values['password-file'] !== undefined)
    throw usage('give one of --password-env or --password-file');
  if (values['password-env'] !== undefined && !envName.safeParse(values['password-env']).success)
    throw usage(`--password-env '${values['password-env']}' is not an environment variable name`);
  const anmAsked = ['anm-url', 'anm-user', 'anm-password-env'].filter(
    (k) => values[k as 'anm-url' | 'anm-user' | 'anm-password-env'] !== undefined,
  );
  if (anmAsked.length > 0 && anmAsked.length < 3)
    throw usage('ANM needs all three of --anm-url, --anm-user and --anm-password-env');
  const timeout = values['connect-timeout-ms'] !== undefined ? Number(values['connect-timeout-ms']) : 10_000;
  if (!Number.isInteger(timeout) || timeout < 100) throw usage('--connect-timeout-ms expects milliseconds (>= 100)');

  const specs: TargetSpec[] = (values.ssh ?? []).map((spec) => ({
    spec,
    ...(values['password-env'] !== undefined ? { passwordEnv: values['password-env'] } : {}),
    ...(values['password-file'] !== undefined ? { passwordFile: resolve(values['password-file']) } : {}),
    legacy: values['legacy-algorithms'],
  }));
  if (values.devices !== undefined) specs.push(...loadDevicesFile(resolve(values.devices)));
  if (specs.length === 0) throw usage(`nothing to discover: give --ssh USER@HOST or --devices FILE\n\n${HELP}`);

  const out = values.write !== undefined ? resolve(values.write) : undefined;
  if (out !== undefined && existsSync(out) && !values.force)
    throw usage(`${out} exists: not overwritten (add --force to replace it)`);

  // Resolve every secret before connecting anywhere, so a typo fails fast.
  const targets: DiscoveryTarget[] = specs.map((s) => ({
    ...parseSshTarget(s.spec),
    password: readSecret(s, env),
    legacyAlgorithms: s.legacy,
  }));
  if (anmAsked.length === 3) {
    const v = env[values['anm-password-env']!];
    if (v === undefined || v === '')
      throw usage(`environment variable ${values['anm-password-env']} is not set (it must hold the ANM password)`);
  }

  const snaps = await collectAll(targets, { connectTimeoutMs: timeout, commandTimeoutMs: Math.max(timeout, 30_000) });
  // The same password source for every device is the common case; a per-device one is written per device.
  const sameEnv = new Set(specs.map((s) => s.passwordEnv ?? `file:${s.passwordFile}`)).size === 1;
  const rules = fileURLToPath(new URL('../../rules', import.meta.url));
  const analysis = analyseDiscovery(snaps, {
    ...(sameEnv && specs[0]!.passwordEnv !== undefined ? { passwordEnv: specs[0]!.passwordEnv } : {}),
    ...(sameEnv && specs[0]!.passwordFile !== undefined ? { passwordFile: specs[0]!.passwordFile } : {}),
    ...(existsSync(rules) ? { rules } : {}),
    ...(anmAsked.length === 3
      ? {
          anm: {
            url: values['anm-url']!,
            username: values['anm-user']!,
            password_env: values['anm-password-env']!,
            ...(values['anm-ca-file'] !== undefined ? { ca_file: resolve(values['anm-ca-file']) } : {}),
            ...(values['anm-insecure'] ? { insecure: true } : {}),
          },
        }
      : {}),
    now: new Date(),
  });
  const cfg: DiscoveredConfig = analysis.config;
  if (!sameEnv) {
    // Per-device secrets: put each device's own source back.
    cfg.devices.forEach((d) => {
      const i = snaps.findIndex((s) => s.ok && s.target.host === d.host && s.target.port === d.ssh.port);
      const s = specs[i];
      if (s?.passwordEnv !== undefined) d.ssh.password_env = s.passwordEnv;
      if (s?.passwordFile !== undefined) d.ssh.password_file = s.passwordFile;
    });
  }
  const report: Array<ReportLine | { level: string; device?: string; context?: string; text: string }> = [
    ...analysis.report,
  ];
  let anmFailed = false;
  if (anmAsked.length === 3) {
    try {
      report.push(...markAnmKnowledge(cfg, await askAnm(values, values['anm-insecure'], env)));
    } catch (err) {
      if (err instanceof AcesyncError && err.code === 'ACESYNC_USAGE') throw err;
      anmFailed = true;
      const msg = (err instanceof Error ? err.message : String(err)).slice(0, 300);
      report.push({ level: 'error', device: 'ANM', text: `${msg}; contexts were not checked against ANM` });
      cfg.unresolved.push(`ANM could not be asked (${msg}): run acesync anm check once the service is configured`);
    }
  }

  const readCount = snaps.filter((s) => s.ok).length;
  const deviceFailed = readCount < snaps.length;
  for (const l of report) process.stderr.write(formatLine(l) + '\n');
  process.stderr.write(
    `discover: ${readCount} of ${snaps.length} devices read, ${cfg.devices.reduce((n, d) => n + d.contexts.length, 0)} contexts, ` +
      `${cfg.unresolved.length} item(s) to review\n`,
  );
  if (readCount === 0) {
    process.stderr.write('discover: no device could be read: no configuration written\n');
    return EXIT.FAILURE;
  }
  const text = renderDiscoveredConfig(cfg);
  // The file must load as it is: check it with the real schema before anyone sees it.
  try {
    validateConfig(parseYaml(out ?? '(discovered)', text, 'ACESYNC_CONFIG_INVALID'));
  } catch (err) {
    process.stderr.write(`discover: internal error, the generated configuration does not validate:\n${String(err)}\n`);
    return EXIT.FAILURE;
  }
  if (out !== undefined) {
    if (existsSync(out) && !values.force) throw usage(`${out} appeared meanwhile: not overwritten (add --force)`);
    writeAtomically(out, text);
    process.stderr.write(`discover: wrote ${out}; review it, then: acesync start --config ${out}\n`);
  } else process.stdout.write(text);
  return deviceFailed || anmFailed ? EXIT.FAILURE : EXIT.OK;
}
