/**
 * The built-in demo (`acesync demo`, what `npm start` runs): a simulated
 * ACE HA pair and a simulated ANM in this process, on loopback only, and the embedded
 * configuration that points acesync at them. Each start is fresh: the demo's own
 * database (./data/demo.db, never the default acesync.db) is recreated, because the
 * simulated ANM starts empty and an old database would claim copies it does not hold.
 */
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { BUNDLED_RULES, type App } from '../app/app.js';
import { PRIORITY } from '../core/events.js';
import { AcesyncError } from '../core/errors.js';
import type { Logger } from '../core/log.js';
import type { LoadedConfig } from '../config/load.js';
import { DEMO_TIMINGS } from './config.js';
import { startLab, type Lab } from './lab.js';
import { probePort, type PortProtocol } from './ports.js';
import { DEMO_CONTEXTS, DEMO_USER } from './spec.js';
import { demoStatePath, isAlive, readDemoState, removeDemoState, writeDemoState } from './state-file.js';

/** The demo's ports: acesync's defaults. Tests override them (ACESYNC_DEMO_*_PORT). */
export const DEMO_PORTS = { syslog: 5514, snmp: 5162, http: 8080 } as const;
export const DEMO_DB = 'demo.db';

export interface DemoOptions {
  /** Working directory: the demo keeps its files in `<cwd>/data`. */
  cwd: string;
  logger: Logger;
  /** Where port overrides are read (ACESYNC_DEMO_SYSLOG_PORT, _SNMP_PORT, _HTTP_PORT). Default process.env. */
  env?: NodeJS.ProcessEnv;
}

export interface RunningDemo {
  lab: Lab;
  loaded: LoadedConfig;
  /** Environment for buildApp: the demo's two password variables, set for this process only. */
  env: NodeJS.ProcessEnv;
  /** `./data/demo.json`. */
  stateFile: string;
  url: string;
  /** What to print once acesync is listening. */
  message(): string;
  stop(): Promise<void>;
}

function portFromEnv(env: NodeJS.ProcessEnv, name: string, dflt: number): number {
  const v = env[name];
  if (v === undefined || v === '') return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 65535)
    throw new AcesyncError('ACESYNC_USAGE', `${name} must be a port number (1-65535), got '${v.slice(0, 20)}'`);
  return n;
}

async function checkPorts(ports: Array<{ port: number; protocol: PortProtocol; what: string }>): Promise<void> {
  for (const p of ports) {
    const err = await probePort('127.0.0.1', p.port, p.protocol);
    if (err === undefined) continue;
    const why = err === 'EADDRINUSE' ? 'is already in use' : `cannot be bound (${err})`;
    throw new AcesyncError(
      'ACESYNC_LISTEN',
      `the demo needs ${p.what} on 127.0.0.1:${p.port}/${p.protocol}, which ${why}. Is another acesync or demo running? Stop it, or run acesync with a configuration file (--config FILE or ./acesync.yaml).`,
    );
  }
}

export async function startDemo(o: DemoOptions): Promise<RunningDemo> {
  const env = o.env ?? process.env;
  const dataDir = resolve(o.cwd, 'data');
  const stateFile = demoStatePath(dataDir);
  const other = readDemoState(stateFile);
  if (other && other.pid !== process.pid && isAlive(other.pid))
    throw new AcesyncError(
      'ACESYNC_LISTEN',
      `a demo is already running in this folder (pid ${other.pid}, since ${other.startedAt}); open ${other.url} or stop it first`,
    );
  const ports = {
    syslog: portFromEnv(env, 'ACESYNC_DEMO_SYSLOG_PORT', DEMO_PORTS.syslog),
    snmp: portFromEnv(env, 'ACESYNC_DEMO_SNMP_PORT', DEMO_PORTS.snmp),
    http: portFromEnv(env, 'ACESYNC_DEMO_HTTP_PORT', DEMO_PORTS.http),
  };
  await checkPorts([
    { port: ports.syslog, protocol: 'udp', what: 'the syslog port' },
    { port: ports.snmp, protocol: 'udp', what: 'the SNMP trap port' },
    { port: ports.http, protocol: 'tcp', what: 'the status page port' },
  ]);

  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const storePath = join(dataDir, DEMO_DB);
  for (const suffix of ['', '-wal', '-shm', '-journal'])
    if (existsSync(storePath + suffix)) rmSync(storePath + suffix, { force: true });

  const lab = await startLab({
    syslogPort: ports.syslog,
    snmpPort: ports.snmp,
    httpPort: ports.http,
    storePath,
    rulesPath: BUNDLED_RULES,
    baseDir: o.cwd,
    timings: DEMO_TIMINGS,
    logLevel: 'info',
    logger: o.logger.child({ component: 'demo' }, { level: 'warn' }),
  });
  const url = `http://127.0.0.1:${ports.http}`;
  try {
    writeDemoState(stateFile, {
      version: 1,
      pid: process.pid,
      startedAt: new Date().toISOString(),
      url,
      username: DEMO_USER,
      password: lab.secrets.acePassword,
      devices: lab.ace
        .endpoints()
        .map((e) => ({ name: e.device, host: e.host, port: e.port, hostKeySha256: e.hostKeySha256 })),
      contexts: ['Admin', ...lab.contexts],
      syslog: { host: '127.0.0.1', port: ports.syslog },
      snmp: { host: '127.0.0.1', port: ports.snmp },
      anm: { url: lab.anm.url, controlUrl: lab.anm.controlUrl },
      store: storePath,
    });
  } catch (err) {
    await lab.stop();
    throw new AcesyncError(
      'ACESYNC_STORE_OPEN',
      `cannot write the demo state file ${stateFile}: ${(err as Error).message}`,
    );
  }

  let stopped = false;
  return {
    lab,
    loaded: lab.loaded,
    env: lab.env,
    stateFile,
    url,
    message: () => demoMessage(url, lab, ports),
    async stop() {
      if (stopped) return;
      stopped = true;
      removeDemoState(stateFile);
      await lab.stop();
    },
  };
}

/** The start message: where to look, what happens first, what to try. No secrets. */
export function demoMessage(url: string, lab: Lab, ports: { syslog: number; snmp: number }): string {
  const [a, b] = lab.ace.endpoints();
  const ctx = lab.contexts.join(', ');
  const first = lab.contexts[0] ?? DEMO_CONTEXTS[0];
  return [
    '',
    'acesync demo: acesync runs against simulators on loopback (`acesync start` runs it for real).',
    `  ACE HA pair  ${a?.device} (active) ${a?.host}:${a?.port}, ${b?.device} (standby) ${b?.host}:${b?.port}; contexts Admin, ${ctx}`,
    `  ANM          ${lab.anm.url} (simulated; the 'http' upload strategy)`,
    `  acesync      syslog 127.0.0.1:${ports.syslog}/udp, SNMP traps 127.0.0.1:${ports.snmp}/udp, state in ./data/${DEMO_DB} (fresh each start)`,
    '',
    `Open ${url}`,
    '',
    'Watch first: ANM holds no copy of any context yet (the seed procedure of the HA guide).',
    'acesync audits both peers now; every context goes no-baseline -> stale -> uploaded -> in-sync.',
    '',
    'Then try, in another terminal in this folder:',
    `  acesync demo change            a change on the active's ${first}; auto-sync copies it to the standby:`,
    '                                 both peers go suspect -> stale -> uploaded -> in-sync',
    `  acesync demo failover          ft switchover of ${first}'s group: both peers suspect, re-audited`,
    `  acesync demo silence-logging   'no logging host' on the standby: an alert at once, fast polling (every ${DEMO_TIMINGS.fastIntervalMs / 1000} s)`,
    '  acesync demo status            states, FT roles and what ANM holds',
    '(From a git clone: npx acesync demo change, and so on. Ctrl-C stops the demo.)',
    ...(process.env.ACESYNC_TOKEN
      ? []
      : [
          "The page's buttons (resync now, acknowledge) need a token: start with ACESYNC_TOKEN=<a secret of yours> npm start.",
        ]),
    '',
  ].join('\n');
}

/**
 * Audit both devices now instead of waiting for the scheduler's first round (spread
 * over up to 30 s): the seed procedure starts the moment the page opens.
 */
export function auditEverythingNow(app: Pick<App, 'inventory' | 'jobs' | 'actions'>): void {
  for (const device of app.inventory.devices.keys())
    app.jobs.enqueue({
      type: 'audit',
      device,
      priority: PRIORITY.rule,
      payload: { reasons: ['demo start: audit every context (seed procedure)'] },
    });
  app.actions.runner.kick();
}
