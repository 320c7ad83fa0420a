/**
 * buildApp wires the stages: receivers -> event queue -> pipeline. main passes real
 * sockets, the system clock and the database; tests pass their own.
 */
import type { Writable } from 'node:stream';
import type { LoadedConfig } from './config/load.js';
import type { AceEvent } from './events.js';
import { systemClock, type Clock } from './clock.js';
import { createLogger, type Logger } from './log.js';
import { Inventory } from './inventory/inventory.js';
import { EventQueue } from './ingest/event-queue.js';
import { IngestCounters, type Listener } from './ingest/types.js';
import { SyslogIngest } from './ingest/syslog-ingest.js';
import { SnmpIngest } from './ingest/snmp-receiver.js';

export interface AppOptions {
  loaded: LoadedConfig;
  /** Write every accepted event as one JSON line to `stdout`. */
  printEvents?: boolean;
  stdout?: Writable;
  logger?: Logger;
  clock?: Clock;
}

export interface App {
  readonly inventory: Inventory;
  readonly counters: IngestCounters;
  readonly queue: EventQueue;
  readonly listeners: Listener[];
  readonly logger: Logger;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export function buildApp(opts: AppOptions): App {
  const { config } = opts.loaded;
  const clock = opts.clock ?? systemClock;
  const logger = opts.logger ?? createLogger(config.log.level);
  const stdout = opts.stdout ?? process.stdout;
  const inventory = Inventory.fromConfig(config);
  const counters = new IngestCounters();

  const handle = (events: AceEvent[]): void => {
    if (opts.printEvents) {
      let out = '';
      for (const e of events) out += JSON.stringify(e) + '\n';
      stdout.write(out);
    }
  };
  const queue = new EventQueue({ limit: config.syslog.queue_limit, clock, drain: handle });
  const deps = { config, inventory, sink: queue, logger, clock, counters };
  const listeners: Listener[] = [];
  if (config.syslog.udp.enabled || config.syslog.tcp.enabled) listeners.push(new SyslogIngest(deps));
  if (config.snmp.enabled) listeners.push(new SnmpIngest(deps));

  return {
    inventory,
    counters,
    queue,
    listeners,
    logger,
    async start() {
      for (const l of listeners) await l.start();
      logger.info({ listeners: listeners.flatMap((l) => l.addresses()), devices: inventory.devices.size }, 'acesync started');
    },
    async stop() {
      for (const l of listeners) await l.stop().catch((err) => logger.warn({ err }, 'listener stop failed'));
      queue.flush();
    },
  };
}
