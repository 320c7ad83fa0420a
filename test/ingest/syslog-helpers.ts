/**
 * Shared set-up for the syslog ingest integration tests: a real SyslogIngest on loopback
 * sockets, a capturing sink and a capturing logger.
 */
import dgram from 'node:dgram';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { configSchema, type Config } from '../../src/config/schema.js';
import { Inventory } from '../../src/inventory/inventory.js';
import { IngestCounters, type EventSink, type IngestOutcome } from '../../src/ingest/types.js';
import { SyslogIngest } from '../../src/ingest/syslog-ingest.js';
import { ManualClock } from '../../src/core/clock.js';
import type { AceEvent } from '../../src/core/events.js';

export const RELEVANT =
  "<165>Nov 25 2026 10:00:00 ctx1: %ACE-5-111008: User 'admin' executed the 'rserver host r1' command.";
export const NOISE =
  '<166>Nov 25 2026 10:00:00 ctx1: %ACE-6-302022: Built TCP connection 0x1618 for vlan303:A/4928 (10.35.1.83/4928) to vlan600:B/80 (B/80)';

/** A line that must reach the sink, numbered so tests can match it. */
export const relevant = (n: number | string, ctx = 'ctx1'): string =>
  `<165>Nov 25 2026 10:00:00 ${ctx}: %ACE-5-111008: User 'admin' executed the 'rserver host r${n}' command.`;

export class CapturingSink implements EventSink {
  readonly events: AceEvent[] = [];
  readonly #waiters = new Set<() => void>();
  push(event: AceEvent): void {
    this.events.push(event);
    for (const w of [...this.#waiters]) w();
  }
  /** Resolve with the first event (past or future) matching `pred`, or reject after `ms`. */
  waitFor(pred: (e: AceEvent) => boolean, ms = 5000): Promise<AceEvent> {
    return new Promise((resolve, reject) => {
      const hit = this.events.find(pred);
      if (hit) return resolve(hit);
      const timer = setTimeout(() => {
        this.#waiters.delete(check);
        reject(new Error(`no matching event within ${ms} ms; got ${JSON.stringify(this.events.slice(-5))}`));
      }, ms);
      const check = (): void => {
        const e = this.events.find(pred);
        if (e) {
          clearTimeout(timer);
          this.#waiters.delete(check);
          resolve(e);
        }
      };
      this.#waiters.add(check);
    });
  }
}

export interface Harness {
  ingest: SyslogIngest;
  sink: CapturingSink;
  counters: IngestCounters;
  clock: ManualClock;
  config: Config;
  logs: Array<Record<string, unknown>>;
  udpPort(): number;
  tcpPort(): number;
  count(source: string, outcome: IngestOutcome, transport?: string): number;
}

/** Two devices; ace1 owns 127.0.0.1 and ::1, its context ctx1 owns 127.0.0.3. */
export const DEVICES = [
  {
    name: 'ace1',
    host: '10.0.0.1',
    peer: 'ace2',
    sources: ['127.0.0.1', '::1'],
    contexts: [{ name: 'ctx1', sources: ['127.0.0.3'] }],
  },
  { name: 'ace2', host: '10.0.0.2', peer: 'ace1', sources: ['127.0.0.2'] },
];

export async function startIngest(
  syslog: Record<string, unknown> = {},
  devices: unknown[] = DEVICES,
): Promise<Harness> {
  const config = configSchema.parse({
    syslog: {
      ...syslog,
      // ACESYNC_TEST_UDP_WORKER=false runs these tests on the single-thread path (default: the worker).
      udp: {
        host: '127.0.0.1',
        port: 0,
        worker: process.env.ACESYNC_TEST_UDP_WORKER !== 'false',
        ...(syslog.udp as object | undefined),
      },
    },
    snmp: { enabled: false },
    devices,
  });
  const logs: Array<Record<string, unknown>> = [];
  const logStream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const line of chunk.toString('utf8').split('\n'))
        if (line) logs.push(JSON.parse(line) as Record<string, unknown>);
      cb();
    },
  });
  const logger = pino({ level: 'debug' }, logStream);
  const sink = new CapturingSink();
  const counters = new IngestCounters();
  const clock = new ManualClock(Date.UTC(2026, 10, 25, 10, 0, 0));
  const ingest = new SyslogIngest({ config, inventory: Inventory.fromConfig(config), sink, logger, clock, counters });
  await ingest.start();
  const port = (t: string): number => {
    const a = ingest.addresses().find((x) => x.transport === t);
    if (!a) throw new Error(`no ${t} listener`);
    return a.port;
  };
  return {
    ingest,
    sink,
    counters,
    clock,
    config,
    logs,
    udpPort: () => port('udp'),
    tcpPort: () => port('tcp'),
    count(source, outcome, transport = 'udp') {
      ingest.flushCounters();
      return (
        counters.snapshot().find((c) => c.source === source && c.outcome === outcome && c.transport === transport)
          ?.count ?? 0
      );
    },
  };
}

/** A UDP sender bound to a given loopback address (127.0.0.0/8 all work on Linux). */
export async function udpSender(bindAddress = '127.0.0.1'): Promise<{
  send(msg: string | Buffer, port: number, to?: string): Promise<void>;
  close(): void;
}> {
  const family = bindAddress.includes(':') ? 'udp6' : 'udp4';
  const s = dgram.createSocket(family);
  await new Promise<void>((resolve, reject) => {
    s.once('error', reject);
    s.bind(0, bindAddress, () => resolve());
  });
  return {
    send: (msg, port, to = family === 'udp6' ? '::1' : '127.0.0.1') =>
      new Promise<void>((resolve, reject) => s.send(msg, port, to, (err) => (err ? reject(err) : resolve()))),
    close: () => s.close(),
  };
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
