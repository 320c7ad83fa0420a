import { describe, expect, it } from 'vitest';
import net from 'node:net';
import { once } from 'node:events';
import { silentLogger } from '../../src/core/log.js';
import { Poller, type ConfigRef } from '../../src/devices/poller.js';
import { MemoryKnownHosts } from '../../src/devices/known-hosts.js';
import { hashRunningConfig } from '../../src/parse/cli/running-config.js';
import { buildPolling } from '../../src/devices/index.js';
import { ManualClock } from '../../src/core/clock.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Store } from '../../src/store/store.js';
import { StoreKnownHosts } from '../../src/store/known-hosts.js';
import type {
  AceEvent,
  AuditResultData,
  CryptoParityData,
  FtStatusData,
  LoggingDriftData,
} from '../../src/core/events.js';
import { acesyncConfig, ENV, inventoryOf, pairLab } from './fixture.js';

const lab = pairLab();

/** ANM's copy = what the device holds now (as if just uploaded). */
function anmCopies(): Map<string, ConfigRef> {
  const m = new Map<string, ConfigRef>();
  for (const d of ['ace-a', 'ace-b'])
    for (const c of ['Admin', 'C1', 'C2']) m.set(`${d}/${c}`, hashRunningConfig(lab.sim.getRunningConfig(d, c)));
  return m;
}

function poller(
  extra: Partial<ConstructorParameters<typeof Poller>[0]> = {},
  over: Parameters<typeof acesyncConfig>[1] = {},
): Poller {
  const cfg = acesyncConfig(lab.sim, over);
  return new Poller({ poller: cfg.poller, inventory: inventoryOf(cfg), logger: silentLogger, env: ENV, ...extra });
}

const of = <T>(events: AceEvent[], kind: string, device: string, context?: string): Array<AceEvent & { data: T }> =>
  events.filter(
    (e) => e.kind === kind && e.device === device && (context === undefined || e.context === context),
  ) as Array<AceEvent & { data: T }>;

describe('Poller against the simulator (real SSH on loopback)', () => {
  it('confirms in-sync contexts over one reused session, and reports FT roles', async () => {
    const anm = anmCopies();
    const p = poller({ baseline: (d, c) => anm.get(`${d}/${c}`) });
    try {
      const events = await p.auditDevice('ace-a');
      const audits = of<AuditResultData>(events, 'audit-result', 'ace-a');
      expect(audits.map((e) => e.context).sort()).toEqual(['Admin', 'C1', 'C2']);
      for (const a of audits) {
        expect(a.data.outcome).toBe('in-sync');
        expect(a.transport).toBe('poll');
        expect(typeof a.receivedAt).toBe('number');
        expect(a.data.hash).toMatch(/^[0-9a-f]{64}$/);
      }
      // Three contexts, one SSH session.
      expect(p.sessionsOpened).toBe(1);
      const ft = of<FtStatusData>(events, 'ft-status', 'ace-a');
      expect(ft.map((e) => [e.ftGroup, e.data.myState, e.data.peerState]).sort()).toEqual([
        [1, 'ACTIVE', 'STANDBY_HOT'],
        [2, 'ACTIVE', 'STANDBY_HOT'],
        [3, 'ACTIVE', 'STANDBY_HOT'],
      ]);
      expect(ft.find((e) => e.ftGroup === 2)?.context).toBe('C1');
    } finally {
      await p.close();
    }
  });

  it("detects drift made behind ANM's back, with a diff against the stored version", async () => {
    const anm = anmCopies();
    const stored = new Map(anm);
    const p = poller({ baseline: (d, c) => anm.get(`${d}/${c}`), previous: (d, c) => stored.get(`${d}/${c}`) });
    try {
      lab.sim.configure('ace-a', 'C1', ['rserver host WEB2', '  ip address 10.10.20.12', '  inservice']);
      const events = await p.auditDevice('ace-a', { contexts: ['C1', 'C2'], jobId: 42 });
      const c1 = of<AuditResultData>(events, 'audit-result', 'ace-a', 'C1')[0]!;
      expect(c1.data.outcome).toBe('differs');
      expect(c1.data.anmHash).toBe(anm.get('ace-a/C1')!.hash);
      expect(c1.data.hash).not.toBe(c1.data.anmHash);
      expect(c1.data.jobId).toBe(42);
      expect(c1.data.diff).toContain('+rserver host WEB2');
      expect(c1.data.diff).toContain('+  ip address 10.10.20.12');
      expect(of<AuditResultData>(events, 'audit-result', 'ace-a', 'C2')[0]!.data.outcome).toBe('in-sync');
      // Targeted audit: no discovery, Admin not audited.
      expect(of(events, 'audit-result', 'ace-a', 'Admin')).toHaveLength(0);
      // Auto-sync replicated the change: the standby differs from ANM's copy too.
      const b = await p.auditDevice('ace-b', { contexts: ['C1'] });
      expect(of<AuditResultData>(b, 'audit-result', 'ace-b', 'C1')[0]!.data.outcome).toBe('differs');
    } finally {
      await p.close();
    }
  });

  it("reports no-baseline when ANM's copy is unknown", async () => {
    const p = poller();
    try {
      const events = await p.auditDevice('ace-b', { contexts: ['C2'] });
      expect(of<AuditResultData>(events, 'audit-result', 'ace-b', 'C2')[0]!.data.outcome).toBe('no-baseline');
    } finally {
      await p.close();
    }
  });

  it('detects logging removed on the standby (no syslog arrives), and reports when it is fixed', async () => {
    const p = poller();
    try {
      let events = await p.auditDevice('ace-b', { contexts: ['C1'] });
      // First look: a clean report (so alerts from before a restart can resolve).
      expect(of<LoggingDriftData>(events, 'logging-drift', 'ace-b', 'C1')[0]!.data.missing).toEqual([]);
      const before = lab.rx.got.length;
      // A change typed on the standby: its auto-sync does not run (not active).
      lab.sim.configure('ace-b', 'C1', ['no logging host 127.0.0.1', 'no logging message 111008']);
      await new Promise((r) => setTimeout(r, 200));
      expect(lab.rx.got.slice(before).filter((g) => g.text.includes('no logging message 111008'))).toHaveLength(0);
      events = await p.auditDevice('ace-b', { contexts: ['C1'] });
      const drift = of<LoggingDriftData>(events, 'logging-drift', 'ace-b', 'C1')[0]!;
      expect(drift.data.missing).toEqual(['logging host 127.0.0.1']);
      expect(drift.data.harmful).toEqual(['no logging message 111008']);
      expect(of<AuditResultData>(events, 'audit-result', 'ace-b', 'C1')[0]!.data.logging).toBe('incomplete');
      // The active is untouched.
      const a = await p.auditDevice('ace-a', { contexts: ['C1'] });
      expect(of<LoggingDriftData>(a, 'logging-drift', 'ace-a', 'C1')[0]!.data.missing).toEqual([]);
      // Fixed: one clean report, then silence.
      lab.sim.configure('ace-b', 'C1', ['logging host 127.0.0.1 udp/' + lab.rx.port, 'logging message 111008 level 5']);
      events = await p.auditDevice('ace-b', { contexts: ['C1'] });
      expect(of<LoggingDriftData>(events, 'logging-drift', 'ace-b', 'C1')[0]!.data.missing).toEqual([]);
      events = await p.auditDevice('ace-b', { contexts: ['C1'] });
      expect(of(events, 'logging-drift', 'ace-b', 'C1')).toHaveLength(0);
      // ...but every audit still says the logging is complete (logging-silenced alerts resolve on it).
      expect(of<AuditResultData>(events, 'audit-result', 'ace-b', 'C1')[0]!.data.logging).toBe('complete');
    } finally {
      await p.close();
    }
  });

  it('picks up failover roles as ha-state events', async () => {
    const p = poller();
    try {
      await p.auditDevice('ace-a', { contexts: [] });
      await p.auditDevice('ace-b', { contexts: [] });
      lab.sim.switchover(3);
      const a = await p.auditDevice('ace-a', { contexts: [] });
      const b = await p.auditDevice('ace-b', { contexts: [] });
      const ha = [...a, ...b].filter((e) => e.kind === 'ha-state');
      expect(ha.map((e) => [e.device, e.ftGroup, e.prevState, e.state, e.context])).toEqual([
        ['ace-a', 3, 'ACTIVE', 'STANDBY_HOT', 'C2'],
        ['ace-b', 3, 'STANDBY_HOT', 'ACTIVE', 'C2'],
      ]);
      expect(ha.every((e) => e.reason === 'observed by poller')).toBe(true);
      expect(p.ftState('ace-b', 3)).toBe('ACTIVE');
    } finally {
      lab.sim.switchover(3);
      await p.close();
    }
  });

  it('reports a certificate missing on the standby, with its config-sync error', async () => {
    lab.sim.addCryptoFile('ace-a', 'C1', { name: 'shop.crt', kind: 'cert' });
    lab.sim.addCryptoFile('ace-a', 'C1', { name: 'shop.key', kind: 'key', exportable: false });
    const key = lab.sim.cryptoFiles('ace-a', 'C1').find((f) => f.name === 'shop.key')!;
    lab.sim.addCryptoFile('ace-b', 'C1', { ...key });
    // The active's config now references the cert: replication fails on the standby.
    lab.sim.configure('ace-a', 'C1', ['ssl-proxy service SHOP', '  key shop.key', '  cert shop.crt']);
    expect(lab.sim.ftState('ace-b', 2).state).toBe('STANDBY_COLD');
    const p = poller();
    try {
      const events = await p.checkCrypto('ace-a', 'ace-b', ['C1', 'C2']);
      const a = of<CryptoParityData>(events, 'crypto-parity', 'ace-a', 'C1')[0]!;
      const b = of<CryptoParityData>(events, 'crypto-parity', 'ace-b', 'C1')[0]!;
      expect(a.data).toMatchObject({
        peer: 'ace-b',
        ok: false,
        missingOnPeer: ['shop.crt'],
        missingOnDevice: [],
        different: [],
      });
      expect(b.data).toMatchObject({ peer: 'ace-a', ok: false, missingOnDevice: ['shop.crt'], missingOnPeer: [] });
      expect(b.data.configErrors).toEqual(["`cert shop.crt`: Unable to locate the certificate file 'shop.crt'"]);
      expect(of<CryptoParityData>(events, 'crypto-parity', 'ace-a', 'C2')[0]!.data.ok).toBe(true);
      // The FT view shows the cold standby too.
      const ft = of<FtStatusData>(await p.auditDevice('ace-a', { contexts: [] }), 'ft-status', 'ace-a').find(
        (e) => e.ftGroup === 2,
      )!;
      expect(ft.data.peerState).toBe('STANDBY_COLD');
      expect(ft.data.runningSync).toMatch(/Peer in Cold State/);
      // Different content under the same name is caught by fingerprint.
      lab.sim.addCryptoFile('ace-b', 'C1', { name: 'shop.crt', kind: 'cert' });
      const again = await p.checkCrypto('ace-a', 'ace-b', ['C1']);
      expect(of<CryptoParityData>(again, 'crypto-parity', 'ace-a', 'C1')[0]!.data.different).toEqual(['shop.crt']);
    } finally {
      lab.sim.removeCryptoFile('ace-b', 'C1', 'shop.crt');
      lab.sim.addCryptoFile(
        'ace-b',
        'C1',
        lab.sim.cryptoFiles('ace-a', 'C1').find((f) => f.name === 'shop.crt')!,
      );
      expect(lab.sim.bulkSync(2)).toBe(true);
      expect(lab.sim.ftState('ace-b', 2).state).toBe('STANDBY_HOT');
      await p.close();
    }
  });

  it('discovers a context created in Admin that the inventory does not know (once)', async () => {
    const p = poller();
    try {
      lab.sim.configure('ace-a', 'Admin', ['context VC_NEW', '  allocate-interface vlan 300']);
      const events = await p.auditDevice('ace-a');
      const disc = events.filter((e) => e.kind === 'context-lifecycle');
      expect(disc.map((e) => [e.device, e.context, e.change])).toEqual([['ace-a', 'VC_NEW', 'discovered']]);
      // It is audited too, with no baseline.
      expect(of<AuditResultData>(events, 'audit-result', 'ace-a', 'VC_NEW')[0]!.data.outcome).toBe('no-baseline');
      // Replicated to the standby through Admin's auto-sync.
      expect((await p.discover('ace-b')).map((e) => e.context)).toEqual(['VC_NEW']);
      expect(await p.discover('ace-a')).toEqual([]);
    } finally {
      lab.sim.configure('ace-a', 'Admin', ['no context VC_NEW']);
      await p.close();
    }
  });

  it('reports a wrong password as an error without retrying it', async () => {
    const p = poller({ env: { SIM_PW: 'wrong' } }, { poller: { connect_attempts: 3 } });
    try {
      const events = await p.auditDevice('ace-a', { contexts: ['C1', 'C2'] });
      const audits = of<AuditResultData>(events, 'audit-result', 'ace-a');
      expect(audits).toHaveLength(2);
      for (const a of audits) {
        expect(a.data.outcome).toBe('error');
        expect(a.error).toMatch(/authentication failed/);
        expect(a.error).not.toContain('wrong');
      }
      expect(lab.sim.servers.get('ace-a')!.authFailures).toBeGreaterThan(0);
      expect(lab.sim.servers.get('ace-a')!.authFailures).toBeLessThan(4);
      // One failed open (auth is not retried), counted for acesync_device_ssh_failures_total.
      expect(p.sshFailures()).toEqual([{ device: 'ace-a', kind: 'auth', count: 1 }]);
      // The audits say the device was not reached; one device-level event names user, secret and fix.
      for (const a of audits) expect(a.data.stage).toBe('connect');
      const ssh = events.filter((e) => e.kind === 'ssh-failure');
      expect(ssh).toHaveLength(1);
      expect(ssh[0]).toMatchObject({ device: 'ace-a', data: { sshKind: 'auth', user: 'admin' } });
      expect(ssh[0]!.context).toBeUndefined();
      expect(ssh[0]!.data!.passwordEnv).toBe('SIM_PW');
      expect(ssh[0]!.data!.fix).toContain("check that user 'admin' exists on ace-a and that SIM_PW holds its password");
      expect(JSON.stringify(ssh)).not.toContain('wrong');
    } finally {
      await p.close();
    }
  });

  it('rejects a host key that does not match the pin', async () => {
    const p = poller(
      {},
      { ssh: { host_key_sha256: 'SHA256:' + Buffer.alloc(32, 7).toString('base64').replace(/=+$/, '') } },
    );
    try {
      const events = await p.auditDevice('ace-a', { contexts: ['C1'] });
      const a = of<AuditResultData>(events, 'audit-result', 'ace-a', 'C1')[0]!;
      expect(a.data.outcome).toBe('error');
      expect(a.error).toMatch(/does not match the pinned/);
      expect(p.sshFailures()).toEqual([{ device: 'ace-a', kind: 'hostkey', count: 1 }]);
    } finally {
      await p.close();
    }
  });

  it('trusts a host key on first use, records it, and rejects a changed key later', async () => {
    const known = new MemoryKnownHosts();
    const p = poller({ knownHosts: known }, { pin: false });
    try {
      const events = await p.auditDevice('ace-a', { contexts: ['C1'] });
      expect(of<AuditResultData>(events, 'audit-result', 'ace-a', 'C1')[0]!.data.outcome).not.toBe('error');
      expect(known.get('ace-a')).toBe(lab.sim.endpoint('ace-a').hostKeySha256);
      known.set('ace-a', lab.sim.endpoint('ace-b').hostKeySha256); // as if the device's key changed
      const again = await p.auditDevice('ace-a', { contexts: ['C1'] });
      expect(of<AuditResultData>(again, 'audit-result', 'ace-a', 'C1')[0]!.error).toMatch(/does not match/);
    } finally {
      await p.close();
    }
  });

  it('keeps first-use host keys in the database: after a restart a changed key is refused', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'acesync-knownhosts-'));
    const path = join(dir, 'state.db');
    const cfg = acesyncConfig(lab.sim, { pin: false });
    const open = (): Store =>
      Store.open({
        path,
        inventory: inventoryOf(cfg),
        clock: new ManualClock(),
        retention: cfg.store.retention,
        engine: cfg.engine,
      });
    let store = open();
    let p = poller({ knownHosts: new StoreKnownHosts(store.db, new ManualClock()) }, { pin: false });
    try {
      const events = await p.auditDevice('ace-a', { contexts: ['C1'] });
      expect(of<AuditResultData>(events, 'audit-result', 'ace-a', 'C1')[0]!.data.outcome).not.toBe('error');
    } finally {
      await p.close();
      store.close();
    }
    // "Restart": a new store on the same file; the device now presents another key.
    store = open();
    const known = new StoreKnownHosts(store.db, new ManualClock());
    expect(known.get('ace-a')).toBe(lab.sim.endpoint('ace-a').hostKeySha256);
    store.db
      .prepare('UPDATE known_hosts SET fingerprint = ? WHERE device = ?')
      .run(lab.sim.endpoint('ace-b').hostKeySha256, 'ace-a');
    p = poller({ knownHosts: known }, { pin: false });
    try {
      const again = await p.auditDevice('ace-a', { contexts: ['C1'] });
      expect(of<AuditResultData>(again, 'audit-result', 'ace-a', 'C1')[0]!.error).toMatch(/does not match/);
      // First use is recorded once: a later set() never replaces the recorded key.
      known.set('ace-a', 'SHA256:other');
      expect(known.get('ace-a')).toBe(lab.sim.endpoint('ace-b').hostKeySha256);
    } finally {
      await p.close();
      store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('times out a hung device without blocking the others', async () => {
    const sockets = new Set<net.Socket>();
    const hung = net.createServer((s) => {
      sockets.add(s); // accept, never answer
      s.on('error', () => undefined);
    });
    hung.listen(0, '127.0.0.1');
    await once(hung, 'listening');
    const port = (hung.address() as net.AddressInfo).port;
    const p = poller(
      {},
      {
        poller: { max_sessions: 2, connect_attempts: 2 },
        devices: [
          {
            name: 'ace-hung',
            host: '127.0.0.1',
            contexts: [{ name: 'C9' }],
            ssh: {
              port,
              username: 'admin',
              password_env: 'SIM_PW',
              host_key_sha256: lab.sim.endpoint('ace-a').hostKeySha256,
              connect_timeout_ms: 600,
              command_timeout_ms: 600,
            },
          },
        ],
      },
    );
    try {
      const order: string[] = [];
      const run = (d: string): Promise<AceEvent[]> =>
        p.auditDevice(d, { contexts: d === 'ace-hung' ? ['Admin', 'C9'] : ['C1'] }).then((e) => (order.push(d), e));
      const [h, a, b] = await Promise.all([run('ace-hung'), run('ace-a'), run('ace-b')]);
      expect(of<AuditResultData>(h, 'audit-result', 'ace-hung').map((e) => [e.context, e.data.outcome])).toEqual([
        ['Admin', 'error'],
        ['C9', 'error'],
      ]);
      expect(of<AuditResultData>(h, 'audit-result', 'ace-hung')[0]!.error).toMatch(/within 600 ms|timed out/);
      expect(of<AuditResultData>(a, 'audit-result', 'ace-a', 'C1')[0]!.data.outcome).not.toBe('error');
      expect(of<AuditResultData>(b, 'audit-result', 'ace-b', 'C1')[0]!.data.outcome).not.toBe('error');
      // The healthy devices finished before the hung one gave up (2 attempts x 600 ms + backoff).
      expect(order.indexOf('ace-hung')).toBe(2);
    } finally {
      await p.close();
      for (const s of sockets) s.destroy();
      hung.close();
    }
  });

  it('notes audit outcomes for the scheduler', async () => {
    const seen: Array<[string, boolean]> = [];
    const p = poller({ onAudit: (d, ok) => seen.push([d, ok]) });
    try {
      await p.auditDevice('ace-a', { contexts: ['C1'] });
      expect(seen).toEqual([['ace-a', true]]);
    } finally {
      await p.close();
    }
  });

  it('buildPolling wires audit outcomes into the scheduler', async () => {
    const clock = new ManualClock(Date.now());
    const config = acesyncConfig(lab.sim, { poller: { overdue_after_ms: 60_000 } });
    const asked: string[] = [];
    const emitted: AceEvent[] = [];
    const { poller: p, scheduler } = buildPolling({
      config,
      inventory: inventoryOf(config),
      logger: silentLogger,
      clock,
      env: ENV,
      requestAudit: (d) => asked.push(d),
      emit: (e) => emitted.push(e),
    });
    try {
      clock.advance(31_000);
      scheduler.tick();
      expect(asked.sort()).toEqual(['ace-a', 'ace-b']);
      await p.auditDevice('ace-a', { contexts: ['C1'] });
      expect(scheduler.status().find((x) => x.device === 'ace-a')!.lastSuccessAt).toBe(clock.now());
      clock.advance(45_000);
      scheduler.tick();
      expect(emitted.map((e) => [e.kind, e.device])).toEqual([['audit-overdue', 'ace-b']]);
    } finally {
      await p.close();
    }
  });
});
