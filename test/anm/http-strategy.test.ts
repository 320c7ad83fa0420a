import { describe, it, expect, beforeAll, afterAll, afterEach } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { AnmError, classifyAnmFailure } from '../../src/anm/anm-error.js';
import { createBreakers } from '../../src/anm/connect.js';
import { createUploadStrategy, failedResult, type UploadJob, type UploadStrategy } from '../../src/anm/strategy.js';
import type { AnmSimulator } from '../../src/sim/anm/server.js';
import { anmConfig, ANM_PW_ENV, ENV, fakeFetcher, refusedUrl, signal, startSim } from './fixture.js';

const JOB: UploadJob = { device: 'ace-a', context: 'VC_WEB', address: '10.1.1.1', peer: 'ace-b', jobId: 7 };

const strategies: UploadStrategy[] = [];
function httpStrategy(
  url: string,
  strategy: Record<string, unknown> = {},
  extra: Record<string, unknown> = {},
  env: NodeJS.ProcessEnv = ENV,
  breakers?: ReturnType<typeof createBreakers>,
): UploadStrategy {
  const s = createUploadStrategy(anmConfig(url, { strategy: { type: 'http', ...strategy }, ...extra }), {
    env,
    ...(breakers ? { breakers } : {}),
  });
  strategies.push(s);
  return s;
}
afterEach(async () => {
  await Promise.all(strategies.splice(0).map((s) => s.close()));
});

describe('http upload strategy against the ANM simulator', () => {
  let sim: AnmSimulator;
  const fetcher = fakeFetcher();
  const clock = new ManualClock();
  beforeAll(async () => {
    sim = await startSim({ fetcher, clock, tokenTtlMs: 60_000 });
  });
  afterAll(async () => {
    await sim.close();
  });

  it("logs in once, keeps the session cookie, and each sync stores ANM's copy", async () => {
    const logins = sim.state.counters.webLogins;
    const s = httpStrategy(sim.url);
    fetcher.revision = 1;
    const r1 = await s.upload(JOB, { signal: signal() });
    expect(r1).toMatchObject({ outcome: 'ok', strategy: 'http', status: 200, jobId: 7 });
    expect(sim.copy('ace-a', 'VC_WEB')!.config).toBe('hostname 127.0.0.1-2201\n! VC_WEB rev 1\n');
    fetcher.revision = 2;
    await s.upload(JOB, { signal: signal() });
    await s.upload({ ...JOB, device: 'ace-b', address: '10.1.1.2' }, { signal: signal() });
    expect(sim.copy('ace-a', 'VC_WEB')!.config).toContain('rev 2');
    expect(sim.copy('ace-b', 'VC_WEB')!.config).toBe('hostname 127.0.0.1-2202\n! VC_WEB rev 2\n');
    expect(sim.state.counters.webLogins - logins).toBe(1);
    expect(
      sim.state.history.filter((h) => h.device === 'ace-a' && h.context === 'VC_WEB' && h.ok).length,
    ).toBeGreaterThanOrEqual(2);
    expect(sim.copy('ace-a', 'VC_WEB')!.user).toBe('acesync');
  });

  it('an Admin sync makes ANM import the new user contexts', async () => {
    const s = httpStrategy(sim.url);
    expect(sim.state.devices.get('ace-a')!.contexts).not.toContain('VC_NEW');
    await s.upload({ ...JOB, context: 'Admin' }, { signal: signal() });
    expect(sim.state.devices.get('ace-a')!.contexts).toContain('VC_NEW');
    await expect(s.upload({ ...JOB, context: 'VC_NEW' }, { signal: signal() })).resolves.toMatchObject({
      outcome: 'ok',
    });
  });

  it('logs in again when ANM sends it back to the login page (session expired)', async () => {
    const s = httpStrategy(sim.url);
    await s.upload(JOB, { signal: signal() });
    const logins = sim.state.counters.webLogins;
    clock.advance(60_001);
    await expect(s.upload(JOB, { signal: signal() })).resolves.toMatchObject({ outcome: 'ok' });
    expect(sim.state.counters.webLogins - logins).toBe(1);
  });

  it('a refused login is a final auth error that does not echo the password', async () => {
    const failures = sim.state.counters.webLoginFailures;
    const s = httpStrategy(sim.url, {}, {}, { [ANM_PW_ENV]: 'hunter2-wrong' });
    const err = await s.upload(JOB, { signal: signal() }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'ACESYNC_UPLOAD', details: { kind: 'auth', retryable: false } });
    expect((err as Error).message).not.toContain('hunter2');
    expect(sim.state.counters.webLoginFailures - failures).toBe(1);
  });

  it('a context ANM has not imported is a final 4xx failure', async () => {
    const s = httpStrategy(sim.url);
    const err = await s.upload({ ...JOB, context: 'VC_UNKNOWN' }, { signal: signal() }).catch((e: unknown) => e);
    expect(err).toMatchObject({ details: { kind: 'http-4xx', status: 404, retryable: false } });
    expect(failedResult(err, 'http', { jobId: 7 })).toMatchObject({
      outcome: 'failed',
      strategy: 'http',
      retryable: false,
      jobId: 7,
    });
  });

  it('ANM failing to read the device does not meet the success criteria (retryable)', async () => {
    const s = httpStrategy(sim.url);
    fetcher.fail = 'ssh: connection refused';
    try {
      const err = await s.upload(JOB, { signal: signal() }).catch((e: unknown) => e);
      expect(err).toMatchObject({ details: { kind: 'criteria', status: 200, retryable: true } });
      expect((err as Error).message).toContain('could not read the running-config');
      expect(sim.state.history.at(-1)).toMatchObject({ ok: false, device: 'ace-a', context: 'VC_WEB' });
    } finally {
      fetcher.fail = undefined;
    }
  });

  it('applies configured success criteria on status and body', async () => {
    const strict = httpStrategy(sim.url, { success: { status: [200], body_regex: 'NEVER-IN-BODY' } });
    await expect(strict.upload(JOB, { signal: signal() })).rejects.toMatchObject({ details: { kind: 'criteria' } });
    const wrongStatus = httpStrategy(sim.url, { success: { status: [204], body_regex: 'success' } });
    await expect(wrongStatus.upload(JOB, { signal: signal() })).rejects.toMatchObject({
      details: { kind: 'criteria' },
    });
  });

  it('renders templates into path, query and fields (GET variant)', async () => {
    const s = httpStrategy(sim.url, {
      request: {
        method: 'GET',
        path: '/anm/virtualContext/syncCliToAnm.do',
        query: { contextName: '{{context}}' },
        fields: { deviceIp: '{{address}}' },
      },
    });
    fetcher.revision = 9;
    await expect(
      s.upload({ ...JOB, device: 'not-the-anm-name', address: '10.1.1.2' }, { signal: signal() }),
    ).resolves.toMatchObject({ outcome: 'ok' });
    expect(sim.copy('ace-b', 'VC_WEB')!.config).toContain('rev 9');
  });

  it('500 from ANM is a retryable error', async () => {
    const s = httpStrategy(sim.url);
    await s.upload(JOB, { signal: signal() });
    await sim.setBehaviour({ mode: 'fail', scope: 'web', count: 1 });
    const err = await s.upload(JOB, { signal: signal() }).catch((e: unknown) => e);
    expect(err).toMatchObject({ details: { kind: 'http-5xx', status: 500, retryable: true } });
    expect(classifyAnmFailure(err).retryable).toBe(true);
    await expect(s.upload(JOB, { signal: signal() })).resolves.toMatchObject({ outcome: 'ok' });
  });

  it('a hanging ANM hits the upload deadline (retryable timeout)', async () => {
    const s = httpStrategy(sim.url, {}, { timeout_ms: 10_000 });
    await s.upload(JOB, { signal: signal() });
    await sim.setBehaviour({ mode: 'hang', scope: 'web' });
    try {
      const err = await s.upload(JOB, { signal: signal(), timeoutMs: 300 }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(AnmError);
      expect(err).toMatchObject({ details: { kind: 'timeout', retryable: true } });
    } finally {
      await sim.setBehaviour({ mode: 'normal' });
    }
  });

  it('a hang cut by the upload deadline counts against the breaker (a timeout), unlike a cancellation', async () => {
    const breakers = createBreakers(anmConfig(sim.url, { breaker: { failure_threshold: 2, reset_ms: 60_000 } }), {
      clock: new ManualClock(),
    });
    const s = httpStrategy(sim.url, {}, { timeout_ms: 10_000 }, ENV, breakers);
    await s.upload(JOB, { signal: signal() });
    await sim.setBehaviour({ mode: 'hang', scope: 'web' });
    try {
      for (let i = 0; i < 2; i++)
        await expect(s.upload(JOB, { signal: signal(), timeoutMs: 200 })).rejects.toMatchObject({
          details: { kind: 'timeout' },
        });
      await expect(s.upload(JOB, { signal: signal(), timeoutMs: 200 })).rejects.toMatchObject({
        details: { kind: 'breaker-open', retryable: true },
      });
    } finally {
      await sim.setBehaviour({ mode: 'normal' });
    }
  });

  it('a slow ANM is waited for within the deadline', async () => {
    const s = httpStrategy(sim.url);
    await sim.setBehaviour({ mode: 'slow', delayMs: 200, scope: 'web', count: 2 });
    await expect(s.upload(JOB, { signal: signal(), timeoutMs: 5_000 })).resolves.toMatchObject({ outcome: 'ok' });
  });

  it('stops when the worker aborts', async () => {
    const s = httpStrategy(sim.url);
    await sim.setBehaviour({ mode: 'hang', scope: 'web' });
    try {
      const ctl = new AbortController();
      const p = s.upload(JOB, { signal: ctl.signal, timeoutMs: 10_000 }).catch((e: unknown) => e);
      setTimeout(() => ctl.abort(), 50);
      expect(await p).toMatchObject({ details: { kind: 'aborted', retryable: true } });
      ctl.abort();
      await expect(s.upload(JOB, { signal: ctl.signal })).rejects.toMatchObject({ details: { kind: 'aborted' } });
    } finally {
      await sim.setBehaviour({ mode: 'normal' });
    }
  });

  it('connection refused is retryable, and the breaker then fails fast', async () => {
    const url = await refusedUrl();
    const breakers = createBreakers(anmConfig(url, { breaker: { failure_threshold: 2, reset_ms: 60_000 } }), {
      clock: new ManualClock(),
    });
    const s = httpStrategy(url, {}, {}, ENV, breakers);
    for (let i = 0; i < 2; i++)
      await expect(s.upload(JOB, { signal: signal() })).rejects.toMatchObject({
        details: { kind: 'connection', retryable: true },
      });
    await expect(s.upload(JOB, { signal: signal() })).rejects.toMatchObject({
      details: { kind: 'breaker-open', retryable: true },
    });
  });
});
