/**
 * `acesync anm check [--config FILE] [--context DEVICE/CONTEXT] [--sync]`: check the
 * configured ANM in order (TLS, SOAP login, inventory, contexts ANM does not know, and with
 * --sync one real upload and a re-audit). Exit 0 only when every step asked for worked,
 * 1 when a check failed, 2 for usage or configuration problems.
 */
import { checkPassed, runAnmCheck, type CheckStep } from '../anm/check.js';
import { AcesyncError, EXIT } from '../core/errors.js';
import type { Parsed } from './args.js';
import { resolveConfig } from './config-arg.js';

export const HELP = `usage: acesync anm check [--config FILE] [--context DEVICE/CONTEXT] [--sync]

Checks the ANM of the configuration, step by step: TLS (certificate, anm.ca_file/insecure),
SOAP login, listDeviceIds/listVirtualContexts, the configured contexts ANM does not know, and
with --sync (needs --context) one real upload through anm.strategy followed by a re-audit of
the context over SSH. Each failed step says what to change.
Exit: 0 every step asked for worked, 1 a check failed, 2 usage or configuration.
`;

const usage = (m: string): AcesyncError => new AcesyncError('ACESYNC_USAGE', m);

export function formatStep(s: CheckStep): string {
  const mark = { ok: 'ok  ', warn: 'WARN', fail: 'FAIL', skip: 'skip' }[s.status];
  const one = (t: string): string => t.replace(/[\u0000-\u001f\u007f]+/g, ' ');
  return `${mark} ${s.step.padEnd(19)} ${one(s.detail)}${s.fix ? `\n     ${''.padEnd(19)} -> ${one(s.fix)}` : ''}`;
}

export async function main(args: Parsed, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const values = args.all() as { config?: string; context?: string; sync: boolean; help?: boolean };
  if (values.help) {
    process.stdout.write(HELP);
    return EXIT.OK;
  }
  const loaded = resolveConfig(values.config);
  if (loaded.embedded) throw usage(`no configuration: give --config FILE (or run in the folder of acesync.yaml)`);
  const cfg = loaded.config;
  const where = loaded.file ?? '(config)';
  if (!cfg.anm.enabled) throw usage(`${where}: anm.enabled is false: nothing to check`);
  for (const k of ['url', 'username', 'password_env'] as const)
    if (cfg.anm[k] === undefined)
      throw usage(`${where}: anm.${k} is not set; the check needs url, username and password_env`);
  let context: { device: string; context: string } | undefined;
  if (values.context !== undefined) {
    const m = /^([^/]+)\/([^/]+)$/.exec(values.context);
    if (!m) throw usage(`--context expects DEVICE/CONTEXT, e.g. ace-a/VC_WEB`);
    const dev = cfg.devices.find((d) => d.name === m[1]);
    if (!dev) throw usage(`--context: no device '${m[1]}' in ${where}`);
    if (m[2] !== 'Admin' && !dev.contexts.some((c) => c.name === m[2]))
      throw usage(`--context: device ${m[1]} has no context '${m[2]}' in ${where}`);
    context = { device: m[1]!, context: m[2]! };
  }
  if (values.sync && !context) throw usage('--sync uploads one context: give --context DEVICE/CONTEXT');
  let steps: CheckStep[];
  try {
    steps = await runAnmCheck({
      config: cfg,
      baseDir: loaded.baseDir,
      env,
      sync: values.sync,
      ...(context ? { context } : {}),
    });
  } catch (err) {
    // Reading anm.ca_file or a secret failed: that is the configuration's.
    if (err instanceof AcesyncError && /^ACESYNC_CONFIG/.test(err.code)) throw usage(`${where}: ${err.message}`);
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw usage(`${where}: ${(err as Error).message}`);
    throw err;
  }
  for (const s of steps) process.stdout.write(formatStep(s) + '\n');
  const ok = checkPassed(steps);
  process.stdout.write(ok ? 'anm check: passed\n' : 'anm check: FAILED (see the first FAIL above)\n');
  return ok ? EXIT.OK : EXIT.FAILURE;
}
