/**
 * The receive path's warning limits: one line per (problem, source) a minute, and at most
 * 10 lines a minute over all sources, with one summary line for what the cap held back.
 * The pure API, then a real SyslogIngest receiving datagrams from 200 spoofed loopback
 * sources (127.0.1.x, each its own bound socket): 10 warnings and one summary, not 200.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { LogLimiter } from '../../src/ingest/log-limiter.js';
import { relevant, startIngest, udpSender, type Harness } from './syslog-helpers.js';

const T0 = 1_000_000;

describe('LogLimiter (pure)', () => {
  it('lets 10 of 200 sources through per minute, then summarises the other 190 once', () => {
    const l = new LogLimiter();
    const allowed = Array.from({ length: 200 }, (_, i) => l.allow('unknown', `10.9.${i >> 8}.${i & 255}`, T0 + i));
    expect(allowed.filter(Boolean)).toHaveLength(10);
    expect(allowed.slice(0, 10).every(Boolean)).toBe(true);
    // Not before the window is over.
    expect(l.summaries(T0 + 59_999)).toEqual([]);
    expect(l.summaries(T0 + 60_000)).toEqual([{ problem: 'unknown', lines: 190, sources: 190, windowMs: 60_000 }]);
    expect(l.summaries(T0 + 60_001)).toEqual([]);
    // A new window: new sources are logged again; the first ones still once a minute each.
    expect(l.allow('unknown', '10.8.0.1', T0 + 60_002)).toBe(true);
    expect(l.allow('unknown', '10.9.0.0', T0 + 60_003)).toBe(true);
    expect(l.allow('unknown', '10.9.0.0', T0 + 60_004)).toBe(false);
  });

  it('keeps the per-source minute and counts problems apart', () => {
    const l = new LogLimiter({ maxLines: 2 });
    expect(l.allow('malformed', 'a', T0)).toBe(true);
    expect(l.allow('malformed', 'a', T0 + 1000)).toBe(false);
    expect(l.allow('oversize', 'a', T0 + 1000)).toBe(true);
    expect(l.allow('unknown', 'b', T0 + 2000)).toBe(false);
    expect(l.allow('unknown', 'c', T0 + 2000)).toBe(false);
    expect(l.allow('malformed', 'a', T0 + 61_000)).toBe(false); // the window's summary is still owed
    expect(l.summaries(T0 + 61_000)).toEqual([
      { problem: 'unknown', lines: 2, sources: 2, windowMs: 60_000 },
      { problem: 'malformed', lines: 1, sources: 1, windowMs: 60_000 },
    ]);
  });
});

let h: Harness | undefined;
afterEach(async () => {
  await h?.ingest.stop();
  h = undefined;
});

describe('unknown senders in the log (real UDP)', () => {
  it('200 spoofed sources give 10 warnings and one summary line, and every datagram is still counted', async () => {
    h = await startIngest();
    const senders = await Promise.all(Array.from({ length: 200 }, (_, i) => udpSender(`127.0.1.${i + 1}`)));
    const known = await udpSender('127.0.0.1');
    try {
      for (const s of senders) await s.send(relevant('spoof'), h.udpPort());
      await known.send(relevant('marker'), h.udpPort());
      await h.sink.waitFor((x) => x.command === 'rserver host rmarker');
      h.ingest.flushCounters();
      const warned = (): Array<Record<string, unknown>> =>
        h!.logs.filter((l) => typeof l.source === 'string' && (l.source as string).startsWith('127.0.1.'));
      expect(warned()).toHaveLength(10);
      expect(h.counters.total('dropped-unknown-source')).toBe(200);
      expect(h.logs.filter((l) => l.problem === 'unknown')).toEqual([]);

      h.clock.advance(60_000);
      h.ingest.flushCounters();
      const summary = h.logs.filter((l) => l.problem === 'unknown');
      expect(summary).toHaveLength(1);
      expect(summary[0]).toMatchObject({
        lines: 190,
        sources: 190,
        msg: '190 more unknown senders dropped in the last minute (log lines capped)',
      });
      h.ingest.flushCounters();
      expect(h.logs.filter((l) => l.problem === 'unknown')).toHaveLength(1);
      expect(warned()).toHaveLength(10);
    } finally {
      for (const s of senders) s.close();
      known.close();
    }
  });
});
