/**
 * Messages between the main thread and the UDP syslog worker (udp-worker.ts). Plain data only
 * (structured clone): events, counts, which sources were seen, and log records.
 */
import type { DeviceConfig } from '../config/schema.js';
import type { RelayConfig } from '../config/sections/syslog.js';
import type { AceEvent } from '../core/events.js';
import type { IngestOutcome } from './types.js';
import type { SyslogTransport } from './syslog-path.js';

export interface WorkerInit {
  host: string;
  port: number;
  recvBufferBytes: number;
  maxBytes: number;
  storeNoise: boolean;
  acceptUnknown: boolean;
  relays: RelayConfig[];
  devices: DeviceConfig[];
  /** How often counts alone (no event waiting) are sent, in ms. */
  countFlushMs: number;
  /**
   * Events sent and not yet taken by the main thread beyond which the worker drops (and reports, like the event
   * queue: one `ingest-loss` once the backlog is gone) instead of queueing without bound while the main loop stalls.
   */
  maxInFlight: number;
  /** Int32Array over it: [0] = events the main thread has taken (written there, read here). */
  consumed: SharedArrayBuffer;
}

export interface LogRecord {
  level: 'info' | 'warn' | 'error';
  obj: Record<string, unknown>;
  msg: string;
}

/** A per-source problem, rate-limited on the main thread (its clock). One per key and batch. */
export interface ProblemRecord {
  problem: string;
  source: string;
  device: string | undefined;
  msg: string;
  extra: Record<string, unknown>;
}

/** A source seen since the last batch: its address, device, and the devices newly seen behind it (relays). */
export type SeenRecord = [address: string, device: string | undefined, behind: string[] | undefined];

export interface Batch {
  type: 'batch';
  /** Flattened (transport, source, outcome, n) quadruples, applied before the events. */
  counts: Array<SyslogTransport | string | IngestOutcome | number>;
  seen: SeenRecord[];
  problems: ProblemRecord[];
  events: AceEvent[];
}

export type FromWorker =
  | { type: 'bound'; address: string; port: number; family: 4 | 6; recvBufferBytes: number }
  | { type: 'bind-error'; message: string }
  | { type: 'log'; record: LogRecord }
  | Batch
  | { type: 'synced'; id: number }
  | { type: 'stopped' };

export type ToWorker =
  | { type: 'inventory'; devices: DeviceConfig[] }
  | { type: 'sync'; id: number }
  | { type: 'stop' }
  /** Diagnostics and tests: block the worker's event loop for `ms` (as a hung parser would). */
  | { type: 'stall'; ms: number };
