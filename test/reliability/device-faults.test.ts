/**
 * Devices that misbehave on SSH, with acesync in-process against the simulated lab:
 *
 * - a device that accepts TCP and never says a word (a raw net server where its SSH
 *   should be): its audits time out and are retried with backoff, while the healthy pair
 *   is audited, seeded into ANM and confirmed in-sync meanwhile;
 * - a device that drops the session in the middle of `show running-config` (a TCP proxy
 *   in front of its SSH server cuts both sides once the big context's configuration is
 *   flowing): the audit reports an error for that context, the context stays suspect, a
 *   later audit reads it whole, and the change that was being audited still reaches ANM.
 */
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { DEMO_ACE_PASSWORD_ENV } from '../../src/demo/config.js';
import { TempDirs, until } from './helpers.js';
import { LAB_DEVICES, startLabApp, type LabApp } from './lab-app.js';

const dirs = new TempDirs();
const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
  dirs.removeAll();
});

/** A server that accepts connections and never answers (an SSH daemon wedged before its banner). */
async function silentServer(host: string): Promise<{ port: number; accepted: () => number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  let accepted = 0;
  const srv: Server = createServer((s) => {
    accepted++;
    sockets.add(s);
    s.on('error', () => undefined);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => srv.listen(0, host, () => r()));
  return {
    port: (srv.address() as { port: number }).port,
    accepted: () => accepted,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        srv.close(() => r());
      }),
  };
}

/**
 * A TCP proxy that can be armed to cut, once, every connection through it after `bytes`
 * more bytes came from the server: the device hanging up in the middle of its output.
 */
async function cuttingProxy(listenHost: string, upstream: { host: string; port: number }) {
  const pairs = new Set<[Socket, Socket]>();
  let armed: { bytes: number; seen: number } | undefined;
  let cuts = 0;
  const srv = createServer((client) => {
    const server = createConnection({ host: upstream.host, port: upstream.port });
    const pair: [Socket, Socket] = [client, server];
    pairs.add(pair);
    const end = (): void => {
      client.destroy();
      server.destroy();
      pairs.delete(pair);
    };
    client.on('error', end).on('close', end);
    server.on('error', end).on('close', end);
    client.on('data', (c: Buffer) => server.write(c));
    server.on('data', (c: Buffer) => {
      if (armed) {
        armed.seen += c.length;
        if (armed.seen > armed.bytes) {
          armed = undefined;
          cuts++;
          // Cut the whole stream at once, mid-output, both sides.
          for (const [a, b] of [...pairs]) {
            a.destroy();
            b.destroy();
          }
          return;
        }
      }
      client.write(c);
    });
  });
  await new Promise<void>((r) => srv.listen(0, listenHost, () => r()));
  return {
    port: (srv.address() as { port: number }).port,
    arm(bytes: number): void {
      armed = { bytes, seen: 0 };
    },
    cuts: () => cuts,
    close: () =>
      new Promise<void>((r) => {
        for (const [a, b] of pairs) {
          a.destroy();
          b.destroy();
        }
        srv.close(() => r());
      }),
  };
}

/**
 * The audit results the rules saw for a context, oldest first, with the audit-result rules
 * they matched (the stored body of a result carrying a big configuration keeps its outcome
 * and hash but not the configuration; the rule that matched is the record of what followed).
 */
function auditResults(
  h: LabApp,
  device: string,
  context: string,
): Array<{ id: number; error?: string; rules: string[] }> {
  const db = h.app.store.db;
  const rows = db
    .prepare("SELECT id, body FROM events WHERE kind = 'audit-result' AND device = ? AND context = ? ORDER BY id")
    .all(device, context) as Array<{ id: number; body: string }>;
  const matched = db.prepare(
    "SELECT rule FROM decisions WHERE event_id = ? AND kind = 'match' AND rule LIKE 'audit-%' ORDER BY id",
  );
  return rows.map((r) => {
    const e = JSON.parse(r.body) as { error?: string };
    return {
      id: r.id,
      ...(e.error !== undefined ? { error: e.error } : {}),
      rules: (matched.all(r.id) as Array<{ rule: string }>).map((m) => m.rule),
    };
  });
}
const failed = (r: { rules: string[] }): boolean => r.rules.includes('audit-failed');

describe('devices that misbehave on SSH', () => {
  it(
    'a device that accepts TCP and never answers: its audits time out and are retried; the others complete',
    { timeout: 60_000 },
    async () => {
      const hung = await silentServer('127.0.0.1');
      cleanups.push(() => hung.close());
      const h = await startLabApp(dirs, {
        editConfig(cfg, lab) {
          const devices = cfg.devices as Array<Record<string, unknown>>;
          devices.push({
            name: 'ace-hung',
            host: '127.0.0.1',
            contexts: [{ name: 'VC_HUNG', sources: ['127.0.60.1'] }],
            ssh: {
              port: hung.port,
              username: 'admin',
              password_env: DEMO_ACE_PASSWORD_ENV,
              host_key_sha256: lab.ace.endpoint('ace-a').hostKeySha256,
              connect_timeout_ms: 800,
              command_timeout_ms: 800,
            },
          });
        },
      });
      cleanups.push(() => h.stop());
      // startLabApp returned: the pair was seeded into ANM and confirmed in-sync while the hung device was being tried.
      expect(h.allInSync()).toBe(true);
      await until(
        'two failed audits of the hung device, reported to the rules',
        () => auditResults(h, 'ace-hung', 'VC_HUNG').length >= 2,
        30_000,
      );
      const jobs = h.app.jobs.list({ type: 'audit', device: 'ace-hung', limit: 100 });
      expect(hung.accepted()).toBeGreaterThanOrEqual(2);
      for (const j of jobs.filter((x) => x.lastError)) expect(j.lastError).toMatch(/timed out|within \d+ ms|timeout/i);
      // Still being retried (backoff), not given up.
      expect(jobs.some((j) => j.state === 'pending' || j.state === 'running')).toBe(true);
      // Each attempt reported an error the rules saw; the context is not claimed to be in sync.
      const results = auditResults(h, 'ace-hung', 'VC_HUNG');
      expect(results.length).toBeGreaterThanOrEqual(2);
      expect(results.every((r) => failed(r) && /within \d+ ms|timed out|timeout/i.test(r.error ?? ''))).toBe(true);
      expect(h.syncOf('ace-hung', 'VC_HUNG')).not.toBe('in-sync');
      // The healthy devices' audits all completed.
      for (const d of LAB_DEVICES)
        expect(h.app.jobs.list({ type: 'audit', device: d, limit: 100 }).filter((j) => j.state === 'failed')).toEqual(
          [],
        );
    },
  );

  it(
    'a device that drops the session in the middle of show running-config: audit error, retried later, the change still uploaded',
    // Under load a scheduled audit may find the change before the one the rules ask for, whose upload
    // job is then made while the first upload runs; that second job must confirm, not upload again
    // (the stored audit keeps its hash although VC_APP's configuration is too big to store with it).
    { timeout: 60_000 },
    async () => {
      let proxy: Awaited<ReturnType<typeof cuttingProxy>> | undefined;
      const BULK = Array.from(
        { length: 3000 },
        (_, i) => `rserver host BULK-${i}\n  ip address 10.${100 + (i >> 8)}.${i & 255}.9\n  inservice`,
      ).join('\n');
      const h = await startLabApp(dirs, {
        // Periodic audits every few seconds: the way an audit that failed is tried again.
        timings: { auditIntervalMs: 2_500 },
        async editConfig(cfg, lab) {
          // VC_APP holds ~150 KB on both peers, so its running-config is what is flowing when the cut comes.
          for (const d of LAB_DEVICES)
            lab.ace.setRunningConfig(d, 'VC_APP', `${lab.ace.getRunningConfig(d, 'VC_APP')}\n${BULK}\n`);
          const ep = lab.ace.endpoint('ace-b');
          proxy = await cuttingProxy(ep.host, { host: ep.host, port: ep.port });
          const devices = cfg.devices as Array<{ name: string; ssh: Record<string, unknown> }>;
          devices.find((d) => d.name === 'ace-b')!.ssh.port = proxy.port;
        },
      });
      cleanups.push(async () => {
        await h.stop();
        await proxy?.close();
      });
      const { app, lab } = h;
      expect(lab.anm.copy('ace-b', 'VC_APP')!.config).toContain('rserver host BULK-2999');
      const before = auditResults(h, 'ace-b', 'VC_APP').at(-1)?.id ?? 0;
      const t0 = Date.now();
      // The next 40 KB from ace-b's SSH server: well inside VC_APP's configuration.
      proxy!.arm(40_000);
      lab.ace.configure('ace-a', 'VC_APP', ['rserver host CUT-1', '  ip address 10.99.0.1', '  inservice']);
      await until('the session to ace-b cut', () => proxy!.cuts() === 1, 20_000);
      await until(
        'an audit error for ace-b/VC_APP, then the change uploaded and confirmed on both peers',
        () =>
          auditResults(h, 'ace-b', 'VC_APP').some((r) => r.id > before && failed(r)) &&
          LAB_DEVICES.every((d) => h.syncOf(d, 'VC_APP') === 'in-sync' && h.anmHolds(d, 'VC_APP')),
        30_000,
      );
      const after = auditResults(h, 'ace-b', 'VC_APP').filter((r) => r.id > before);
      const firstError = after.findIndex(failed);
      expect(after[firstError]!.error).toMatch(/closed|reset|ended|EPIPE/i);
      // Audited again after the error, and this time read whole: found stale, then confirmed.
      const later = after.slice(firstError + 1).flatMap((r) => r.rules);
      expect(later).toContain('audit-finds-stale');
      expect(later).toContain('audit-confirms-in-sync');
      expect(lab.anm.copy('ace-b', 'VC_APP')!.config).toContain('rserver host CUT-1');
      expect(lab.anm.copy('ace-b', 'VC_APP')!.config).toContain('rserver host BULK-2999');
      // Uploaded once per peer for the one change.
      for (const d of LAB_DEVICES) expect(h.uploads(d, 'VC_APP', t0)).toBe(1);
      expect(app.jobs.list({ type: 'audit', device: 'ace-b', state: 'failed', limit: 100 })).toEqual([]);
    },
  );
});
