/**
 * Syslog ingest: the UDP and TCP listeners, the receive path they share (syslog-path.ts), and the kernel
 * loss watch on the UDP socket.
 *
 * With `syslog.udp.worker` (the default) the UDP socket and its whole receive path run in a worker thread
 * (udp-worker.ts): the main thread gets relevant events and batched counts, and keeps the loss watch, the
 * rate-limited log lines and the counters. Without it, and always for TCP, the path runs here. Both give the
 * same events, counts, log lines and ingest-loss windows.
 */
import { systemClock } from '../core/clock.js';
import type { IngestDeps, IngestOutcome, Listener } from './types.js';
import type { SourceEntry } from './source-filter.js';
import { UdpSyslogReceiver, type BoundUdp } from './syslog-udp.js';
import { TcpSyslogReceiver, type TcpStats } from './syslog-tcp.js';
import { UdpDropReader, type DropReading } from './udp-drops.js';
import { LossWatch, type ActiveSources } from './loss-watch.js';
import { Relays } from '../inventory/relays.js';
import { MAX_LOSS_SOURCES, SyslogPath, type PathEffects, type SyslogTransport } from './syslog-path.js';
import { UdpWorkerHost } from './udp-worker-host.js';
import { SeenSources } from './seen-sources.js';
import type { Batch } from './worker-protocol.js';
import { LogLimiter } from './log-limiter.js';

export { RAW_MAX_CHARS } from './syslog-path.js';

/** How often batched per-source counts (noise, unknown sources) reach the shared counters. */
const COUNTER_FLUSH_MS = 1000;
/** How often the worker sends counts when no event is waiting. */
const WORKER_COUNT_FLUSH_MS = 50;
/** A known source whose TCP connections are refused raises ingest-loss at most this often. */
const REFUSED_LOSS_EVERY_MS = 10_000;
/** On stop, how long to keep reading datagrams already queued on the UDP socket. */
const STOP_DRAIN_MS = 1000;

/**
 * The drop counter of the worker's socket, across worker restarts (a new socket, a new /proc row: the total
 * carries on from the old one). Each read also waits until the worker's batches up to now have arrived, so
 * the sources it read before the check are known when the watch reports.
 */
class WorkerDropReader {
  #reader: UdpDropReader;
  #carried = 0;
  #last = 0;
  readonly #sync: () => Promise<void>;
  constructor(reader: UdpDropReader, sync: () => Promise<void>) {
    this.#reader = reader;
    this.#sync = sync;
  }
  get inner(): UdpDropReader {
    return this.#reader;
  }
  async replace(reader: UdpDropReader): Promise<DropReading['method']> {
    this.#carried = this.#last;
    this.#reader = reader;
    return reader.init();
  }
  async read(): Promise<DropReading> {
    const r = await this.#reader.read();
    await this.#sync();
    this.#last = Math.max(this.#last, this.#carried + r.drops);
    return { ...r, drops: this.#last };
  }
}

/** UDP (and optionally TCP) syslog listeners feeding the sink. */
export class SyslogIngest implements Listener {
  readonly deps: IngestDeps;
  /** The receive path on this thread: TCP always, UDP when `syslog.udp.worker` is off. */
  readonly #path: SyslogPath;
  readonly #limiter = new LogLimiter();
  /** Refused TCP connections of known sources not yet reported as ingest-loss. */
  readonly #refusedLoss = new Map<string, { since: number; count: number; emittedAt: number }>();
  #udp: UdpSyslogReceiver | undefined;
  #host: UdpWorkerHost | undefined;
  /** Worker mode: the sources the worker read from, by loss-watch tick. */
  #seen: SeenSources | undefined;
  #dropReader: WorkerDropReader | undefined;
  /** Worker mode: when the last batch arrived (a failed worker's gap starts there). */
  #lastBatchAt = 0;
  #failedAt: number | undefined;
  /** [0]: events taken from the worker's batches (the worker bounds what it has in flight by it). */
  readonly #consumed = new Int32Array(new SharedArrayBuffer(4));
  #tcp: TcpSyslogReceiver<SourceEntry> | undefined;
  #watch: LossWatch | undefined;
  #flushTimer: NodeJS.Timeout | undefined;
  #unsubscribe: (() => void) | undefined;
  #addresses: ReturnType<Listener['addresses']> = [];

  constructor(deps: IngestDeps) {
    this.deps = deps;
    const s = deps.config.syslog;
    const fx: PathEffects = {
      count: (transport, address, outcome, n) => deps.counters.add(transport, address, outcome, n),
      logOnce: (problem, entry, msg, extra) => this.#logOnce(problem, entry.address, entry.device, msg, extra),
      push: (event) => deps.sink.push(event),
      now: () => deps.clock.now(),
    };
    this.#path = new SyslogPath(
      deps.inventory,
      {
        maxBytes: s.max_message_bytes,
        storeNoise: s.store_noise,
        acceptUnknown: s.accept_unknown_sources,
        relays: new Relays(s.relays),
      },
      fx,
    );
  }

  /** The UDP worker thread, when `syslog.udp.worker` is on and it runs (diagnostics, tests). */
  get worker(): UdpWorkerHost['worker'] {
    return this.#host?.worker;
  }

  async start(): Promise<void> {
    const { config, logger, inventory } = this.deps;
    const s = config.syslog;
    // A configuration reload replaces the inventory in place: cached attributions are derived again.
    this.#unsubscribe = inventory.onReplace(() => this.#inventoryChanged());
    try {
      if (s.udp.enabled) {
        const b = s.udp.worker ? await this.#startWorker() : await this.#startUdpHere();
        this.#addresses.push({ transport: 'udp', address: b.address, port: b.port });
      }
      if (s.tcp.enabled) {
        this.#tcp = new TcpSyslogReceiver<SourceEntry>({
          host: s.tcp.host,
          port: s.tcp.port,
          maxConnections: s.tcp.max_connections,
          maxConnectionsPerSource: s.tcp.max_connections_per_source,
          idleTimeoutMs: s.tcp.idle_timeout_ms,
          maxMessageBytes: s.max_message_bytes,
          logger,
          accept: (address) => this.#acceptConnection(address),
          onMessage: (data, entry) => this.#path.frame(data, entry, 'tcp'),
          onOversize: (entry, bytes) => this.#path.oversize(entry, 'tcp', bytes),
          onFramingError: (entry, reason, fatal) => this.#framingError(entry, reason, fatal),
          onRefused: (entry, limit) => this.#refused(entry, limit),
        });
        const b = await this.#tcp.start();
        this.#addresses.push({ transport: 'tcp', address: b.address, port: b.port });
      }
    } catch (err) {
      await this.stop();
      throw err;
    }
    this.#flushTimer = setInterval(() => this.flushCounters(), COUNTER_FLUSH_MS);
    this.#flushTimer.unref();
  }

  async #startUdpHere(): Promise<BoundUdp> {
    const s = this.deps.config.syslog;
    this.#udp = new UdpSyslogReceiver({
      host: s.udp.host,
      port: s.udp.port,
      recvBufferBytes: s.udp.recv_buffer_bytes,
      logger: this.deps.logger,
      onMessage: (data, address) => this.#path.datagram(data, address, this.#watch?.tick ?? -1),
    });
    const b = await this.#udp.start();
    const reader = new UdpDropReader({ port: b.port, family: b.family, procRoot: this.deps.procRoot });
    this.#reportDropMethod(await reader.init(), reader.inode);
    this.#startWatch(reader, b, (since) => this.#activeSources(since));
    return b;
  }

  async #startWorker(): Promise<BoundUdp> {
    const s = this.deps.config.syslog;
    this.#seen = new SeenSources();
    this.#host = new UdpWorkerHost({
      init: {
        host: s.udp.host,
        port: s.udp.port,
        recvBufferBytes: s.udp.recv_buffer_bytes,
        maxBytes: s.max_message_bytes,
        storeNoise: s.store_noise,
        acceptUnknown: s.accept_unknown_sources,
        relays: s.relays,
        devices: this.deps.inventory.deviceConfigs(),
        countFlushMs: WORKER_COUNT_FLUSH_MS,
        maxInFlight: s.queue_limit,
        consumed: this.#consumed.buffer as SharedArrayBuffer,
      },
      logger: this.deps.logger,
      onBatch: (b) => this.#onBatch(b),
      onFailure: (err) => this.#workerFailed(err),
      onRestart: (b) => void this.#workerRestarted(b),
    });
    const b = await this.#host.start();
    this.#lastBatchAt = this.deps.clock.now();
    const host = this.#host;
    const reader = new UdpDropReader({ port: b.port, family: b.family, procRoot: this.deps.procRoot });
    this.#reportDropMethod(await reader.init(), reader.inode);
    this.#dropReader = new WorkerDropReader(reader, () => host.sync());
    this.#startWatch(this.#dropReader, b, (since) => this.#seen!.active(since));
    return b;
  }

  #reportDropMethod(method: DropReading['method'], inode: number | undefined): void {
    if (method === 'none')
      this.deps.logger.warn(
        'no kernel UDP drop counter readable (/proc/net/udp, /proc/net/snmp): overload loss cannot be detected',
      );
    else this.deps.logger.info({ method, inode }, 'watching the kernel drop counter of the syslog UDP socket');
  }

  #startWatch(
    reader: { read(): Promise<DropReading> },
    b: BoundUdp,
    activeSources: (since: number) => ActiveSources,
  ): void {
    const { config, clock, logger, sink, counters } = this.deps;
    this.#watch = new LossWatch({
      reader,
      intervalMs: config.syslog.loss_check_interval_ms,
      clock,
      logger,
      activeSources,
      emit: (e) => sink.push(e),
      onTotal: (drops) => {
        counters.kernelDrops = drops;
      },
      describe: { transport: 'udp', port: b.port },
    });
    this.#watch.start();
  }

  async stop(): Promise<void> {
    if (this.#flushTimer) clearInterval(this.#flushTimer);
    this.#flushTimer = undefined;
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    const udp = this.#udp;
    const host = this.#host;
    const tcp = this.#tcp;
    const watch = this.#watch;
    this.#udp = undefined;
    this.#tcp = undefined;
    // Read what is already queued on the UDP socket (closing discards it), then take the
    // last drop count while our /proc row still exists, then close. The watch stays set
    // meanwhile so the datagrams read now still mark their sources active.
    if ((udp || host) && watch) {
      await watch.drain(STOP_DRAIN_MS);
      await watch.stop();
    }
    await Promise.all([udp?.stop(), host?.stop(), tcp?.stop()]);
    this.#host = undefined;
    this.#watch = undefined;
    this.flushCounters();
    this.#addresses = [];
  }

  addresses(): ReturnType<Listener['addresses']> {
    return [...this.#addresses];
  }

  /** Connection-level TCP counts (refused, idle-closed, framing-closed). */
  tcpStats(): TcpStats | undefined {
    return this.#tcp ? { ...this.#tcp.stats } : undefined;
  }

  /**
   * Fold per-source batched counts (noise, unknown sources) into the shared counters now. The worker's
   * arrive with its batches (at the latest every 50 ms; `settle()` waits for them).
   */
  flushCounters(): void {
    this.#path.flush();
    for (const x of this.#limiter.summaries(this.deps.clock.now()))
      this.deps.logger.warn(
        { problem: x.problem, lines: x.lines, sources: x.sources },
        x.problem === 'unknown'
          ? `${x.sources} more unknown senders dropped in the last minute (log lines capped)`
          : `${x.lines} more '${x.problem}' syslog warnings from ${x.sources} sources in the last minute (log lines capped)`,
      );
  }

  /** Resolve once everything the UDP worker has read so far is counted and handed on (no-op without one). */
  async settle(): Promise<void> {
    await this.#host?.sync();
  }

  /** Run one kernel-drop check now (tests, shutdown); the timer does it periodically. */
  async checkLoss(): Promise<void> {
    await this.#watch?.check();
  }

  // --- worker mode ----------------------------------------------------------------------

  #onBatch(b: Batch): void {
    const { counters, sink, clock } = this.deps;
    this.#lastBatchAt = clock.now();
    const c = b.counts;
    for (let i = 0; i + 3 < c.length; i += 4)
      counters.add(c[i] as string, c[i + 1] as string, c[i + 2] as IngestOutcome, c[i + 3] as number);
    const tick = this.#watch?.tick ?? 0;
    for (const [address, device, behind] of b.seen) this.#seen?.see(address, device, behind, tick);
    for (const p of b.problems) this.#logOnce(p.problem, p.source, p.device, p.msg, p.extra);
    // An injected clock (tests, replays) is this thread's: events are stamped with it at hand-off.
    const restamp = clock !== systemClock;
    for (const e of b.events) {
      if (restamp) e.receivedAt = clock.now();
      sink.push(e);
    }
    Atomics.add(this.#consumed, 0, b.events.length);
  }

  #workerFailed(err: unknown): void {
    const { counters, logger } = this.deps;
    counters.workerFailures++;
    // The next worker counts its events from 0 (the dead one's have all arrived: its exit comes after them).
    Atomics.store(this.#consumed, 0, 0);
    this.#failedAt ??= this.#lastBatchAt;
    logger.error({ err, failures: counters.workerFailures }, 'syslog UDP worker failed: datagrams may be lost');
  }

  /**
   * A restarted worker listens again: the datagrams it had read but not handed on, those queued on the old
   * socket and those sent while no socket was bound are lost, unknowably which. Every device may have sent
   * one: an ingest-loss for the gap names the sources recently active and every device of the inventory.
   */
  async #workerRestarted(b: BoundUdp): Promise<void> {
    const { clock, inventory, sink, logger } = this.deps;
    const to = clock.now();
    const from = this.#failedAt ?? to;
    this.#failedAt = undefined;
    this.#lastBatchAt = to;
    const watch = this.#watch;
    const active = this.#seen?.active(Math.max(0, (watch?.tick ?? 0) - 1)) ?? {
      sources: [],
      devices: [],
      truncated: false,
    };
    const devices = new Set([...active.devices, ...inventory.devices.keys()]);
    sink.push({
      kind: 'ingest-loss',
      transport: 'internal',
      receivedAt: to,
      reason: 'syslog UDP worker failed',
      data: {
        from,
        to,
        dropped: 'unknown',
        sources: active.sources,
        devices: [...devices],
        transport: 'udp',
        port: b.port,
        workerRestart: true,
      },
    });
    if (this.#dropReader) {
      const reader = new UdpDropReader({ port: b.port, family: b.family, procRoot: this.deps.procRoot });
      try {
        this.#reportDropMethod(await this.#dropReader.replace(reader), reader.inode);
      } catch (err) {
        logger.warn({ err }, 'reading the UDP drop counter of the restarted worker failed');
      }
    }
  }

  #inventoryChanged(): void {
    this.#path.refresh();
    this.#host?.setInventory(this.deps.inventory.deviceConfigs());
  }

  // --- TCP ------------------------------------------------------------------------------

  #framingError(entry: SourceEntry, reason: string, fatal: boolean): void {
    this.#count('tcp', entry, 'malformed');
    this.#logOnce(
      'framing',
      entry.address,
      entry.device,
      fatal ? 'syslog TCP stream out of sync: connection closed' : 'syslog TCP framing error',
      { reason },
    );
  }

  /**
   * A refused connection of an allowed source is counted; for a known source it is a loss:
   * whatever it meant to send is not heard, so its contexts are audited (ingest-loss, at
   * most one per source every REFUSED_LOSS_EVERY_MS, carrying the refusals since the last).
   */
  #refused(entry: SourceEntry, limit: 'per-source' | 'global'): void {
    this.#count('tcp', entry, limit === 'per-source' ? 'refused-per-source-limit' : 'refused-connection-limit');
    if (!entry.known) return;
    const now = this.deps.clock.now();
    const w = this.#refusedLoss.get(entry.address) ?? { since: now, count: 0, emittedAt: -Infinity };
    w.count++;
    if (!this.#refusedLoss.has(entry.address) && this.#refusedLoss.size >= 4096) this.#refusedLoss.clear();
    this.#refusedLoss.set(entry.address, w);
    if (now - w.emittedAt < REFUSED_LOSS_EVERY_MS) return;
    const why = limit === 'per-source' ? 'max_connections_per_source' : 'max_connections';
    this.deps.sink.push({
      kind: 'ingest-loss',
      transport: 'internal',
      receivedAt: now,
      reason: `syslog TCP connection refused (${why})`,
      data: {
        from: w.since,
        to: now,
        dropped: w.count,
        // The source's own contexts (a device-level address: every context of its device).
        sources: [entry.address],
        transport: 'tcp',
        refusedConnections: w.count,
      },
    });
    w.emittedAt = now;
    w.since = now;
    w.count = 0;
  }

  #acceptConnection(address: string): SourceEntry | undefined {
    const entry = this.#path.filter.lookup(address);
    if (entry.allowed) return entry;
    this.#count('tcp', entry, 'dropped-unknown-source');
    this.#logOnce(
      'unknown',
      entry.address,
      entry.device,
      'syslog TCP connection from a source not in the inventory refused',
    );
    return undefined;
  }

  #count(transport: SyslogTransport, entry: SourceEntry, outcome: IngestOutcome): void {
    this.deps.counters.add(transport, entry.address, outcome);
  }

  #logOnce(
    problem: string,
    source: string,
    device: string | undefined,
    msg: string,
    extra: Record<string, unknown> = {},
  ): void {
    if (this.#limiter.allow(problem, source, this.deps.clock.now())) {
      this.deps.logger.warn({ source, device, ...extra }, msg);
    }
  }

  #activeSources(sinceTick: number): ActiveSources {
    // A set: `::ffff:a.b.c.d` and `a.b.c.d` are two cache entries for one source.
    const sources = new Set<string>();
    const devices = new Set<string>();
    let truncated = this.#path.filter.evictedActiveTick >= sinceTick;
    for (const e of this.#path.filter.entries()) {
      if (!e.allowed || e.seenTick < sinceTick) continue;
      if (e.device !== undefined) devices.add(e.device);
      // Which relayed lines were lost is unknowable: every device seen behind an active relay is suspect.
      if (e.behind !== undefined) for (const d of e.behind) devices.add(d);
      if (sources.size < MAX_LOSS_SOURCES) sources.add(e.address);
      else truncated = true;
    }
    return { sources: [...sources], devices: [...devices], truncated };
  }
}
