/**
 * The UDP syslog worker thread (`syslog.udp.worker`): owns the socket and runs the whole receive path
 * (allowlist, size, fast-path noise filter, parse, attribution) off the main event loop, which then sees
 * only relevant events and batched counts.
 *
 * Batches go to the main thread at the end of each I/O phase that produced an event (setImmediate), and
 * every `countFlushMs` while only counts changed; a `sync` request flushes at once (the loss watch uses it
 * so the sources read before a drop-counter check are known on the main thread before it reports).
 * Per-source problems are sent once per batch and rate-limited on the main thread, with its clock.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { AceEvent } from '../core/events.js';
import type { Logger } from '../core/log.js';
import { AcesyncError } from '../core/errors.js';
import { Inventory } from '../inventory/inventory.js';
import { Relays } from '../inventory/relays.js';
import type { SourceEntry } from './source-filter.js';
import { SyslogPath, type PathEffects } from './syslog-path.js';
import { UdpSyslogReceiver } from './syslog-udp.js';
import type {
  Batch,
  FromWorker,
  LogRecord,
  ProblemRecord,
  SeenRecord,
  ToWorker,
  WorkerInit,
} from './worker-protocol.js';

/** Distinct (problem, source) records in one batch; more are left to the next. */
const MAX_PROBLEMS_PER_BATCH = 256;

const port = parentPort;
if (port === null) throw new Error('udp-worker.ts runs as a worker thread');
const init = workerData as WorkerInit;
const send = (m: FromWorker): void => port.postMessage(m);

/** Enough of a logger for the socket wrapper: records go to the main thread's logger. */
function relayLog(level: LogRecord['level']) {
  return (obj: Record<string, unknown>, msg: string): void => {
    const o: Record<string, unknown> = { ...obj };
    if (o.err instanceof Error) o.err = { message: o.err.message, code: (o.err as NodeJS.ErrnoException).code };
    send({ type: 'log', record: { level, obj: o, msg } });
  };
}
const logger = { info: relayLog('info'), warn: relayLog('warn'), error: relayLog('error') } as unknown as Logger;

const inventory = new Inventory(init.devices);
let seq = 0;
let counts: Batch['counts'] = [];
let seen: SourceEntry[] = [];
let problems: ProblemRecord[] = [];
const problemKeys = new Set<string>();
let events: AceEvent[] = [];
let scheduled = false;
/** Relay entries: how many of their `behind` devices the main thread has been told about. */
const behindSent = new WeakMap<SourceEntry, number>();

/** Events sent to the main thread so far; [0] of `consumed` is how many it has taken. */
let sent = 0;
const consumed = new Int32Array(init.consumed);
/** Events dropped because the main thread fell `maxInFlight` behind, not yet reported. */
let loss: { from: number; to: number; dropped: number; sources: Set<string> } | undefined;

/** Events sent or pending and not yet taken (modulo 2^32: the shared counter is an Int32 and wraps). */
const inFlight = (): number => (sent + events.length - Atomics.load(consumed, 0)) | 0;

function overloaded(event: AceEvent): boolean {
  if (inFlight() < init.maxInFlight) return false;
  const now = Date.now();
  loss ??= { from: now, to: now, dropped: 0, sources: new Set() };
  loss.to = now;
  loss.dropped++;
  if (event.source !== undefined && loss.sources.size < 256) loss.sources.add(event.source);
  return true;
}

const fx: PathEffects = {
  count(transport, address, outcome, n = 1) {
    counts.push(transport, address, outcome, n);
  },
  logOnce(problem, entry, msg, extra = {}) {
    const key = `${problem}|${entry.address}`;
    if (problemKeys.has(key) || problemKeys.size >= MAX_PROBLEMS_PER_BATCH) return;
    problemKeys.add(key);
    problems.push({ problem, source: entry.address, device: entry.device, msg, extra });
  },
  push(event) {
    if (overloaded(event)) return;
    events.push(event);
    if (!scheduled) {
      scheduled = true;
      setImmediate(post);
    }
  },
  now: () => Date.now(),
  // Once per source and batch (the tick is the batch number).
  seen(entry) {
    seen.push(entry);
  },
};

const path = new SyslogPath(
  inventory,
  {
    maxBytes: init.maxBytes,
    storeNoise: init.storeNoise,
    acceptUnknown: init.acceptUnknown,
    relays: new Relays(init.relays),
  },
  fx,
);

function seenRecord(e: SourceEntry): SeenRecord {
  let behind: string[] | undefined;
  if (e.behind !== undefined && e.behind.size > (behindSent.get(e) ?? 0)) {
    behind = [...e.behind].slice(behindSent.get(e) ?? 0);
    behindSent.set(e, e.behind.size);
  }
  return [e.address, e.device, behind];
}

/** Send what is pending (nothing when nothing is). */
function post(): void {
  scheduled = false;
  path.flush();
  if (loss !== undefined && ((sent - Atomics.load(consumed, 0)) | 0) <= 0) {
    // The main thread caught up: report what was dropped meanwhile (the event queue's report, same shape).
    events.push({
      kind: 'ingest-loss',
      transport: 'internal',
      receivedAt: Date.now(),
      reason: 'pipeline queue full',
      data: { from: loss.from, to: loss.to, dropped: loss.dropped, sources: [...loss.sources] },
    });
    loss = undefined;
  }
  if (counts.length === 0 && seen.length === 0 && problems.length === 0 && events.length === 0) return;
  const batch: Batch = { type: 'batch', counts, seen: seen.map(seenRecord), problems, events };
  counts = [];
  seen = [];
  problems = [];
  events = [];
  problemKeys.clear();
  // A new tick: the next datagram of each source marks it seen again.
  seq++;
  sent += batch.events.length;
  send(batch);
}

const udp = new UdpSyslogReceiver({
  host: init.host,
  port: init.port,
  recvBufferBytes: init.recvBufferBytes,
  logger,
  onMessage: (data, address) => path.datagram(data, address, seq),
});

const timer = setInterval(post, init.countFlushMs);

port.on('message', (m: ToWorker) => {
  if (m.type === 'inventory') {
    post();
    inventory.replaceWith(new Inventory(m.devices));
    path.refresh();
  } else if (m.type === 'sync') {
    post();
    send({ type: 'synced', id: m.id });
  } else if (m.type === 'stall') {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, m.ms);
  } else if (m.type === 'stop') {
    clearInterval(timer);
    void udp.stop().then(() => {
      post();
      send({ type: 'stopped' });
      port.close();
    });
  }
});

try {
  const b = await udp.start();
  send({ type: 'bound', ...b });
} catch (err) {
  clearInterval(timer);
  send({ type: 'bind-error', message: err instanceof AcesyncError ? err.message : String(err) });
  port.close();
}
