/**
 * The UDP worker thread (`syslog.udp.worker: true`) against the single-thread path (`false`) on real loopback
 * sockets: the same recorded input gives the same events, counters, log lines and ingest-loss windows; a
 * worker that dies is restarted and the gap reported; stop drains; an inventory reload reaches the worker.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, mkdirSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { configSchema, type Config } from '../../src/config/schema.js';
import { Inventory } from '../../src/inventory/inventory.js';
import { IngestCounters } from '../../src/ingest/types.js';
import { SyslogIngest } from '../../src/ingest/syslog-ingest.js';
import { UdpWorkerHost } from '../../src/ingest/udp-worker-host.js';
import type { WorkerInit } from '../../src/ingest/worker-protocol.js';
import { ManualClock, type Clock } from '../../src/core/clock.js';
import { AcesyncError } from '../../src/core/errors.js';
import { silentLogger } from '../../src/core/log.js';
import type { AceEvent } from '../../src/core/events.js';
import { CapturingSink, DEVICES, NOISE, relevant, udpSender } from './syslog-helpers.js';
import { freeUdpPort, until } from '../helpers/wait.js';

interface H {
  ingest: SyslogIngest;
  sink: CapturingSink;
  counters: IngestCounters;
  inventory: Inventory;
  logs: Array<Record<string, unknown>>;
  port: number;
}

const open: H[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const h of open.splice(0)) await h.ingest.stop();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function configFor(worker: boolean, syslog: Record<string, unknown>, devices: unknown[]): Config {
  return configSchema.parse({
    syslog: { ...syslog, udp: { host: '127.0.0.1', port: 0, worker, ...(syslog.udp as object | undefined) } },
    snmp: { enabled: false },
    devices,
  });
}

async function start(
  worker: boolean,
  opts: { syslog?: Record<string, unknown>; devices?: unknown[]; clock?: Clock; procRoot?: string } = {},
): Promise<H> {
  const config = configFor(worker, opts.syslog ?? {}, opts.devices ?? DEVICES);
  const logs: Array<Record<string, unknown>> = [];
  const logger = pino(
    { level: 'debug' },
    new Writable({
      write(chunk: Buffer, _enc, cb) {
        for (const line of chunk.toString('utf8').split('\n'))
          if (line) logs.push(JSON.parse(line) as Record<string, unknown>);
        cb();
      },
    }),
  );
  const sink = new CapturingSink();
  const counters = new IngestCounters();
  const inventory = Inventory.fromConfig(config);
  const ingest = new SyslogIngest({
    config,
    inventory,
    sink,
    logger,
    clock: opts.clock ?? new ManualClock(Date.UTC(2026, 10, 25, 10, 0, 0)),
    counters,
    procRoot: opts.procRoot,
  });
  await ingest.start();
  const h: H = { ingest, sink, counters, inventory, logs, port: ingest.addresses()[0]!.port };
  open.push(h);
  return h;
}

/** Every counter, in a stable order, once everything read is counted. */
async function counts(h: H): Promise<string[]> {
  await h.ingest.settle();
  h.ingest.flushCounters();
  return h.counters
    .snapshot()
    .map((c) => `${c.transport} ${c.source} ${c.outcome} ${c.count}`)
    .sort();
}

/** The per-source warnings (rate-limited problem lines), as (msg, source) pairs (batched counts log when flushed). */
const warnings = (h: H): string[] =>
  h.logs
    .filter((l) => l.level === 40 && typeof l.source === 'string')
    .map((l) => `${String(l.msg)} | ${l.source}`)
    .sort();

const withoutTime = (events: AceEvent[]): unknown[] => events.map(({ receivedAt: _r, ...rest }) => rest);

/** The recorded input: every sample line, hostile and malformed datagrams, and who sends each. */
function recordedInput(): Array<{ from: string; data: Buffer }> {
  const dir = new URL('../../samples/syslog/', import.meta.url);
  const lines: string[] = [];
  for (const f of readdirSync(dir)
    .filter((n) => n.endsWith('.log'))
    .sort())
    for (const l of readFileSync(new URL(f, dir), 'utf8').split('\n')) if (l.trim() !== '') lines.push(l);
  const hostile: Buffer[] = [
    Buffer.from([0xff, 0xfe, 0x00, 0x41, 0x80, 0x0a, 0x3c]),
    Buffer.from('hello, not syslog'),
    Buffer.alloc(0),
    Buffer.from(`<165>%ACE-5-111008: User 'admin' executed the 'rserver host \u2028x\u001b[31m' command.`),
    Buffer.from(`<166>%ACE-6-302022: Built %ACE-5-111008: User 'a' executed the 'rserver host dbl' command.`),
    Buffer.from(`<166>%ACE-6-3020221: seven digits`),
    Buffer.from(relevant('long-' + 'z'.repeat(5000))),
    Buffer.from(relevant('big-' + 'y'.repeat(9000))),
    Buffer.concat([Buffer.from('<165>%ACE-5-111008: '), Buffer.from([0xc3, 0x28, 0xa0, 0xa1]), Buffer.from(' x')]),
  ];
  const out: Array<{ from: string; data: Buffer }> = [];
  const senders = ['127.0.0.1', '127.0.0.3', '127.0.0.2', '127.0.0.9', '127.0.0.5'];
  lines.forEach((l, i) => out.push({ from: senders[i % senders.length]!, data: Buffer.from(l) }));
  hostile.forEach((b, i) => out.push({ from: senders[i % senders.length]!, data: b }));
  // Relayed lines (127.0.0.5 is a relay): origins named, and one that names nobody.
  out.push({ from: '127.0.0.5', data: Buffer.from(`<165>Dec  2 19:07:27 127.0.0.3 ${relevant('via-1').slice(5)}`) });
  out.push({ from: '127.0.0.5', data: Buffer.from(`<165>Dec  2 19:07:28 ace2 ${relevant('via-2').slice(5)}`) });
  out.push({ from: '127.0.0.5', data: Buffer.from(`<165>Dec  2 19:07:29 nobody ${relevant('via-3').slice(5)}`) });
  for (let i = 0; i < 30; i++) out.push({ from: i % 2 ? '127.0.0.1' : '127.0.0.9', data: Buffer.from(NOISE) });
  return out;
}

async function sendAll(h: H, input: Array<{ from: string; data: Buffer }>): Promise<void> {
  const senders = new Map<string, Awaited<ReturnType<typeof udpSender>>>();
  try {
    for (const { from, data } of input) {
      let s = senders.get(from);
      if (!s) {
        s = await udpSender(from);
        senders.set(from, s);
      }
      await s.send(data, h.port);
    }
    await senders.get('127.0.0.1')!.send(relevant('marker'), h.port);
  } finally {
    for (const s of senders.values()) s.close();
  }
  await h.sink.waitFor((e) => e.command === 'rserver host rmarker');
}

/** A worker init for the UdpWorkerHost tests: loopback, any port, small buffers. */
function hostInit(devices: WorkerInit['devices']): WorkerInit {
  return {
    host: '127.0.0.1',
    port: 0,
    recvBufferBytes: 65536,
    maxBytes: 8192,
    storeNoise: false,
    acceptUnknown: false,
    relays: [],
    devices,
    countFlushMs: 50,
    maxInFlight: 1000,
    consumed: new SharedArrayBuffer(4),
  };
}

describe('syslog UDP worker thread', () => {
  it('gives the same events, counters and log lines as the single-thread path on a recorded input', async () => {
    const input = recordedInput();
    const results = [];
    for (const worker of [true, false]) {
      // A real-time clock (not the system clock object): relay stamps without a year are dated alike.
      const h = await start(worker, {
        syslog: { relays: ['127.0.0.5'] },
        clock: { now: () => Date.now() },
      });
      await sendAll(h, input);
      results.push({ events: withoutTime(h.sink.events), counts: await counts(h), warnings: warnings(h) });
      if (worker) expect(h.ingest.worker).toBeDefined();
      else expect(h.ingest.worker).toBeUndefined();
      await h.ingest.stop();
    }
    const [w, single] = results as [(typeof results)[0], (typeof results)[0]];
    // The input exercises every outcome.
    for (const o of ['accepted', 'noise', 'malformed', 'oversize', 'dropped-unknown-source', 'dropped-unknown-origin'])
      expect(single.counts.some((c) => c.split(' ')[2] === o)).toBe(true);
    expect(single.events.length).toBeGreaterThan(30);
    expect(w.events).toEqual(single.events);
    expect(w.counts).toEqual(single.counts);
    expect(w.warnings).toEqual(single.warnings);
  });

  it('stamps events with the receive time in the worker', async () => {
    const before = Date.now();
    const h = await start(true, { clock: { now: () => Date.now() } });
    const s = await udpSender('127.0.0.1');
    try {
      await s.send(relevant('t'), h.port);
    } finally {
      s.close();
    }
    const e = await h.sink.waitFor((x) => x.command === 'rserver host rt');
    expect(e.receivedAt).toBeGreaterThanOrEqual(before);
    expect(e.receivedAt).toBeLessThanOrEqual(Date.now());
    // The kernel drop counter of the worker's socket is found by its inode in this process's fd table.
    expect(
      h.logs.some(
        (l) => l.msg === 'watching the kernel drop counter of the syslog UDP socket' && l.method === 'socket',
      ),
    ).toBe(true);
  });

  it('gives the same ingest-loss windows as the single-thread path for the same drop-counter readings', async () => {
    const windows = [];
    for (const worker of [true, false]) {
      const proc = mkdtempSync(join(tmpdir(), 'acesync-proc-'));
      dirs.push(proc);
      mkdirSync(join(proc, 'net'));
      mkdirSync(join(proc, 'self', 'fd'), { recursive: true });
      symlinkSync('socket:[424242]', join(proc, 'self', 'fd', '7'));
      const port = await freeUdpPort();
      const reading = (drops: number, rxQueue: number): void => {
        const hex = port.toString(16).toUpperCase().padStart(4, '0');
        writeFileSync(
          join(proc, 'net', 'udp'),
          '   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops\n' +
            `  12: 0100007F:${hex} 00000000:0000 07 00000000:${rxQueue.toString(16).padStart(8, '0')} 00:00000000 00000000  1000        0 424242 2 0000000000000000 ${drops}\n`,
        );
      };
      reading(0, 0);
      const clock = new ManualClock(Date.UTC(2026, 10, 25, 10, 0, 0));
      const h2 = await start(worker, {
        clock,
        procRoot: proc,
        // Checks run only when the test says so.
        syslog: { loss_check_interval_ms: 3_600_000, udp: { host: '127.0.0.1', port } },
      });
      expect(h2.logs.some((l) => l.method === 'socket' && l.inode === 424242)).toBe(true);
      const from = async (address: string, lines: string[], marker: string): Promise<void> => {
        const s = await udpSender(address);
        try {
          for (const l of lines) await s.send(l, port);
          await s.send(relevant(marker), port);
        } finally {
          s.close();
        }
        await h2.sink.waitFor((e) => e.command === `rserver host r${marker}`);
      };
      const check = async (drops: number, rxQueue: number): Promise<void> => {
        reading(drops, rxQueue);
        clock.advance(1000);
        await h2.ingest.checkLoss();
      };
      await check(0, 0); // clean
      await check(0, 0); // clean
      await from('127.0.0.2', [NOISE, NOISE], 'a'); // ace2 active before the drops
      await check(40, 9000); // drops seen, backlog still queued
      await from('127.0.0.3', [NOISE], 'b'); // ctx1 read from the backlog
      await check(40, 0); // drained: one window
      await check(40, 0);
      await check(40, 0); // clean again
      await from('127.0.0.1', [], 'c');
      // Sustained loss: reported every 3 checks.
      await check(50, 100);
      await check(60, 100);
      await check(70, 100);
      await check(70, 0);
      await h2.ingest.stop();
      const losses = h2.sink.events
        .filter((e) => e.kind === 'ingest-loss')
        .map((e) => ({
          ...e,
          data: {
            ...e.data,
            // Each run has its own port.
            port: e.data!.port === port ? 'the port' : e.data!.port,
            sources: [...(e.data!.sources as string[])].sort(),
            devices: [...(e.data!.devices as string[])].sort(),
          },
        }));
      windows.push(losses);
    }
    const [w, single] = windows as [unknown[], unknown[]];
    expect(single).toHaveLength(2);
    expect(single[0]).toMatchObject({ data: { dropped: 40, sources: ['127.0.0.2', '127.0.0.3'] } });
    expect(w).toEqual(single);
  });

  it('restarts a worker that dies, on the same port, and reports the gap as ingest-loss', async () => {
    const h = await start(true, { clock: { now: () => Date.now() } });
    const s = await udpSender('127.0.0.3');
    try {
      await s.send(relevant('before'), h.port);
      await h.sink.waitFor((e) => e.command === 'rserver host rbefore');
      const first = h.ingest.worker!;
      const failedAt = Date.now();
      await first.terminate();
      const loss = await h.sink.waitFor((e) => e.kind === 'ingest-loss');
      expect(loss).toMatchObject({
        reason: 'syslog UDP worker failed',
        data: { dropped: 'unknown', transport: 'udp', port: h.port, workerRestart: true },
      });
      // Every device may have sent during the gap; the source active just before is named.
      expect([...(loss.data!.devices as string[])].sort()).toEqual(['ace1', 'ace2']);
      expect(loss.data!.sources).toEqual(['127.0.0.3']);
      expect(loss.data!.from as number).toBeLessThanOrEqual(failedAt);
      expect(loss.data!.to as number).toBeGreaterThanOrEqual(failedAt);
      expect(h.counters.workerFailures).toBe(1);
      expect(h.ingest.worker).toBeDefined();
      expect(h.ingest.worker).not.toBe(first);
      expect(h.logs.some((l) => l.msg === 'syslog UDP worker thread restarted' && l.port === h.port)).toBe(true);
      // The new socket's drop counter is watched (a new inode).
      const inodes = await until('the new socket is watched', () => {
        const found = h.logs.filter((l) => l.method === 'socket').map((l) => l.inode);
        return found.length === 2 && found;
      });
      expect(inodes[0]).not.toBe(inodes[1]);
      await until('the restarted worker receives', async () => {
        await s.send(relevant('after'), h.port);
        return h.sink.events.some((e) => e.command === 'rserver host rafter' && e.context === 'ctx1');
      });
      expect(h.ingest.addresses()).toEqual([{ transport: 'udp', address: '127.0.0.1', port: h.port }]);
    } finally {
      s.close();
    }
  });

  for (const worker of [true, false])
    it(`an inventory reload reaches the receive path (worker: ${worker})`, async () => {
      const h = await start(worker);
      const newcomer = await udpSender('127.0.0.7');
      const leaver = await udpSender('127.0.0.2');
      const known = await udpSender('127.0.0.1');
      try {
        await newcomer.send(relevant('n1'), h.port);
        await leaver.send(relevant('l1'), h.port);
        await known.send(relevant('m1'), h.port);
        await h.sink.waitFor((e) => e.command === 'rserver host rm1');
        expect(h.sink.events.map((e) => e.command)).toEqual(['rserver host rl1', 'rserver host rm1']);
        // ace2 moves from 127.0.0.2 to 127.0.0.7.
        const next = DEVICES.map((d) => (d.name === 'ace2' ? { ...d, sources: ['127.0.0.7'] } : d));
        h.inventory.replaceWith(Inventory.fromConfig(configFor(worker, {}, next)));
        // The worker takes the new inventory by message: once settled, it has it.
        await h.ingest.settle();
        await newcomer.send(relevant('n2'), h.port);
        await leaver.send(relevant('l2'), h.port);
        await known.send(relevant('m2'), h.port);
        await h.sink.waitFor((e) => e.command === 'rserver host rm2');
        const after = h.sink.events.slice(2);
        expect(after.map((e) => [e.command, e.device])).toEqual([
          ['rserver host rn2', 'ace2'],
          ['rserver host rm2', 'ace1'],
        ]);
        const c = await counts(h);
        expect(c).toContain('udp 127.0.0.7 dropped-unknown-source 1');
        expect(c).toContain('udp 127.0.0.7 accepted 1');
        expect(c).toContain('udp 127.0.0.2 dropped-unknown-source 1');
      } finally {
        newcomer.close();
        leaver.close();
        known.close();
      }
    });

  it('bounds what the worker has in flight while the main loop stalls, and reports what it dropped', async () => {
    const h = await start(true, { syslog: { queue_limit: 100 } });
    const hex = ':' + h.port.toString(16).toUpperCase().padStart(4, '0') + ' ';
    const rxQueue = (): number => {
      const row = readFileSync('/proc/net/udp', 'utf8')
        .split('\n')
        .find((l) => l.includes(hex));
      return row ? parseInt(row.trim().split(/\s+/)[4]!.split(':')[1]!, 16) : 0;
    };
    const script = `const s=require('dgram').createSocket('udp4');s.bind(0,'127.0.0.1',()=>{let n=0;
      const go=()=>{s.send(${JSON.stringify(relevant('Q'))}.replace('Q', 'q'+n), ${h.port}, '127.0.0.1', ++n===300 ? ()=>s.close() : go)};go();});`;
    // This thread is blocked from here until the worker has read everything: nothing is taken meanwhile.
    const r = spawnSync(process.execPath, ['-e', script], { timeout: 10_000 });
    expect(r.status).toBe(0);
    const until = Date.now() + 5000;
    while (rxQueue() > 0 && Date.now() < until);
    const settle = Date.now() + 300;
    while (Date.now() < settle);
    const loss = await h.sink.waitFor((e) => e.kind === 'ingest-loss');
    expect(loss).toMatchObject({ reason: 'pipeline queue full', data: { sources: ['127.0.0.1'] } });
    const delivered = h.sink.events.filter((e) => e.kind === 'config-change').length;
    expect(delivered).toBe(100);
    expect(loss.data!.dropped).toBe(200);
    // Once the backlog is taken, events flow again.
    const s = await udpSender('127.0.0.1');
    try {
      await s.send(relevant('later'), h.port);
    } finally {
      s.close();
    }
    await h.sink.waitFor((e) => e.command === 'rserver host rlater');
  });

  it('terminates and restarts a worker whose loop stops answering', async () => {
    const config = configFor(true, {}, DEVICES);
    const logs: Array<Record<string, unknown>> = [];
    const logger = pino(
      { level: 'debug' },
      new Writable({
        write(chunk: Buffer, _enc, cb) {
          for (const line of chunk.toString('utf8').split('\n'))
            if (line) logs.push(JSON.parse(line) as Record<string, unknown>);
          cb();
        },
      }),
    );
    const failures: unknown[] = [];
    const restarts: number[] = [];
    const host = new UdpWorkerHost({
      init: hostInit(config.devices),
      logger,
      hungAfterMs: 300,
      onBatch: () => {},
      onFailure: (err) => failures.push(err),
      onRestart: (b) => restarts.push(b.port),
    });
    const b = await host.start();
    try {
      const first = host.worker;
      await host.sync(); // answers while healthy
      expect(failures).toEqual([]);
      host.stall(20_000);
      await until('the hung worker is replaced', async () => {
        await host.sync(100);
        return restarts.length > 0;
      });
      expect(failures).toHaveLength(1);
      expect(restarts).toEqual([b.port]);
      expect(host.worker).not.toBe(first);
      expect(logs.some((l) => l.msg === 'syslog UDP worker thread unresponsive: terminating it')).toBe(true);
    } finally {
      await host.stop();
    }
  });

  it('a receive thread that fails before it listens is reported as the thread, not as the port', async () => {
    const host = new UdpWorkerHost({
      // The worker builds its inventory first: this throws there, before any bind.
      init: hostInit(null as never),
      logger: silentLogger,
      onBatch: () => {},
      onFailure: () => {},
      onRestart: () => {},
    });
    const err = (await host.start().catch((e: unknown) => e)) as AcesyncError;
    await host.stop();
    expect(err).toBeInstanceOf(AcesyncError);
    expect(err.details).toEqual({ key: ['syslog', 'udp', 'worker'] });
    expect(err.message).toMatch(
      /^syslog\.udp\.worker: the syslog UDP receive thread failed before it could listen \(exit code 1\): .+; set syslog\.udp\.worker: false to receive on the main thread$/,
    );
    expect(err.message).not.toContain('syslog.udp.port');
  });

  it('stop reads what the worker has not handed on yet', async () => {
    const h = await start(true);
    const s = await udpSender('127.0.0.1');
    try {
      for (let i = 0; i < 200; i++) await s.send(i % 2 ? NOISE : relevant(`s${i}`), h.port);
    } finally {
      s.close();
    }
    await h.ingest.stop();
    expect(h.sink.events.filter((e) => e.kind === 'config-change')).toHaveLength(100);
    h.ingest.flushCounters();
    expect(h.counters.total('noise')).toBe(100);
    expect(h.counters.total('accepted')).toBe(100);
  });
});
