/**
 * Hostile bytes on the wire: the TCP framer fed random and mutated streams, and the live
 * SNMP receiver (net-snmp's BER decoder behind our guard) fed random datagrams, mutated
 * real packets, giant declared lengths and deep BER nesting. No crash, no hang, memory
 * bounded, and the receiver still decodes a valid trap afterwards. Seeded: a failure names
 * its seed and replays.
 */
import dgram from 'node:dgram';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { configSchema } from '../../src/config/schema.js';
import { systemClock } from '../../src/core/clock.js';
import type { AceEvent } from '../../src/core/events.js';
import { Inventory } from '../../src/inventory/inventory.js';
import { IngestCounters } from '../../src/ingest/types.js';
import { SnmpIngest } from '../../src/ingest/snmp-receiver.js';
import { SyslogFramer } from '../../src/ingest/tcp-framing.js';
import { v2cMessage, varbind, str } from '../fixtures/traps/packets.js';

const SEED = Number(process.env.ACESYNC_FUZZ_SEED ?? 20261125);

/** mulberry32: small, seeded, good enough to spread cases. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomBytes(rand: () => number, max: number): Buffer {
  const b = Buffer.alloc(Math.floor(rand() * max));
  for (let i = 0; i < b.length; i++) b[i] = Math.floor(rand() * 256);
  return b;
}

function mutate(rand: () => number, src: Buffer): Buffer {
  const b = Buffer.from(src);
  const n = 1 + Math.floor(rand() * 8);
  for (let i = 0; i < n && b.length > 0; i++) {
    const at = Math.floor(rand() * b.length);
    const op = rand();
    if (op < 0.5) b[at] = Math.floor(rand() * 256);
    else if (op < 0.75)
      b[at] = 0xff; // lengths and tags at their extremes
    else return Buffer.concat([b.subarray(0, at), b.subarray(at + 1 + Math.floor(rand() * 16))]);
  }
  return b;
}

/** A SEQUENCE nested `depth` deep (long-form lengths), as a datagram. */
function deepBer(depth: number): Buffer {
  let inner = Buffer.from([0x05, 0x00]);
  for (let i = 0; i < depth; i++) {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(inner.length);
    inner = Buffer.concat([Buffer.from([0x30, 0x84]), len, inner]);
    if (inner.length > 60_000) break;
  }
  return inner;
}

describe('TCP framer under random and mutated streams', () => {
  it(`never throws, never buffers past its bound, and resynchronises or closes (seed ${SEED})`, () => {
    const rand = prng(SEED);
    const max = 2048;
    const valid = Buffer.from(
      "<165>Nov 25 2026 10:00:00 C1: %ACE-5-111008: User 'admin' executed the 'rserver host r1' command.",
    );
    for (let round = 0; round < 2000; round++) {
      let messages = 0;
      const f = new SyslogFramer(
        { maxMessageBytes: max },
        { message: () => messages++, oversize: () => undefined, error: () => undefined },
      );
      const kind = round % 4;
      const stream =
        kind === 0
          ? randomBytes(rand, 8192)
          : kind === 1
            ? mutate(
                rand,
                Buffer.concat(Array.from({ length: 8 }, () => Buffer.concat([Buffer.from(`${valid.length} `), valid]))),
              )
            : kind === 2
              ? Buffer.from(`${'9'.repeat(1 + Math.floor(rand() * 40))} ${'x'.repeat(Math.floor(rand() * 4096))}`)
              : mutate(rand, Buffer.concat(Array.from({ length: 8 }, () => Buffer.concat([valid, Buffer.from('\n')]))));
      let at = 0;
      while (at < stream.length && !f.dead) {
        const n = 1 + Math.floor(rand() * 700);
        f.push(stream.subarray(at, at + n));
        at += n;
        expect(f.buffered).toBeLessThanOrEqual(max + 32);
      }
      f.end();
      expect(messages).toBeGreaterThanOrEqual(0);
    }
  });
});

describe('the live SNMP receiver under hostile datagrams', () => {
  let ingest: SnmpIngest | undefined;
  afterEach(async () => {
    await ingest?.stop();
    ingest = undefined;
  });

  it(`stays up, counts them, keeps memory bounded, and still decodes a valid trap (seed ${SEED})`, async () => {
    const config = configSchema.parse({
      syslog: { udp: { enabled: false } },
      snmp: { host: '127.0.0.1', port: 0, communities: ['public'], recv_buffer_bytes: 4 << 20 },
      devices: [{ name: 'ace1', host: '10.0.0.1', sources: ['127.0.0.1'], contexts: [{ name: 'VC_WEB' }] }],
    });
    const events: AceEvent[] = [];
    const counters = new IngestCounters();
    const logger = pino({ level: 'warn' }, new Writable({ write: (_c, _e, cb) => cb() }));
    ingest = new SnmpIngest({
      config,
      inventory: Inventory.fromConfig(config),
      sink: { push: (e) => events.push(e) },
      logger,
      clock: systemClock,
      counters,
    });
    await ingest.start();
    const port = ingest.addresses()[0]!.port;

    const rand = prng(SEED);
    const valid = v2cMessage('public', '1.3.6.1.4.1.9.9.41.2.0.1', [
      varbind('1.3.6.1.4.1.9.9.41.1.2.3.1.5.1', str("%ACE-5-111008: User 'a' executed the 'rserver host x' command.")),
    ]);
    const hostile: Buffer[] = [
      deepBer(5000),
      Buffer.from([0x30, 0x84, 0x7f, 0xff, 0xff, 0xff, 0x02, 0x01, 0x01]), // 2 GiB declared
      Buffer.from([0x30, 0x89, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]), // 9-byte length
      Buffer.alloc(0),
    ];
    for (let i = 0; i < 1500; i++) hostile.push(i % 2 === 0 ? randomBytes(rand, 1400) : mutate(rand, valid));

    const sock = dgram.createSocket('udp4');
    const heapBefore = process.memoryUsage().heapUsed;
    try {
      for (let i = 0; i < hostile.length; i++) {
        sock.send(hostile[i]!, port, '127.0.0.1');
        // Pace the burst: the point is hostile content, not a flood.
        if (i % 100 === 99) await new Promise((r) => setTimeout(r, 5));
      }
      await new Promise((r) => setTimeout(r, 300));
      const before = events.length;
      sock.send(valid, port, '127.0.0.1');
      const deadline = Date.now() + 5000;
      while (!events.slice(before).some((e) => e.id === '111008') && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 20));
      expect(events.slice(before).some((e) => e.kind === 'config-change' && e.id === '111008')).toBe(true);
    } finally {
      sock.close();
    }
    const rejected = counters.total('malformed') + counters.total('rejected-auth');
    expect(rejected).toBeGreaterThan(500);
    // Bounded: what the receiver kept for 1500 hostile datagrams is small (generous bound).
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(200 * 1024 * 1024);
  });
});
