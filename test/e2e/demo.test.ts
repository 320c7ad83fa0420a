/**
 * The newcomer path: `acesync demo` (what `npm start` runs) starts the built-in
 * demo (simulated ACE pair + simulated ANM in process, loopback only), and
 * `acesync demo change|failover|silence-logging|status` drive it from another process.
 * The built CLI runs as child processes (`npm test` builds dist/ first); the demo's
 * fixed ports are moved to free ones through ACESYNC_DEMO_*_PORT so the test never
 * collides with a demo someone is running.
 */
import { createSocket, type Socket } from 'node:dgram';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StoreReader } from '../../src/store/reader.js';
import { runCli, startCli, waitStarted, type Running } from '../helpers/cli.js';
import { freeTcpPort, freeUdpPort, until } from '../helpers/wait.js';

const DEVICES = ['ace-a', 'ace-b'] as const;
const CONTEXTS = ['Admin', 'VC_WEB', 'VC_APP'] as const;

interface DemoFile {
  pid: number;
  url: string;
  password: string;
  devices: Array<{ name: string; host: string; port: number }>;
  anm: { url: string; controlUrl: string };
  syslog: { host: string; port: number };
  store: string;
}

describe('the built-in demo (acesync demo)', () => {
  let cwd: string;
  let env: NodeJS.ProcessEnv;
  let demo: Running | undefined;
  let state: DemoFile;
  let reader: StoreReader;
  const sync = (d: string, c: string): string | undefined => reader.context(d, c)?.sync;
  const states = (d: string, c: string, sinceId: number): string[] =>
    reader
      .decisions(d, c, 1000)
      .filter((x) => x.kind === 'state' && x.id > sinceId)
      .map((x) => x.to!);
  const lastDecision = (): number =>
    (reader.db.prepare('SELECT MAX(id) AS n FROM decisions').get() as { n: number | null }).n ?? 0;
  const anmCopy = async (d: string, c: string): Promise<{ config: string } | undefined> => {
    const res = await fetch(`${state.anm.controlUrl}/copy?device=${d}&context=${c}`, {
      signal: AbortSignal.timeout(5_000),
    });
    return res.status === 200 ? ((await res.json()) as { config: string }) : undefined;
  };
  const demoCmd = (args: string[]) => runCli(['demo', ...args], { cwd, env, timeoutMs: 20_000 });

  beforeAll(async () => {
    cwd = mkdtempSync(join(tmpdir(), 'acesync-demo-'));
    env = {
      ACESYNC_DEMO_SYSLOG_PORT: String(await freeUdpPort()),
      ACESYNC_DEMO_SNMP_PORT: String(await freeUdpPort()),
      ACESYNC_DEMO_HTTP_PORT: String(await freeTcpPort()),
    };
    demo = startCli(['demo'], { cwd, env });
    await waitStarted(demo, 20_000);
    await until('the start message', () => demo!.stdout.some((l) => l.startsWith('Open http://127.0.0.1:')));
    state = JSON.parse(readFileSync(join(cwd, 'data', 'demo.json'), 'utf8')) as DemoFile;
    reader = StoreReader.open(state.store);
  }, 40_000);

  afterAll(async () => {
    reader?.close();
    await demo?.stop('SIGKILL');
    if (cwd) rmSync(cwd, { recursive: true, force: true });
  });

  it(
    'starts the simulators on loopback, says where to look and what to try, and seeds ANM',
    { timeout: 30_000 },
    async () => {
      const text = demo!.stdout.join('\n');
      expect(text).toContain(`Open http://127.0.0.1:${env.ACESYNC_DEMO_HTTP_PORT}`);
      for (const cmd of ['acesync demo change', 'acesync demo failover', 'acesync demo silence-logging'])
        expect(text).toContain(cmd);
      expect(text).toMatch(/no-baseline -> stale -> uploaded -> in-sync/);
      // Loopback only: acesync's listeners, the simulated devices and ANM.
      const started = await demo!.waitForLog((l) => l.msg === 'acesync started');
      const listeners = started.listeners as Array<{ address: string; port: number }>;
      expect(listeners.length).toBeGreaterThanOrEqual(3);
      for (const l of listeners) expect(l.address).toBe('127.0.0.1');
      for (const d of state.devices) expect(d.host).toMatch(/^127\./);
      expect(new URL(state.anm.url).hostname).toBe('127.0.0.1');
      // The state file holds the demo-only password: owner-only.
      expect(statSync(join(cwd, 'data', 'demo.json')).mode & 0o777).toBe(0o600);
      expect(state.store).toBe(join(cwd, 'data', 'demo.db'));

      // The seed procedure: every context of both peers uploaded to ANM and confirmed.
      await until(
        'every context in-sync',
        () => DEVICES.every((d) => CONTEXTS.every((c) => sync(d, c) === 'in-sync')),
        25_000,
      );
      for (const d of DEVICES) for (const c of CONTEXTS) expect(await anmCopy(d, c)).toBeDefined();
      for (const d of DEVICES) {
        const seed = reader.decisions(d, 'VC_APP', 100).filter((x) => x.kind === 'state');
        expect(seed[0]).toMatchObject({ to: 'stale', reason: expect.stringMatching(/^audit: no-baseline/) });
        expect(seed.map((x) => x.to)).toContain('syncing');
        expect(seed.at(-1)!.to).toBe('in-sync');
      }
      // The same through the page's API.
      const res = await fetch(`${state.url}/api/v1/contexts`, { signal: AbortSignal.timeout(5_000) });
      expect(res.status).toBe(200);
      const items = ((await res.json()) as { items: Array<{ device: string; context: string; sync: string }> }).items;
      expect(
        items
          .filter((i) => i.sync === 'in-sync')
          .map((i) => `${i.device}/${i.context}`)
          .sort(),
      ).toEqual(DEVICES.flatMap((d) => CONTEXTS.map((c) => `${d}/${c}`)).sort());
    },
  );

  it(
    'acesync demo change: a change on the active, replicated; both peers suspect -> stale -> uploaded -> in-sync',
    { timeout: 30_000 },
    async () => {
      const mark = lastDecision();
      const r = await demoCmd(['change']);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/Typed on ace-a \(active of FT group 2\), context VC_WEB/);
      const name = /rserver host (DEMO-[A-Z0-9]+)/.exec(r.stdout)![1]!;
      await until('VC_WEB uploaded and in-sync on both peers', async () => {
        for (const d of DEVICES)
          if (sync(d, 'VC_WEB') !== 'in-sync' || !(await anmCopy(d, 'VC_WEB'))?.config.includes(`rserver host ${name}`))
            return false;
        return true;
      });
      for (const d of DEVICES) {
        const path = states(d, 'VC_WEB', mark);
        expect(path.slice(0, 3)).toEqual(['suspect', 'stale', 'syncing']);
        expect(path.at(-1)).toBe('in-sync');
      }
    },
  );

  it(
    "acesync demo failover: ft switchover; the group's context suspect on both peers, re-audited, in-sync",
    { timeout: 30_000 },
    async () => {
      const mark = lastDecision();
      const r = await demoCmd(['failover']);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('Typed on ace-a (Admin): ft switchover 2');
      await until(
        'acesync knows ace-b is active for group 2',
        () => reader.role('ace-b', 2)?.role === 'ACTIVE' && reader.role('ace-a', 2)?.role === 'STANDBY_HOT',
      );
      await until('VC_WEB suspect on both peers', () =>
        DEVICES.every((d) => states(d, 'VC_WEB', mark).includes('suspect')),
      );
      await until(
        'VC_WEB audited and in-sync again on both peers',
        () => DEVICES.every((d) => states(d, 'VC_WEB', mark).at(-1) === 'in-sync'),
        25_000,
      );
      for (const d of DEVICES) {
        expect(states(d, 'VC_WEB', mark)).toEqual(['suspect', 'in-sync']);
        const audited = reader.db
          .prepare(
            "SELECT COUNT(*) AS n FROM jobs WHERE type = 'audit' AND state = 'done' AND device = ? AND context = 'VC_WEB' AND payload LIKE '%changed state to%'",
          )
          .get(d) as { n: number };
        expect(audited.n).toBeGreaterThanOrEqual(1);
      }
    },
  );

  it(
    "acesync demo silence-logging: 'no logging host' on the standby; an alert at once, fast polling",
    { timeout: 30_000 },
    async () => {
      const r = await demoCmd(['silence-logging']);
      expect(r.code).toBe(0);
      // After the failover above, ace-a is VC_WEB's standby.
      expect(r.stdout).toContain(
        `Typed on ace-a (standby of FT group 2), context VC_WEB: no logging host ${state.syslog.host}`,
      );
      await until('the logging-silenced alert', () =>
        reader.db
          .prepare(
            "SELECT id FROM jobs WHERE type = 'alert' AND dedupe = 'logging-silenced' AND device = 'ace-a' AND context = 'VC_WEB'",
          )
          .get(),
      );
      const cadence = reader.db.prepare("SELECT mode FROM poll_cadence WHERE device = 'ace-a'").get() as
        { mode: string } | undefined;
      expect(cadence?.mode).toBe('fast');
      // The removal is a change of the standby's configuration too: uploaded.
      await until(
        'ANM holds ace-a/VC_WEB without the logging host',
        async () =>
          sync('ace-a', 'VC_WEB') === 'in-sync' && !(await anmCopy('ace-a', 'VC_WEB'))?.config.includes('logging host'),
      );
    },
  );

  it(
    "acesync demo status prints states, FT roles and ANM's copies; no command prints the demo password",
    { timeout: 30_000 },
    async () => {
      const r = await demoCmd(['status']);
      expect(r.code).toBe(0);
      for (const d of DEVICES)
        for (const c of CONTEXTS)
          expect(r.stdout).toMatch(new RegExp(`^${d}\\s+${c}\\s+(ACTIVE|STANDBY_\\w+)\\s+in-sync\\s`, 'm'));
      expect(r.stdout).toMatch(/ANM uploads so far: \d+ ok/);
      const all = [r.stdout, r.stderr, ...demo!.stdout, ...demo!.stderr].join('\n');
      expect(all).not.toContain(state.password);
    },
  );

  it('a second demo in the same folder is refused', { timeout: 20_000 }, async () => {
    const r = await runCli(['demo'], { cwd, env, timeoutMs: 15_000 });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`a demo is already running in this folder (pid ${state.pid}`);
  });

  it('after the demo stops, `acesync demo ...` exits 1 and says no demo is running', { timeout: 30_000 }, async () => {
    expect(await demo!.stop('SIGTERM')).toBe(0);
    demo = undefined;
    expect(existsSync(join(cwd, 'data', 'demo.json'))).toBe(false);
    for (const sub of ['change', 'failover', 'silence-logging', 'status']) {
      const r = await demoCmd([sub]);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/no demo is running here/);
      expect(r.stdout).toBe('');
    }
  });
});

describe('the demo and busy ports', () => {
  let held: Socket | undefined;
  let cwd: string | undefined;
  afterAll(async () => {
    if (held) await new Promise<void>((r) => held!.close(() => r()));
    if (cwd) rmSync(cwd, { recursive: true, force: true });
  });

  it(
    'fails with a clear message when its syslog port is taken, and leaves nothing behind',
    { timeout: 20_000 },
    async () => {
      cwd = mkdtempSync(join(tmpdir(), 'acesync-demo-busy-'));
      const sock = createSocket('udp4');
      held = sock;
      await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
      const port = sock.address().port;
      const r = await runCli(['demo'], {
        cwd,
        env: {
          ACESYNC_DEMO_SYSLOG_PORT: String(port),
          ACESYNC_DEMO_SNMP_PORT: String(await freeUdpPort()),
          ACESYNC_DEMO_HTTP_PORT: String(await freeTcpPort()),
        },
        timeoutMs: 15_000,
      });
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`127.0.0.1:${port}/udp`);
      expect(r.stderr).toMatch(/already in use/);
      expect(existsSync(join(cwd, 'data', 'demo.json'))).toBe(false);
    },
  );
});
