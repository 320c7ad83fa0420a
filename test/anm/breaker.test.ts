import { describe, it, expect } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { CircuitBreaker, BreakerRegistry, type BreakerState } from '../../src/anm/breaker.js';
import { anmError, AnmError } from '../../src/anm/anm-error.js';

const down = (): AnmError => anmError('ACESYNC_ANM_HTTP', 'connection', 'ECONNREFUSED');
const answered4xx = (): AnmError => anmError('ACESYNC_ANM_HTTP', 'http-4xx', 'HTTP 404');

describe('CircuitBreaker', () => {
  it('opens after the threshold of consecutive server failures, probes once after resetMs, closes on success', async () => {
    const clock = new ManualClock();
    const changes: Array<[BreakerState, BreakerState]> = [];
    const b = new CircuitBreaker('https://anm', {
      failureThreshold: 3,
      resetMs: 10_000,
      clock,
      onStateChange: (f, t) => changes.push([f, t]),
    });
    let calls = 0;
    const failing = async (): Promise<never> => {
      calls++;
      throw down();
    };
    for (let i = 0; i < 3; i++) await expect(b.run(failing)).rejects.toMatchObject({ details: { kind: 'connection' } });
    expect(b.state).toBe('open');
    expect(b.retryAt).toBe(clock.now() + 10_000);

    // Open: rejected at once, without calling, as a retryable breaker-open error.
    const err = await b.run(failing).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AnmError);
    expect((err as AnmError).kind).toBe('breaker-open');
    expect((err as AnmError).retryable).toBe(true);
    expect(calls).toBe(3);

    clock.advance(9_999);
    expect(b.state).toBe('open');
    clock.advance(1);
    expect(b.state).toBe('half-open');

    // Half-open: one probe at a time.
    let release!: () => void;
    const probe = b.run(() => new Promise<string>((r) => (release = () => r('ok'))));
    await expect(b.run(async () => 'second')).rejects.toMatchObject({ details: { kind: 'breaker-open' } });
    release();
    await expect(probe).resolves.toBe('ok');
    expect(b.state).toBe('closed');
    expect(changes).toEqual([
      ['closed', 'open'],
      ['open', 'half-open'],
      ['half-open', 'closed'],
    ]);
    expect(b.stats).toEqual({ opened: 1, rejected: 2 });
  });

  it('a failed probe re-opens the breaker and restarts its timer', async () => {
    const clock = new ManualClock();
    const b = new CircuitBreaker('x', { failureThreshold: 1, resetMs: 1_000, clock });
    await expect(b.run(async () => Promise.reject(down()))).rejects.toThrow();
    clock.advance(1_000);
    expect(b.state).toBe('half-open');
    await expect(b.run(async () => Promise.reject(down()))).rejects.toThrow();
    expect(b.state).toBe('open');
    clock.advance(999);
    expect(b.state).toBe('open');
    clock.advance(1);
    expect(b.state).toBe('half-open');
  });

  it('answers from ANM (4xx, faults) reset the count instead of opening', async () => {
    const clock = new ManualClock();
    const b = new CircuitBreaker('x', { failureThreshold: 2, resetMs: 1_000, clock });
    await expect(b.run(async () => Promise.reject(down()))).rejects.toThrow();
    await expect(b.run(async () => Promise.reject(answered4xx()))).rejects.toThrow();
    expect(b.consecutiveFailures).toBe(0);
    await expect(b.run(async () => Promise.reject(down()))).rejects.toThrow();
    expect(b.state).toBe('closed');
    await expect(b.run(async () => Promise.reject(down()))).rejects.toThrow();
    expect(b.state).toBe('open');
  });

  it('an aborted probe frees the slot without deciding', async () => {
    const clock = new ManualClock();
    const b = new CircuitBreaker('x', { failureThreshold: 1, resetMs: 10, clock });
    await expect(b.run(async () => Promise.reject(down()))).rejects.toThrow();
    clock.advance(10);
    const isAbort = (e: unknown): boolean => e instanceof AnmError && e.kind === 'aborted';
    await expect(
      b.run(async () => Promise.reject(anmError('ACESYNC_ANM_HTTP', 'aborted', 'x')), isAbort),
    ).rejects.toThrow();
    expect(b.state).toBe('half-open');
    await expect(b.run(async () => 1)).resolves.toBe(1);
    expect(b.state).toBe('closed');
  });

  it('keeps one breaker per server in a bounded registry', () => {
    const r = new BreakerRegistry({ failureThreshold: 1, resetMs: 1 }, 2);
    const a = r.get('https://a');
    expect(r.get('https://a')).toBe(a);
    r.get('https://b');
    r.get('https://c');
    expect(r.entries().map(([k]) => k)).toEqual(['https://b', 'https://c']);
  });
});
