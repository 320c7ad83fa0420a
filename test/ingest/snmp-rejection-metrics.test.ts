/**
 * SNMPv3 rejections reach /metrics as `acesync_snmp_rejections_total{reason}` (all sources together; the
 * per-source detail stays in the rate-limited log): the service in process (buildApp) with real sockets, and
 * Debian's real `snmptrap -v3` with an unknown user and with a wrong authentication key.
 */
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type App } from '../../src/app/app.js';
import { configSchema } from '../../src/config/schema.js';
import { haveTool } from '../helpers/tools.js';
import { freeTcpPort, freeUdpPort, until } from '../helpers/wait.js';
import { RULES, TempDirs } from '../reliability/helpers.js';
import { snmpTool } from './snmp-tools.js';

const KEYS = { ACESYNC_T_SHA_AUTH: 'sha-auth-key-metrics' };
const dirs = new TempDirs();
let app: App | undefined;
let snmpPort: number;
let httpPort: number;
const logs: Array<Record<string, unknown>> = [];

async function metrics(): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${httpPort}/metrics`);
  expect(res.status).toBe(200);
  return res.text();
}
const sample = (body: string, series: string): number => {
  const line = body.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? 0 : Number(line.slice(series.length + 1));
};

beforeAll(async () => {
  const dir = dirs.make('acesync-snmp-metrics-');
  snmpPort = await freeUdpPort();
  httpPort = await freeTcpPort();
  const config = configSchema.parse({
    rules: RULES,
    store: { path: `${dir}/acesync.db` },
    http: { host: '127.0.0.1', port: httpPort },
    poller: { enabled: false },
    syslog: { udp: { enabled: false }, tcp: { enabled: false } },
    snmp: {
      host: '127.0.0.1',
      port: snmpPort,
      users: [{ name: 'shauser', level: 'authNoPriv', auth_protocol: 'sha', auth_key_env: 'ACESYNC_T_SHA_AUTH' }],
    },
    devices: [
      { name: 'ace-a', host: '10.0.0.1', peer: 'ace-b', sources: ['127.0.0.1'], contexts: [] },
      { name: 'ace-b', host: '10.0.0.2', peer: 'ace-a' },
    ],
  });
  const logger = pino(
    { level: 'info' },
    { write: (l: string) => void logs.push(JSON.parse(l) as Record<string, unknown>) },
  );
  app = buildApp({ loaded: { config, baseDir: dir }, env: { ...process.env, ...KEYS }, logger });
  await app.start();
}, 30_000);
afterAll(async () => {
  await app?.stop();
  dirs.removeAll();
});

describe.runIf(haveTool('snmptrap', 'snmp'))('SNMP rejections in /metrics', () => {
  it('an unknown user and a wrong auth key are counted per reason, without a source label', async () => {
    const before = await metrics();
    expect(before).toContain('# TYPE acesync_snmp_rejections_total counter');
    const target = `udp:127.0.0.1:${snmpPort}`;
    const trap = ['', '1.3.6.1.6.3.1.1.5.1'];
    const wrongUser = await snmpTool('snmptrap', ['-v', '3', '-l', 'noAuthNoPriv', '-u', 'mallory', target, ...trap]);
    expect(wrongUser.code).toBe(0);
    await until(
      'the unknown user counted',
      async () => sample(await metrics(), 'acesync_snmp_rejections_total{reason="unknown-user"}') >= 1,
    );
    const wrongAuth = await snmpTool('snmptrap', [
      ...['-v', '3', '-l', 'authNoPriv', '-u', 'shauser', '-a', 'SHA', '-A', 'not-the-sha-key', target],
      ...trap,
    ]);
    expect(wrongAuth.code).toBe(0);
    await until(
      'the bad digest counted',
      async () => sample(await metrics(), 'acesync_snmp_rejections_total{reason="bad-digest"}') >= 1,
    );
    const body = await metrics();
    expect(sample(body, 'acesync_snmp_rejections_total{reason="unknown-user"}')).toBe(1);
    expect(sample(body, 'acesync_snmp_rejections_total{reason="bad-digest"}')).toBe(1);
    const series = body.split('\n').filter((l) => l.startsWith('acesync_snmp_rejections_total{'));
    for (const l of series) expect(l).toMatch(/^acesync_snmp_rejections_total\{reason="[a-z-]+"\} \d+$/);
    // The right key is not rejected: nothing more is counted.
    const good = await snmpTool('snmptrap', [
      ...['-v', '3', '-l', 'authNoPriv', '-u', 'shauser', '-a', 'SHA', '-A', KEYS.ACESYNC_T_SHA_AUTH, target],
      ...trap,
    ]);
    expect(good.code).toBe(0);
    await until('the good trap received', () => app!.counters.total('accepted') >= 1);
    const after = await metrics();
    expect(series.length).toBeGreaterThanOrEqual(2);
    expect(sample(after, 'acesync_snmp_rejections_total{reason="bad-digest"}')).toBe(1);
    expect(sample(after, 'acesync_snmp_rejections_total{reason="unknown-user"}')).toBe(1);
    // The log still names the source and reason (once per source and minute: the first one), the metric does not.
    const logged = logs.filter((l) => l.msg === 'SNMP notification rejected');
    expect(logged.map((l) => [l.source, l.reason])).toEqual([['127.0.0.1', 'unknown-user']]);
  }, 60_000);
});
