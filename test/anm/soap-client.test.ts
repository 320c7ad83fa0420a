import { describe, it, expect, beforeAll, afterAll, afterEach } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { AnmError } from '../../src/anm/anm-error.js';
import { BreakerRegistry } from '../../src/anm/breaker.js';
import { createAnmClient, createBreakers } from '../../src/anm/connect.js';
import { reconcile, inventoryContextRefs } from '../../src/anm/reconcile.js';
import type { AnmSoapClient } from '../../src/anm/soap-client.js';
import { FAULTS } from '../../src/sim/anm/soap-service.js';
import type { AnmSimulator } from '../../src/sim/anm/server.js';
import { anmConfig, ENV, ANM_PW_ENV, refusedUrl, startSim } from './fixture.js';

const clients: AnmSoapClient[] = [];
function client(
  url: string,
  extra: Record<string, unknown> = {},
  env: NodeJS.ProcessEnv = ENV,
  breakers?: BreakerRegistry,
): AnmSoapClient {
  const c = createAnmClient(anmConfig(url, extra), { env, ...(breakers ? { breakers } : {}) })!;
  clients.push(c);
  return c;
}
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close({ timeoutMs: 500 })));
});

describe('AnmSoapClient against the simulator', () => {
  let sim: AnmSimulator;
  const clock = new ManualClock();
  beforeAll(async () => {
    sim = await startSim({ clock, tokenTtlMs: 60_000 });
  });
  afterAll(async () => {
    await sim.close();
  });

  it('logs in once and reuses the session token across calls', async () => {
    const before = sim.state.counters.soap.login ?? 0;
    const c = client(sim.url);
    const ctxs = await c.listDeviceIds('VIRTUAL_CONTEXT');
    await c.listDeviceIds('ACE4710');
    await c.listVirtualContexts({ ipAddr: '10.1.1.2', deviceType: 'ACE4710' });
    expect(c.stats.logins).toBe(1);
    expect((sim.state.counters.soap.login ?? 0) - before).toBe(1);
    expect(ctxs).toContainEqual({ name: 'VC_WEB', deviceType: 'VIRTUAL_CONTEXT', ipAddr: '10.1.1.1' });
    expect(ctxs).toContainEqual({
      name: 'Admin',
      deviceType: 'VIRTUAL_CONTEXT',
      ipAddr: '10.9.9.9',
      slot: '3',
      chassisIPAddr: '10.9.9.1',
    });
  });

  it('shares one login between concurrent first calls', async () => {
    const before = sim.state.counters.soap.login ?? 0;
    const c = client(sim.url);
    await Promise.all([c.listDeviceIds('ACE4710'), c.listDeviceIds('ACE_BLADE'), c.listDeviceIds('VIRTUAL_CONTEXT')]);
    expect((sim.state.counters.soap.login ?? 0) - before).toBe(1);
  });

  it('lists devices by type and the contexts of one ACE', async () => {
    const c = client(sim.url);
    expect(await c.listDeviceIds('ACE4710')).toEqual([
      { name: 'ace-a', deviceType: 'ACE4710', ipAddr: '10.1.1.1' },
      { name: 'ace-b', deviceType: 'ACE4710', ipAddr: '10.1.1.2' },
    ]);
    expect(await c.listDeviceIds('ACE_BLADE')).toEqual([
      { name: 'ace-m', deviceType: 'ACE_BLADE', ipAddr: '10.9.9.9', slot: '3', chassisIPAddr: '10.9.9.1' },
    ]);
    expect(await c.listDeviceIds('GSS')).toEqual([]);
    const vcs = await c.listVirtualContexts({ name: 'ace-a', deviceType: 'ACE4710', ipAddr: '10.1.1.1' });
    expect(vcs.map((v) => v.name)).toEqual(['Admin', 'VC_WEB']);
  });

  it('turns WSException faults into ACESYNC_ANM_FAULT errors with the fault message', async () => {
    const c = client(sim.url);
    const err = await c.listVirtualContexts({ ipAddr: '192.0.2.99' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AnmError);
    expect((err as AnmError).code).toBe('ACESYNC_ANM_FAULT');
    expect((err as AnmError).kind).toBe('fault');
    expect((err as AnmError).message).toContain(FAULTS.unknownDevice);
    expect((err as AnmError).retryable).toBe(false);
  });

  it('refuses bad credentials with a final auth error (no retry loop on the account)', async () => {
    const before = sim.state.counters.soap.login ?? 0;
    const c = client(sim.url, {}, { [ANM_PW_ENV]: 'wrong' });
    const err = await c.listDeviceIds('ACE4710').catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'ACESYNC_ANM_FAULT', details: { kind: 'auth', retryable: false } });
    expect((err as Error).message).toContain(FAULTS.badCredentials);
    expect((err as Error).message).not.toContain('wrong');
    expect((sim.state.counters.soap.login ?? 0) - before).toBe(1);
  });

  it('logs in again once when the session has expired, and goes on', async () => {
    const c = client(sim.url);
    await c.listDeviceIds('ACE4710');
    clock.advance(60_001); // past the simulator's token TTL
    const faultsBefore = sim.state.counters.soapFaults;
    const list = await c.listDeviceIds('ACE4710');
    expect(list).toHaveLength(2);
    expect(c.stats.logins).toBe(2);
    expect(c.stats.relogins).toBe(1);
    expect(sim.state.counters.soapFaults - faultsBefore).toBe(1);
    // Sessions expired server-side (ANM restart) are handled the same way.
    sim.state.expireSessions();
    await c.listDeviceIds('ACE4710');
    expect(c.stats.logins).toBe(3);
  });

  it('logs out on close', async () => {
    const c = client(sim.url);
    await c.login();
    const open = sim.state.sessionCounts.soap;
    await c.close();
    expect(sim.state.sessionCounts.soap).toBe(open - 1);
    expect(c.loggedIn).toBe(false);
  });

  it('accepts the ipAddress spelling of DeviceID and reconciles with the inventory', async () => {
    const sim2 = await startSim({ ipField: 'ipAddress' });
    try {
      const c = client(sim2.url);
      const anm = await c.listDeviceIds('VIRTUAL_CONTEXT');
      expect(anm).toContainEqual({ name: 'Admin', deviceType: 'VIRTUAL_CONTEXT', ipAddr: '10.1.1.2' });
      const r = reconcile(
        anm,
        inventoryContextRefs([
          { name: 'ace-a', host: '10.1.1.1', contexts: ['Admin', 'VC_WEB', 'VC_ONLY_HERE'] },
          { name: 'ace-b', host: '10.1.1.2', contexts: ['Admin', 'VC_WEB'] },
        ]),
      );
      expect(r.missingInAnm).toEqual([{ device: 'ace-a', context: 'VC_ONLY_HERE', host: '10.1.1.1' }]);
      expect(r.unknownToAcesync).toEqual([
        { name: 'Admin', deviceType: 'VIRTUAL_CONTEXT', ipAddr: '10.9.9.9', slot: '3', chassisIPAddr: '10.9.9.1' },
      ]);
      expect(r.matched).toHaveLength(4);
    } finally {
      await sim2.close();
    }
  });

  it('classifies 500 without a fault as retryable', async () => {
    const c = client(sim.url);
    await sim.setBehaviour({ mode: 'fail', scope: 'soap', count: 1 });
    const err = await c.listDeviceIds('ACE4710').catch((e: unknown) => e);
    expect(err).toMatchObject({
      code: 'ACESYNC_ANM_HTTP',
      details: { kind: 'http-5xx', status: 500, retryable: true },
    });
    expect(sim.behaviour().mode).toBe('normal');
  });

  it('times out a hanging ANM, and honours an AbortSignal', async () => {
    const c = client(sim.url, { timeout_ms: 300 });
    await c.login();
    await sim.setBehaviour({ mode: 'hang', scope: 'soap' });
    try {
      const err = await c.listDeviceIds('ACE4710').catch((e: unknown) => e);
      expect(err).toMatchObject({ details: { kind: 'timeout', retryable: true } });
      const ctl = new AbortController();
      const p = c.listDeviceIds('ACE4710', { signal: ctl.signal, timeoutMs: 10_000 }).catch((e: unknown) => e);
      setTimeout(() => ctl.abort(), 50);
      expect(await p).toMatchObject({ details: { kind: 'aborted' } });
    } finally {
      await sim.setBehaviour({ mode: 'normal' });
    }
  });

  it('classifies a refused connection as retryable', async () => {
    const c = client(await refusedUrl());
    const err = await c.listDeviceIds('ACE4710').catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'ACESYNC_ANM_HTTP', details: { kind: 'connection', retryable: true } });
    expect((err as Error).message).toContain('ECONNREFUSED');
  });

  it('opens the per-server breaker while ANM is down and closes it when ANM is back', async () => {
    const bclock = new ManualClock();
    const breakers = createBreakers(anmConfig(sim.url, { breaker: { failure_threshold: 2, reset_ms: 5_000 } }), {
      clock: bclock,
    });
    const c = client(sim.url, {}, ENV, breakers);
    await c.login();
    await sim.setBehaviour({ mode: 'down' });
    try {
      for (let i = 0; i < 2; i++)
        await expect(c.listDeviceIds('ACE4710')).rejects.toMatchObject({ details: { kind: 'connection' } });
      const requests = sim.state.counters.requests;
      await expect(c.listDeviceIds('ACE4710')).rejects.toMatchObject({
        details: { kind: 'breaker-open', retryable: true },
      });
      expect(breakers.get(new URL(sim.url).origin).state).toBe('open');
      await sim.setBehaviour({ mode: 'normal' });
      await expect(c.listDeviceIds('ACE4710')).rejects.toMatchObject({ details: { kind: 'breaker-open' } });
      expect(sim.state.counters.requests).toBe(requests);
      bclock.advance(5_000);
      // Sockets of the old listener were cut: the probe succeeds on a fresh connection.
      await expect(c.listDeviceIds('ACE4710')).resolves.toHaveLength(2);
      expect(breakers.get(new URL(sim.url).origin).state).toBe('closed');
    } finally {
      await sim.setBehaviour({ mode: 'normal' });
    }
  });
});
