import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '../../src/core/log.js';
import { AceSimulator } from '../../src/sim/ace/simulator.js';
import { Poller } from '../../src/devices/poller.js';
import { resolveCredentials } from '../../src/devices/credentials.js';
import type { AuditResultData } from '../../src/core/events.js';
import { acesyncConfig, ENV, inventoryOf, PASSWORD, pairSpec } from './fixture.js';

let sim: AceSimulator;

beforeAll(async () => {
  const spec = pairSpec(9);
  // Two more standalone devices, so four devices compete for sessions.
  for (const name of ['ace-c', 'ace-d'])
    spec.devices.push({
      name,
      users: [{ username: 'admin', password: PASSWORD }],
      contexts: [{ name: 'C1', config: 'rserver host X' }, { name: 'C2' }],
    });
  sim = await AceSimulator.start(spec);
});
afterAll(async () => {
  await sim?.stop();
});

describe('sessions', () => {
  it('never opens more than max_sessions at once, one per device, and reuses them across contexts', async () => {
    const cfg = acesyncConfig(sim, { poller: { max_sessions: 2, idle_close_ms: 5000 } });
    const p = new Poller({ poller: cfg.poller, inventory: inventoryOf(cfg), logger: silentLogger, env: ENV });
    sim.sessions.peak = sim.sessions.active;
    try {
      const devices = ['ace-a', 'ace-b', 'ace-c', 'ace-d'];
      // Two jobs per device at once: the second waits for the first (per-device lock).
      const all = await Promise.all([...devices, ...devices].map((d) => p.auditDevice(d, { contexts: ['C1', 'C2'] })));
      for (const events of all) {
        const audits = events.filter((e) => e.kind === 'audit-result');
        expect(audits.map((e) => (e.data as unknown as AuditResultData).outcome)).not.toContain('error');
      }
      expect(sim.sessions.peak).toBeLessThanOrEqual(2);
      // Slots are handed over when others wait, so sessions get reopened, but never per context.
      expect(p.sessionsOpened).toBeGreaterThanOrEqual(4);
      expect(p.sessionsOpened).toBeLessThanOrEqual(8);
    } finally {
      await p.close();
    }
  });

  it('reconnects with backoff when the device comes back during the attempts', async () => {
    const cfg = acesyncConfig(sim, { poller: { connect_attempts: 6, backoff_base_ms: 100, backoff_max_ms: 400 } });
    const p = new Poller({ poller: cfg.poller, inventory: inventoryOf(cfg), logger: silentLogger, env: ENV });
    await sim.failDevice('ace-c');
    try {
      const t0 = Date.now();
      const pending = p.auditDevice('ace-c', { contexts: ['C1'] });
      setTimeout(() => void sim.recoverDevice('ace-c'), 250);
      const events = await pending;
      expect((events[0]!.data as unknown as AuditResultData).outcome).not.toBe('error');
      // At least the first two backoff waits (>= 50 + 100 ms) happened.
      expect(Date.now() - t0).toBeGreaterThanOrEqual(150);
    } finally {
      await sim.recoverDevice('ace-c');
      await p.close();
    }
  });

  it('an aborted audit returns errors promptly', async () => {
    const cfg = acesyncConfig(sim, { poller: { connect_attempts: 10, backoff_base_ms: 2000 } });
    const p = new Poller({ poller: cfg.poller, inventory: inventoryOf(cfg), logger: silentLogger, env: ENV });
    await sim.failDevice('ace-d');
    try {
      const t0 = Date.now();
      const events = await p.auditDevice('ace-d', { contexts: ['C1', 'C2'], deadlineMs: 300 });
      expect(events.map((e) => (e.data as unknown as AuditResultData).outcome)).toEqual(['error', 'error']);
      expect(Date.now() - t0).toBeLessThan(3000);
    } finally {
      await sim.recoverDevice('ace-d');
      await p.close();
    }
  });
});

describe('credentials', () => {
  it('reads passwords from the environment or a file and keys from a file, naming only the reference on failure', () => {
    const dir = mkdtempSync(join(os.tmpdir(), 'acesync-cred-'));
    try {
      writeFileSync(join(dir, 'pw'), 's3cret\n');
      writeFileSync(join(dir, 'key'), 'KEY');
      const base = {
        port: 22,
        username: 'u',
        legacy_algorithms: false,
        connect_timeout_ms: 1000,
        command_timeout_ms: 1000,
      };
      expect(resolveCredentials({ ...base, password_env: 'P' }, { P: 'x' })).toEqual({ password: 'x' });
      expect(resolveCredentials({ ...base, password_file: join(dir, 'pw') })).toEqual({ password: 's3cret' });
      expect(resolveCredentials({ ...base, private_key_file: join(dir, 'key') }).privateKey?.toString()).toBe('KEY');
      expect(() => resolveCredentials({ ...base, password_env: 'NOPE' }, {})).toThrow(/NOPE is not set/);
      expect(() => resolveCredentials(base)).toThrow(/no password_env/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
