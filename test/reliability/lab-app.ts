/**
 * acesync in-process (buildApp) against the simulated lab (src/demo/lab.ts: an ACE HA pair
 * and ANM on loopback, http upload strategy), with its log lines captured so a test can
 * see what an operator would read (breaker transitions, retries). The configuration can
 * be edited before the app is built (extra devices, a proxy in front of a device's SSH).
 */
import { join } from 'node:path';
import { pino } from 'pino';
import { buildApp, type App } from '../../src/app/app.js';
import { configSchema } from '../../src/config/schema.js';
import { startLab, type Lab, type LabOptions } from '../../src/demo/lab.js';
import { normaliseRunningConfig } from '../../src/parse/cli/running-config.js';
import { freeUdpPort, RULES, TempDirs, until } from './helpers.js';

export const LAB_DEVICES = ['ace-a', 'ace-b'] as const;

export interface LabApp {
  lab: Lab;
  app: App;
  dir: string;
  /** Log lines of the app, parsed. */
  logs: Array<Record<string, unknown>>;
  /** Contexts of both lab devices, Admin included. */
  targets: Array<{ device: string; context: string }>;
  syncOf(device: string, context: string): string | undefined;
  /** ANM's copy equals the device's running-config (normalised as acesync normalises it). */
  anmHolds(device: string, context: string): boolean;
  /** Successful uploads ANM recorded for a context since `since` (ms epoch). */
  uploads(device: string, context: string, since?: number): number;
  /** Every lab context in-sync in the store and held by ANM. */
  allInSync(): boolean;
  /** The id of the newest job (0 when none). */
  lastJobId(): number;
  stop(): Promise<void>;
}

export interface LabAppOptions {
  timings?: LabOptions['timings'];
  overrides?: Record<string, unknown>;
  /** Edit the configuration object (what a YAML file would hold) before it is validated. */
  editConfig?(config: Record<string, unknown>, lab: Lab): void | Promise<void>;
  /** Wait for the seed procedure (every context uploaded once and in-sync). Default true. */
  seed?: boolean;
}

export const FAST_TIMINGS: NonNullable<LabOptions['timings']> = {
  // First audits are spread over min(interval, 30 s) after start: keep the seed quick.
  auditIntervalMs: 4_000,
  fastIntervalMs: 1_000,
  settleMs: 200,
  jobBackoffMs: 200,
  breakerFailures: 2,
  breakerResetMs: 1_000,
  tickMs: 50,
};

export async function startLabApp(dirs: TempDirs, o: LabAppOptions = {}): Promise<LabApp> {
  const dir = dirs.make('acesync-rel-lab-');
  const lab = await startLab({
    syslogPort: await freeUdpPort(),
    snmpPort: await freeUdpPort(),
    snmpEnabled: false,
    httpEnabled: false,
    storePath: join(dir, 'acesync.db'),
    rulesPath: RULES,
    baseDir: dir,
    timings: { ...FAST_TIMINGS, ...o.timings },
    logLevel: 'info',
    ...(o.overrides ? { overrides: o.overrides } : {}),
  });
  let app: App | undefined;
  try {
    const obj = structuredClone(lab.configObject);
    await o.editConfig?.(obj, lab);
    const logs: Array<Record<string, unknown>> = [];
    const logger = pino(
      { level: 'info' },
      {
        write(line: string) {
          if (logs.length < 50_000) logs.push(JSON.parse(line) as Record<string, unknown>);
        },
      },
    );
    app = buildApp({ loaded: { config: configSchema.parse(obj), baseDir: dir }, env: lab.env, logger });
    await app.start();
    const a = app;
    const targets = LAB_DEVICES.flatMap((device) => ['Admin', ...lab.contexts].map((context) => ({ device, context })));
    const h: LabApp = {
      lab,
      app: a,
      dir,
      logs,
      targets,
      syncOf: (d, c) => a.store.context(d, c)?.sync,
      anmHolds(d, c) {
        const copy = lab.anm.copy(d, c);
        return (
          copy !== undefined &&
          normaliseRunningConfig(copy.config) === normaliseRunningConfig(lab.ace.getRunningConfig(d, c))
        );
      },
      uploads: (d, c, since = 0) =>
        lab.anm.state.history.filter((r) => r.ok && r.device === d && r.context === c && r.at >= since).length,
      allInSync: () =>
        targets.every((t) => h.syncOf(t.device, t.context) === 'in-sync' && h.anmHolds(t.device, t.context)),
      lastJobId: () => a.jobs.list({ limit: 1 })[0]?.id ?? 0,
      async stop() {
        await a.stop().catch(() => undefined);
        await lab.stop();
      },
    };
    if (o.seed !== false)
      await until('the seed procedure: every context uploaded and in-sync', () => h.allInSync(), 30_000);
    return h;
  } catch (err) {
    await app?.stop().catch(() => undefined);
    await lab.stop();
    throw err;
  }
}
