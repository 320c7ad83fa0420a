import { afterEach, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { pino } from 'pino';
import { LossWatch, type ActiveSources } from '../../src/ingest/loss-watch.js';
import type { DropReading } from '../../src/ingest/udp-drops.js';
import type { AceEvent } from '../../src/core/events.js';
import { ManualClock } from '../../src/core/clock.js';
import { NOISE, relevant, startIngest, udpSender, type Harness } from './syslog-helpers.js';

const silent = pino({ level: 'silent' });

/** A LossWatch driven by hand: a scripted drop counter and a source table stamped per tick. */
function scripted(readings: Array<Partial<DropReading>>) {
  const clock = new ManualClock(1_000_000);
  const emitted: AceEvent[] = [];
  const seen = new Map<string, number>();
  let i = 0;
  const watch = new LossWatch({
    reader: {
      read: async () => ({ method: 'socket', rxQueue: 1, drops: 0, ...readings[Math.min(i++, readings.length - 1)] }),
    },
    intervalMs: 1000,
    clock,
    logger: silent,
    activeSources: (since): ActiveSources => {
      const sources = [...seen].filter(([, t]) => t >= since).map(([s]) => s);
      return { sources, devices: sources.map((s) => `dev-${s}`), truncated: false };
    },
    emit: (e) => emitted.push(e),
    maxDeferTicks: 3,
  });
  const see = (source: string): void => {
    seen.set(source, watch.tick);
  };
  const tick = async (ms = 1000): Promise<void> => {
    clock.advance(ms);
    await watch.check();
  };
  return { watch, clock, emitted, see, tick };
}

describe('LossWatch', () => {
  it('reports nothing while the counter stands still', async () => {
    const w = scripted([{ drops: 0 }]);
    for (let k = 0; k < 5; k++) await w.tick();
    expect(w.emitted).toEqual([]);
  });

  it('waits for the backlog to be read, then names the window, the count and the sources seen in it', async () => {
    const w = scripted([{ drops: 0 }, { drops: 0 }, { drops: 40, rxQueue: 9000 }, { drops: 40, rxQueue: 0 }]);
    w.see('10.0.0.1'); // before the window: too old
    await w.tick(); // tick 1: clean
    await w.tick(); // tick 2: clean
    const cleanAt = w.clock.now();
    w.see('10.0.0.2');
    await w.tick(); // tick 3: drops, backlog still queued
    expect(w.emitted).toEqual([]);
    w.see('10.0.0.3'); // read from the backlog after the stall
    await w.tick(); // tick 4: drained
    expect(w.emitted).toHaveLength(1);
    const e = w.emitted[0]!;
    expect(e).toMatchObject({ kind: 'ingest-loss', transport: 'internal', reason: 'kernel receive buffer overflow' });
    expect(e.data).toMatchObject({ from: cleanAt, to: cleanAt + 1000, dropped: 40 });
    expect((e.data!.sources as string[]).sort()).toEqual(['10.0.0.2', '10.0.0.3']);
    expect(e.data!.devices).toContain('dev-10.0.0.3');
    expect(w.watch.reported).toBe(40);
  });

  it('reports at once when the queue is already drained', async () => {
    const w = scripted([{ drops: 0 }, { drops: 7, rxQueue: 0 }]);
    await w.tick();
    w.see('a');
    await w.tick();
    expect(w.emitted).toHaveLength(1);
    expect(w.emitted[0]!.data).toMatchObject({ dropped: 7, sources: ['a'] });
  });

  it('under sustained loss reports every few checks, covering every dropped datagram once', async () => {
    const drops = [0, 10, 20, 30, 40, 50, 60, 70, 70];
    const w = scripted(drops.map((d) => ({ drops: d, rxQueue: 5000 })));
    for (let k = 0; k < drops.length + 2; k++) {
      w.see('s');
      await w.tick();
    }
    expect(w.emitted.length).toBeGreaterThanOrEqual(2);
    const total = w.emitted.reduce((n, e) => n + (e.data!.dropped as number), 0);
    expect(total).toBe(70);
    // Windows follow each other without overlapping.
    for (let k = 1; k < w.emitted.length; k++)
      expect(w.emitted[k]!.data!.from).toBeGreaterThanOrEqual(w.emitted[k - 1]!.data!.to as number);
  });

  it('reports a pending window on stop', async () => {
    const w = scripted([{ drops: 0 }, { drops: 3, rxQueue: 100 }, { drops: 3, rxQueue: 100 }]);
    await w.tick();
    await w.tick();
    expect(w.emitted).toEqual([]);
    await w.watch.stop();
    expect(w.emitted).toHaveLength(1);
  });
});

describe('SyslogIngest kernel loss detection', () => {
  const open: Harness[] = [];
  afterEach(async () => {
    for (const h of open.splice(0)) await h.ingest.stop();
  });

  it('emits ingest-loss naming the flooding source when the event loop stalls', async () => {
    const h = await startIngest({
      udp: { host: '127.0.0.1', port: 0, recv_buffer_bytes: 65536 },
      loss_check_interval_ms: 100,
    });
    open.push(h);
    const port = h.udpPort();
    const count = 20_000;
    // 1 relevant line in 100 among noise, sent from 127.0.0.3 (ace1/ctx1) by another process.
    // spawnSync blocks this event loop for the whole send, so nothing reads the socket and
    // the 128 KiB buffer overflows.
    const script = `
      const s = require('dgram').createSocket('udp4');
      s.bind(0, '127.0.0.3', () => {
        const noise = Buffer.from(${JSON.stringify(NOISE)});
        let n = 0;
        const go = () => {
          for (let i = 0; i < 500 && n < ${count}; i++, n++) {
            const b = n % 100 === 0 ? Buffer.from(${JSON.stringify(relevant('SEQ'))}.replace('SEQ', String(n))) : noise;
            s.send(b, ${port}, '127.0.0.1', n === ${count} - 1 ? () => s.close() : undefined);
          }
          if (n < ${count}) setImmediate(go);
        };
        go();
      });`;
    const sender = spawnSync(process.execPath, ['-e', script], { timeout: 20_000 });
    expect(sender.status).toBe(0);

    const loss = await h.sink.waitFor((e) => e.kind === 'ingest-loss', 5000);
    expect(loss).toMatchObject({ transport: 'internal', reason: 'kernel receive buffer overflow' });
    const data = loss.data!;
    expect(data.dropped as number).toBeGreaterThan(0);
    expect(data.sources).toContain('127.0.0.3');
    expect(data.devices).toEqual(['ace1']);
    expect(data.port).toBe(port);
    expect(data.from as number).toBeLessThanOrEqual(data.to as number);
    expect(h.counters.kernelDrops).toBe(data.dropped);

    // Every datagram is accounted for: handled (relevant accepted, noise counted) or dropped by the kernel.
    h.ingest.flushCounters();
    const handled = (): number => h.counters.total('accepted') + h.counters.total('noise');
    const deadline = Date.now() + 5000;
    while (handled() + h.counters.kernelDrops < count && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
      h.ingest.flushCounters();
    }
    expect(handled() + h.counters.kernelDrops).toBe(count);
    const relevantSeen = h.sink.events.filter((e) => e.kind === 'config-change').length;
    expect(relevantSeen).toBe(h.counters.total('accepted'));
    expect(relevantSeen).toBeLessThan(count / 100); // some relevant lines were among the drops...
    // ...and the only record of them is the ingest-loss event, which exists.
  });

  it('a relay that floods names the relay, and every device seen behind it is suspect', async () => {
    const h = await startIngest({
      udp: { host: '127.0.0.1', port: 0, recv_buffer_bytes: 65536 },
      loss_check_interval_ms: 100,
      relays: ['127.0.0.9'],
    });
    open.push(h);
    const port = h.udpPort();
    // Two relayed lines first: ace1/ctx1 (127.0.0.3) and ace2 (127.0.0.2) are behind the relay.
    const relay = await udpSender('127.0.0.9');
    try {
      await relay.send(`<165>Dec  2 19:07:27 127.0.0.3 ${relevant('via-1').replace(/^<165>/, '')}`, port);
      await relay.send(`<165>Dec  2 19:07:28 127.0.0.2 ${relevant('via-2').replace(/^<165>/, '')}`, port);
    } finally {
      relay.close();
    }
    const first = await h.sink.waitFor((e) => e.command === 'rserver host rvia-1');
    expect(first).toMatchObject({ device: 'ace1', source: '127.0.0.3', relay: '127.0.0.9' });
    await h.sink.waitFor((e) => e.command === 'rserver host rvia-2' && e.device === 'ace2');
    const script = `
      const s = require('dgram').createSocket('udp4');
      s.bind(0, '127.0.0.9', () => {
        const noise = Buffer.from(${JSON.stringify(NOISE)});
        let n = 0;
        const go = () => {
          for (let i = 0; i < 500 && n < 20000; i++, n++) s.send(noise, ${port}, '127.0.0.1', n === 19999 ? () => s.close() : undefined);
          if (n < 20000) setImmediate(go);
        };
        go();
      });`;
    const sender = spawnSync(process.execPath, ['-e', script], { timeout: 20_000 });
    expect(sender.status).toBe(0);
    const loss = await h.sink.waitFor((e) => e.kind === 'ingest-loss', 5000);
    expect(loss.data!.sources).toContain('127.0.0.9');
    expect([...(loss.data!.devices as string[])].sort()).toEqual(['ace1', 'ace2']);
  });
});
