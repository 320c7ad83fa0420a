/**
 * What a configuration reload applies to a running `acesync start` (the built CLI as a child process, a real
 * SIGHUP or `POST /api/v1/reload`, real sockets on loopback): the syslog UDP listener moved to a new port (the
 * old one closed, the new one receiving), a busy new port refused with the key named while the old port keeps
 * receiving, the log level, the engine's timer tick, and an ANM URL change taking effect on the next upload.
 */
import { createSocket, type Socket } from 'node:dgram';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { simAnmConfigSchema } from '../../src/sim/anm/config.js';
import { startAnmSimulator, type AnmSimulator } from '../../src/sim/anm/server.js';
import { StoreReader } from '../../src/store/reader.js';
import { fakeFetcher, ANM_PASSWORD, ANM_PW_ENV, ANM_USER } from '../anm/fixture.js';
import { startCli, waitStarted, type Running } from '../helpers/cli.js';
import { freeTcpPort, freeUdpPort, until } from '../helpers/wait.js';
import { tempDir } from '../engine/helpers.js';

const running: Running[] = [];
const sockets: Socket[] = [];
const sims: AnmSimulator[] = [];
afterEach(async () => {
  for (const r of running.splice(0)) if (r.child.exitCode === null) await r.stop('SIGKILL');
  for (const s of sockets.splice(0)) s.close();
  for (const s of sims.splice(0)) await s.close();
});

const TOKEN = 'reload-live-token-0123456789';
const ENV = { ACESYNC_T_TOKEN: TOKEN, [ANM_PW_ENV]: ANM_PASSWORD };

interface Opts {
  udpPort: number;
  level?: string;
  tickMs?: number;
  anm?: string;
  workers?: boolean;
  host?: string;
  sshPort?: number;
}

function yaml(o: Opts): string {
  return [
    `syslog: { udp: { host: 127.0.0.1, port: ${o.udpPort} }, tcp: { enabled: false } }`,
    'snmp: { enabled: false }',
    'http: { host: 127.0.0.1, port: 0, token_env: ACESYNC_T_TOKEN }',
    'poller: { enabled: false }',
    o.anm ?? 'anm: { enabled: false }',
    'store: { path: ./state.db }',
    `log: { level: ${o.level ?? 'info'} }`,
    `engine: { watch_rules: false, default_settle_ms: 200, tick_interval_ms: ${o.tickMs ?? 250}, ` +
      `jobs: { workers: ${o.workers ?? false} } }`,
    'devices:',
    `  - { name: ace-a, host: ${o.host ?? '192.0.2.1'}, ssh: { port: ${o.sshPort ?? 22} }, ` +
      'contexts: [{ name: VC_WEB, sources: [127.0.0.1] }] }',
    '',
  ].join('\n');
}

function send(port: number, marker: string): Promise<void> {
  const line = `<189>Mar  1 2026 10:00:00 ace-a: %ACE-5-111008: User 'admin' executed the 'rserver host ${marker}' command.`;
  const s = createSocket('udp4');
  return new Promise((res, rej) =>
    s.send(line, port, '127.0.0.1', (err) => {
      s.close();
      if (err) rej(err);
      else res();
    }),
  );
}

/** Sends until the event with `marker` is printed (UDP on loopback may drop under load). */
async function received(r: Running, port: number, marker: string): Promise<void> {
  await until(`event ${marker} on port ${port}`, async () => {
    await send(port, marker);
    return r.stdout.some((l) => l.includes(`rserver host ${marker}`));
  });
}

/** Bind `port` on 127.0.0.1 (exclusive): succeeds only when nobody else holds it. */
async function bindUdp(port: number): Promise<Socket> {
  const s = createSocket('udp4');
  await new Promise<void>((res, rej) => {
    s.once('error', rej);
    s.bind({ port, address: '127.0.0.1', exclusive: true }, () => res());
  });
  sockets.push(s);
  return s;
}

async function start(
  dir: string,
  o: Opts,
  extraArgs: string[] = [],
): Promise<{ r: Running; cfg: string; base: string }> {
  const cfg = join(dir, 'acesync.yaml');
  writeFileSync(cfg, yaml(o));
  const r = startCli(['start', '--config', cfg, '--print-events', ...extraArgs], { env: ENV });
  running.push(r);
  const listeners = await waitStarted(r);
  const http = listeners.find((l) => l.transport === 'http')!;
  return { r, cfg, base: `http://127.0.0.1:${http.port}` };
}

async function apiReload(base: string): Promise<Record<string, unknown>> {
  const res = await fetch(`${base}/api/v1/reload`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` } });
  return (await res.json()) as Record<string, unknown>;
}

describe('acesync start: a reload applies changes to the running service', () => {
  it(
    'SIGHUP moves the syslog UDP listener; a busy new port is refused naming the key and the old port keeps receiving',
    { timeout: 90_000 },
    async () => {
      const dir = tempDir('acesync-reload-live-');
      const [a, b] = [await freeUdpPort(), await freeUdpPort()];
      const { r, cfg } = await start(dir, { udpPort: a });
      await received(r, a, 'm1');

      // 1. Port a -> b by a real SIGHUP: b receives, a is closed (another socket can bind it exclusively).
      writeFileSync(cfg, yaml({ udpPort: b }));
      r.child.kill('SIGHUP');
      const ok = await r.waitForLog((l) => l.msg === 'configuration reloaded');
      expect(ok).toMatchObject({ trigger: 'SIGHUP', listenersRebuilt: ['listener:syslog'], restartNeeded: [] });
      expect(ok.applied).toEqual(['syslog.udp.port']);
      await received(r, b, 'm2');
      await bindUdp(a);

      // 2. Port b -> c while c is busy: refused at the key, b still receives, the process keeps running.
      const c = await freeUdpPort();
      await bindUdp(c);
      writeFileSync(cfg, yaml({ udpPort: c }));
      r.child.kill('SIGHUP');
      const refused = await r.waitForLog(
        (l) => l.msg === 'configuration refused; the previous configuration keeps running',
      );
      const problems = JSON.stringify(refused.problems);
      expect(problems).toMatch(/acesync\.yaml:1:\d+ ACESYNC_LISTEN: syslog\.udp\.port: syslog UDP cannot bind/);
      expect(problems).toContain(`127.0.0.1:${c}`);
      await received(r, b, 'm3');
      expect(r.child.exitCode).toBeNull();
      expect(await r.stop('SIGTERM')).toBe(0);
    },
  );

  it('applies log.level and engine.tick_interval_ms live', { timeout: 90_000 }, async () => {
    const dir = tempDir('acesync-reload-level-');
    const port = await freeUdpPort();
    // The slowest tick allowed: a settle timer (200 ms) fires only at the next tick, a minute away.
    const { r, cfg, base } = await start(dir, { udpPort: port, tickMs: 60_000 });
    await received(r, port, 't1');
    const db = StoreReader.open(join(dir, 'state.db'));
    const audits = (): number =>
      (db.db.prepare("SELECT COUNT(*) AS n FROM jobs WHERE type = 'audit'").get() as { n: number }).n;
    try {
      await until('ace-a/VC_WEB suspect', () => db.context('ace-a', 'VC_WEB')?.sync === 'suspect');
      await new Promise((res) => setTimeout(res, 1000));
      expect(audits()).toBe(0);

      // The tick becomes 50 ms: the settle timer fires without another event.
      writeFileSync(cfg, yaml({ udpPort: port, tickMs: 50 }));
      r.child.kill('SIGHUP');
      const ok = await r.waitForLog((l) => l.msg === 'configuration reloaded');
      expect(ok.applied).toEqual(['engine.tick_interval_ms']);
      await until('the settled audit', () => audits() > 0);

      // log.level warn: the reload logger (a child made at start) stops logging info, keeps warning.
      writeFileSync(cfg, yaml({ udpPort: port, tickMs: 50, level: 'warn' }));
      const warn = await apiReload(base);
      expect(warn).toMatchObject({ ok: true, applied: ['log.level'] });
      writeFileSync(cfg, yaml({ udpPort: port, tickMs: 50, level: 'warn' }).replace('port: 0,', 'port: 1,'));
      const lines = r.stderr.length;
      expect(await apiReload(base)).toMatchObject({ ok: true, restartNeeded: ['http.port'] });
      await r.waitForLog((l) => l.key === 'http.port' && l.level === 'warn');
      expect(r.stderr.slice(lines).some((l) => l.includes('"configuration reloaded"'))).toBe(false);

      // Back to info: the info line is there again.
      writeFileSync(cfg, yaml({ udpPort: port, tickMs: 50, level: 'info' }).replace('port: 0,', 'port: 1,'));
      expect(await apiReload(base)).toMatchObject({ ok: true, applied: ['log.level'] });
      const back = await r.waitForLog((l) => l.msg === 'configuration reloaded' && l.trigger === 'api');
      expect(back.applied).toEqual(['log.level']);
    } finally {
      db.close();
    }
    expect(await r.stop('SIGTERM')).toBe(0);
  });

  it('--log-level wins over log.level at every reload', { timeout: 60_000 }, async () => {
    const dir = tempDir('acesync-reload-flag-');
    const port = await freeUdpPort();
    // The file says warn, the command line info: the start line is logged (info).
    const { r, cfg } = await start(dir, { udpPort: port, level: 'warn' }, ['--log-level', 'info']);
    // The file now says error: the flag still wins, so the reload's own info line is there.
    writeFileSync(cfg, yaml({ udpPort: port, level: 'error', tickMs: 200 }));
    r.child.kill('SIGHUP');
    const ok = await r.waitForLog((l) => l.msg === 'configuration reloaded');
    expect(ok.applied).toEqual(['engine.tick_interval_ms']);
    expect(await r.stop('SIGTERM')).toBe(0);
  });

  it('an anm.url change takes effect on the next upload', { timeout: 90_000 }, async () => {
    const simConfig = simAnmConfigSchema.parse({
      users: [{ username: ANM_USER, password: ANM_PASSWORD }],
      tls: { enabled: false },
      fetch_timeout_ms: 5_000,
      devices: [
        { name: 'ace-a', address: '127.0.0.5', contexts: ['Admin', 'VC_WEB'], ssh: { host: '127.0.0.5', port: 9 } },
      ],
    });
    const first = await startAnmSimulator({ config: simConfig, fetchRunningConfig: fakeFetcher() });
    const second = await startAnmSimulator({ config: simConfig, fetchRunningConfig: fakeFetcher() });
    sims.push(first, second);
    const anm = (url: string): string =>
      `anm: { enabled: true, url: "${url}", username: ${ANM_USER}, password_env: ${ANM_PW_ENV}, ` +
      'timeout_ms: 5000, strategy: { type: http, timeout_ms: 10000 } }';
    const dir = tempDir('acesync-reload-anm-');
    const port = await freeUdpPort();
    // SSH to a closed loopback port: the resync's audit fails at once; its upload goes to ANM.
    const sshPort = await freeTcpPort();
    const o = { udpPort: port, workers: true, host: '127.0.0.5', sshPort };
    const { r, cfg, base } = await start(dir, { ...o, anm: anm(first.url) });
    writeFileSync(cfg, yaml({ ...o, anm: anm(second.url) }));
    r.child.kill('SIGHUP');
    const ok = await r.waitForLog((l) => l.msg === 'configuration reloaded');
    expect(ok.applied).toEqual(['anm.url']);
    const res = await fetch(`${base}/api/v1/contexts/ace-a/VC_WEB/resync`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ note: 'reload test' }),
    });
    expect(res.status).toBe(202);
    await until('the upload reached the second ANM', () => second.copy('ace-a', 'VC_WEB'), 30_000);
    expect(first.copy('ace-a', 'VC_WEB')).toBeUndefined();
    expect(await r.stop('SIGTERM')).toBe(0);
  });
});
