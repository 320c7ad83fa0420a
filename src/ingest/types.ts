/**
 * Contracts between the ingest stage and the rest of the pipeline.
 * Receivers read, drop what is not allowed, fast-path noise and hand relevant
 * events to a sink. They never wait for disk, SSH or HTTP.
 */
import type { Config } from '../config/schema.js';
import type { AceEvent } from '../core/events.js';
import type { Inventory } from '../inventory/inventory.js';
import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/log.js';

/** Where accepted events go. Must not block: implementations queue and return. */
export interface EventSink {
  push(event: AceEvent): void;
}

/** Outcomes counted per source for every datagram, frame or trap. */
export type IngestOutcome =
  | 'accepted'
  | 'noise'
  | 'dropped-unknown-source'
  | 'dropped-unknown-origin'
  | 'malformed'
  | 'oversize'
  | 'rejected-auth'
  | 'queue-full'
  /** A TCP connection of an allowed source refused: the source held max_connections_per_source. */
  | 'refused-per-source-limit'
  /** A TCP connection of an allowed source refused: max_connections were open. */
  | 'refused-connection-limit';

export interface IngestDeps {
  config: Config;
  inventory: Inventory;
  sink: EventSink;
  logger: Logger;
  clock: Clock;
  counters: IngestCounters;
  /** Where secrets (SNMPv3 keys) are read from (default process.env), as buildApp's `env`. */
  env?: NodeJS.ProcessEnv;
  /** Where `/proc` is read (the kernel drop counter); tests point it at a scripted copy. Default `/proc`. */
  procRoot?: string;
}

/** A running listener (syslog UDP/TCP, SNMP). */
export interface Listener {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Bound addresses, after start (port 0 resolves to the real port). */
  addresses(): Array<{ transport: 'udp' | 'tcp' | 'snmp'; address: string; port: number }>;
}

/**
 * Counters per (transport, source, outcome). The number of distinct sources tracked is
 * bounded: beyond the limit, new sources are folded into `other` so a spoofing flood
 * cannot grow memory without bound.
 */
export class IngestCounters {
  readonly maxSources: number;
  readonly #counts = new Map<string, Map<IngestOutcome, number>>();
  readonly #totals = new Map<IngestOutcome, number>();
  /** Kernel drops on our sockets (from /proc/net/udp). */
  kernelDrops = 0;
  /**
   * SNMP notifications rejected, per reason (a fixed set: snmp-rejections.ts `RejectReason`), all sources
   * together: the per-source detail stays in the rate-limited log, so the metric's labels are bounded.
   */
  readonly snmpRejections = new Map<string, number>();
  /** Times the syslog UDP worker thread failed and was restarted (`syslog.udp.worker`). */
  workerFailures = 0;

  constructor(maxSources = 4096) {
    this.maxSources = maxSources;
  }

  add(transport: string, source: string, outcome: IngestOutcome, n = 1): void {
    let key = `${transport}|${source}`;
    let m = this.#counts.get(key);
    if (!m) {
      if (this.#counts.size >= this.maxSources) {
        key = `${transport}|other`;
        m = this.#counts.get(key);
      }
      if (!m) {
        m = new Map();
        this.#counts.set(key, m);
      }
    }
    m.set(outcome, (m.get(outcome) ?? 0) + n);
    this.#totals.set(outcome, (this.#totals.get(outcome) ?? 0) + n);
  }

  rejectSnmp(reason: string): void {
    this.snmpRejections.set(reason, (this.snmpRejections.get(reason) ?? 0) + 1);
  }

  total(outcome: IngestOutcome): number {
    return this.#totals.get(outcome) ?? 0;
  }

  snapshot(): Array<{ transport: string; source: string; outcome: IngestOutcome; count: number }> {
    const out: Array<{ transport: string; source: string; outcome: IngestOutcome; count: number }> = [];
    for (const [key, m] of this.#counts) {
      const i = key.indexOf('|');
      for (const [outcome, count] of m)
        out.push({ transport: key.slice(0, i), source: key.slice(i + 1), outcome, count });
    }
    return out;
  }
}
