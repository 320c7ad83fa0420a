/**
 * Resource bounds of the running service (README "Limits"), each driven to its limit
 * against acesync built in-process (real sockets, real SQLite):
 *
 * - sources tracked in the ingest counters (4096): syslog from 5000 distinct spoofed
 *   loopback addresses is dropped and counted, every datagram of it, while the counters
 *   never track more than 4096 sources plus `other`; a listed source still gets through;
 * - the pipeline queue (`syslog.queue_limit`): a burst beyond it is dropped, and reported
 *   as one `ingest-loss` event with the exact count and the source, which the rules turn
 *   into suspect contexts and audits;
 * - live page clients (SSE, 50, 10 per address): from five loopback addresses, the 51st stream
 *   is refused with 503, and a slot freed by
 *   a client that leaves is usable again.
 *
 * Spoofed sources, wrong communities and SNMPv3 keys are covered elsewhere:
 * test/ingest/syslog-udp.test.ts and syslog-tcp.test.ts (unknown sources dropped, counted,
 * logged once), test/ingest/snmp-receiver.test.ts, snmp-cli.test.ts and
 * snmp-rejections.test.ts (wrong community, unknown user, wrong auth/priv keys, empty v3
 * user, unknown sources before decoding, bounded rejection log).
 */
import { createSocket } from 'node:dgram';
import { get, type ClientRequest, type IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type App } from '../../src/app/app.js';
import { configSchema } from '../../src/config/schema.js';
import type { AceEvent } from '../../src/core/events.js';
import { parseSyslog } from '../../src/parse/syslog.js';
import { RULES, sleep, TempDirs, until } from './helpers.js';

const QUEUE_LIMIT = 100;
const SSE_LIMIT = 50;
const COUNTER_SOURCES = 4096;

const dirs = new TempDirs();
let app: App;
let udpPort: number;
let httpPort: number;
const logs: Array<Record<string, unknown>> = [];

beforeAll(async () => {
  const dir = dirs.make('acesync-bounds-');
  const config = configSchema.parse({
    syslog: { udp: { host: '127.0.0.1', port: 0 }, tcp: { enabled: false }, queue_limit: QUEUE_LIMIT },
    snmp: { enabled: false },
    http: { enabled: true, host: '127.0.0.1', port: 0 },
    store: { path: join(dir, 'acesync.db') },
    rules: RULES,
    poller: { enabled: false },
    anm: { enabled: false },
    engine: { watch_rules: false, tick_interval_ms: 50, jobs: { workers: false } },
    devices: [{ name: 'ace-q', host: '127.0.0.1', contexts: [{ name: 'VC_Q', sources: ['127.0.0.1'] }] }],
  });
  const logger = pino(
    { level: 'info' },
    { write: (l: string) => void (logs.length < 100_000 && logs.push(JSON.parse(l) as Record<string, unknown>)) },
  );
  app = buildApp({ loaded: { config, baseDir: dir }, logger });
  await app.start();
  const addrs = app.listeners.flatMap((l) => l.addresses());
  udpPort = addrs.find((a) => a.transport === 'udp')!.port;
  const web = app.web!.server.address();
  httpPort = typeof web === 'object' && web ? web.port : 0;
});
afterAll(async () => {
  await app?.stop();
  dirs.removeAll();
});

function counterTotal(outcome: string): number {
  return app.counters
    .snapshot()
    .filter((c) => c.outcome === outcome)
    .reduce((n, c) => n + c.count, 0);
}

describe('resource bounds at their limits', () => {
  it(
    `5000 spoofed sources: every datagram dropped and counted, the counters track at most ${COUNTER_SOURCES} sources`,
    { timeout: 40_000 },
    async () => {
      const line = Buffer.from(
        "<165>Nov 25 2026 10:00:00 VC_Q: %ACE-5-111008: User 'mallory' executed the 'no logging enable' command.",
      );
      const addresses = Array.from({ length: 5000 }, (_, i) => `127.77.${Math.floor(i / 250)}.${(i % 250) + 1}`);
      // 100 sockets at a time, each bound to its own loopback address (all of 127/8 is local).
      for (let i = 0; i < addresses.length; i += 100) {
        await Promise.all(
          addresses.slice(i, i + 100).map(
            (address) =>
              new Promise<void>((resolveP, reject) => {
                const s = createSocket('udp4');
                s.once('error', reject);
                s.bind(0, address, () =>
                  s.send(line, udpPort, '127.0.0.1', (err) => (err ? reject(err) : s.close(() => resolveP()))),
                );
              }),
          ),
        );
      }
      // Batched counts reach the shared counters within a second or so.
      await until(
        'every spoofed datagram counted',
        () => counterTotal('dropped-unknown-source') + app.counters.kernelDrops >= addresses.length,
        10_000,
      );
      const snap = app.counters.snapshot();
      const sources = new Set(snap.map((c) => `${c.transport}|${c.source}`));
      expect(sources.size).toBeLessThanOrEqual(COUNTER_SOURCES + 1);
      expect(sources.has('udp|other')).toBe(true);
      expect(counterTotal('dropped-unknown-source')).toBeLessThanOrEqual(addresses.length);
      // Nothing from them was stored or evaluated.
      expect(
        (
          app.store.db
            .prepare("SELECT COUNT(*) AS n FROM events WHERE json_extract(body, '$.user') = 'mallory'")
            .get() as { n: number }
        ).n,
      ).toBe(0);
      // A listed source still gets through.
      const s = createSocket('udp4');
      await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
      s.send(
        "<165>Nov 25 2026 10:00:00 VC_Q: %ACE-5-111008: User 'admin' executed the 'rserver host AFTER-SPOOF' command.",
        udpPort,
        '127.0.0.1',
      );
      await until(
        'the listed source accepted',
        () =>
          (
            app.store.db
              .prepare(
                "SELECT COUNT(*) AS n FROM events WHERE json_extract(body, '$.command') = 'rserver host AFTER-SPOOF'",
              )
              .get() as { n: number }
          ).n === 1,
      );
      s.close();
      const logged = logs.filter(
        (l) => typeof l.msg === 'string' && l.msg.startsWith('syslog from a source not in the inventory dropped'),
      ).length;
      console.log(`bounds: ${sources.size} counter keys for 5000 spoofed sources; ${logged} log lines about them`);
    },
  );

  it(`the pipeline queue (queue_limit ${QUEUE_LIMIT}): a burst beyond it is dropped and reported as one ingest-loss, which the rules act on`, async () => {
    const before = (app.store.db.prepare('SELECT COALESCE(MAX(id), 0) AS n FROM events').get() as { n: number }).n;
    const burst = 1000;
    // One synchronous burst, faster than any drain: what a stalled pipeline sees.
    for (let i = 0; i < burst; i++) {
      const e: AceEvent = parseSyslog(
        `<165>Nov 25 2026 10:00:00 VC_Q: %ACE-5-111008: User 'admin' executed the 'rserver host Q-${i}' command.`,
      );
      app.inventory.attribute(e, '127.0.0.1');
      e.transport = 'udp';
      e.receivedAt = Date.now();
      app.queue.push(e);
    }
    expect(app.queue.length).toBe(QUEUE_LIMIT);
    await until('the burst drained', () => app.queue.length === 0);
    await sleep(100);
    const rows = app.store.db
      .prepare('SELECT id, kind, body FROM events WHERE id > ? ORDER BY id')
      .all(before) as Array<{ id: number; kind: string; body: string }>;
    expect(rows.filter((r) => r.kind === 'config-change')).toHaveLength(QUEUE_LIMIT);
    const losses = rows.filter((r) => r.kind === 'ingest-loss');
    expect(losses).toHaveLength(1);
    const loss = JSON.parse(losses[0]!.body) as { reason: string; data: { dropped: number; sources: string[] } };
    expect(loss.reason).toBe('pipeline queue full');
    expect(loss.data.dropped).toBe(burst - QUEUE_LIMIT);
    expect(loss.data.sources).toContain('127.0.0.1');
    // The rules acted on it: the context of that source suspect, an audit asked for after its settle window.
    const matched = app.store.db
      .prepare("SELECT rule FROM decisions WHERE event_id = ? AND kind = 'match'")
      .all(losses[0]!.id) as Array<{ rule: string }>;
    expect(matched.map((m) => m.rule)).toContain('ingest-loss-audits-sources');
    expect(app.store.context('ace-q', 'VC_Q')?.sync).toBe('suspect');
  });

  it(`live page clients: the ${SSE_LIMIT + 1}st stream gets 503, and a freed slot is usable again`, async () => {
    const open: Array<{ req: ClientRequest; res: IncomingMessage }> = [];
    // Ten per address at most (http.live_clients_per_address): fifty clients come from five addresses.
    const connect = (
      from = '127.0.0.6',
    ): Promise<{ req: ClientRequest; res: IncomingMessage; body: Promise<string> }> =>
      new Promise((resolveP, reject) => {
        const req = get(
          {
            host: '127.0.0.1',
            port: httpPort,
            path: '/api/v1/stream',
            headers: { accept: 'text/event-stream' },
            localAddress: from,
          },
          (res) => {
            let body = '';
            const done = new Promise<string>((r) => {
              res.on('data', (c: Buffer) => (body += c.toString('utf8')));
              res.on('end', () => r(body));
              res.on('close', () => r(body));
            });
            resolveP({ req, res, body: done });
          },
        );
        req.on('error', reject);
      });
    try {
      for (let i = 0; i < SSE_LIMIT; i++) {
        const c = await connect(`127.0.0.${1 + (i % 5)}`);
        expect(c.res.statusCode, `stream ${i + 1}`).toBe(200);
        open.push(c);
      }
      const refused = await connect();
      expect(refused.res.statusCode).toBe(503);
      expect(JSON.parse(await refused.body).code).toBe('ACESYNC_UNAVAILABLE');
      // One client leaves; its slot is free again once the server sees the close.
      const leaving = open.shift()!;
      leaving.req.destroy();
      const again = await until(
        'a freed slot',
        async () => {
          const c = await connect();
          if (c.res.statusCode === 200) return c;
          await c.body;
          return undefined;
        },
        5_000,
      );
      open.push(again);
      const over = await connect();
      expect(over.res.statusCode).toBe(503);
      await over.body;
    } finally {
      for (const c of open) c.req.destroy();
    }
  });
});
