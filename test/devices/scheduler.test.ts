import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { AuditScheduler, type AuditReason } from '../../src/devices/scheduler.js';
import type { AceEvent } from '../../src/core/events.js';

function setup(devices = ['a', 'b']) {
  const clock = new ManualClock(1_000_000);
  const requests: Array<[string, AuditReason, number]> = [];
  const events: AceEvent[] = [];
  const s = new AuditScheduler({
    devices,
    intervalMs: 60_000,
    jitterRatio: 0.1,
    fastIntervalMs: 5_000,
    overdueAfterMs: 200_000,
    clock,
    requestAudit: (d, r) => requests.push([d, r, clock.now()]),
    emit: (e) => events.push(e),
    random: () => 0.5, // no jitter: deterministic
    startupSpreadMs: 10_000,
  });
  const run = (ms: number, step = 1000): void => {
    for (let t = 0; t < ms; t += step) {
      clock.advance(step);
      s.tick();
    }
  };
  return { clock, s, requests, events, run };
}

describe('AuditScheduler', () => {
  it('startupSpreadMs 0 audits every device at the first tick; a reload spreads added devices over its new window', () => {
    const clock = new ManualClock(1_000_000);
    const requests: string[] = [];
    const base = {
      intervalMs: 600_000,
      jitterRatio: 0,
      fastIntervalMs: 5_000,
      overdueAfterMs: 3_600_000,
      clock,
      requestAudit: (d: string) => requests.push(d),
      emit: () => undefined,
      random: () => 0.999,
    };
    const s = new AuditScheduler({ ...base, devices: ['a', 'b'], startupSpreadMs: 0 });
    s.tick();
    expect(requests).toEqual(['a', 'b']);
    s.reconfigure({ ...base, devices: ['a', 'b', 'c'], startupSpreadMs: 4_000 });
    expect(s.status().find((d) => d.device === 'c')!.nextDueAt).toBe(1_000_000 + 0.999 * 4_000);
    // The key removed from the configuration: the default, min(interval, 30 s).
    s.reconfigure({ ...base, devices: ['a', 'b', 'c', 'd'], startupSpreadMs: undefined });
    expect(s.status().find((d) => d.device === 'd')!.nextDueAt).toBe(1_000_000 + 0.999 * 30_000);
  });

  it('requests a first audit soon after start, then one per interval', () => {
    const { s, requests, run } = setup();
    s.tick();
    expect(requests).toEqual([]);
    run(10_000);
    expect(requests.map((r) => [r[0], r[1]])).toEqual([
      ['a', 'startup'],
      ['b', 'startup'],
    ]);
    run(180_000);
    expect(requests.filter((r) => r[0] === 'a').map((r) => r[1])).toEqual([
      'startup',
      'interval',
      'interval',
      'interval',
    ]);
  });

  it('polls fast until the deadline, then returns to normal', () => {
    const { s, clock, requests, run } = setup(['a']);
    run(10_000);
    s.setCadence('a', 'fast', clock.now() + 30_000);
    requests.length = 0;
    run(29_000);
    expect(requests.length).toBeGreaterThanOrEqual(5);
    expect(requests.every((r) => r[1] === 'fast')).toBe(true);
    requests.length = 0;
    run(121_000);
    expect(requests.map((r) => r[1])).toEqual(['interval', 'interval', 'interval']);
    expect(s.status()[0]!.cadence).toBe('normal');
  });

  it('raises audit-overdue once, and again only after a success', () => {
    const { s, events, run, clock } = setup(['a', 'b']);
    run(150_000);
    s.noteAudit('b', true);
    run(60_000);
    expect(events.map((e) => [e.kind, e.device, e.transport])).toEqual([['audit-overdue', 'a', 'poll']]);
    expect(events[0]!.data).toMatchObject({ lastSuccessAt: null, overdueAfterMs: 200_000 });
    run(100_000);
    expect(events).toHaveLength(1);
    s.noteAudit('a', true);
    s.noteAudit('a', false); // a failure does not reset the clock
    expect(s.status().find((x) => x.device === 'a')!.lastSuccessAt).toBe(clock.now());
    run(201_000);
    // b (last success at 150 s) goes overdue before a (reset just now).
    expect(events.map((e) => e.device)).toEqual(['a', 'b', 'a']);
  });

  it('reconfigure (a configuration reload): new devices scheduled, removed ones dropped, new interval used', () => {
    const { s, requests, run } = setup(['a', 'b']);
    run(10_000);
    requests.length = 0;
    s.reconfigure({ devices: ['a', 'c'], intervalMs: 20_000, fastIntervalMs: 5_000, overdueAfterMs: 200_000 });
    expect(s.status().map((x) => x.device)).toEqual(['a', 'c']);
    run(10_000);
    // c's first audit comes within the startup spread; b is gone.
    expect(requests.map((r) => r[0])).toEqual(['c']);
    requests.length = 0;
    // a was due at +60 s of its first audit (old interval); after that, every 20 s.
    run(100_000);
    const aTimes = requests.filter((r) => r[0] === 'a').map((r) => r[2]);
    expect(aTimes.length).toBeGreaterThanOrEqual(3);
    expect(aTimes[2]! - aTimes[1]!).toBe(20_000);
    expect(requests.some((r) => r[0] === 'b')).toBe(false);
  });
});
