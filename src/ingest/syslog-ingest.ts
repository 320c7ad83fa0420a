/**
 * Syslog ingest: the UDP and TCP listeners, the receive path they share, and the kernel
 * loss watch on the UDP socket.
 *
 * The receive path does as little as possible, in this order: allowlist, size, fast-path
 * noise test (count and return: noise is the common case on a busy ACE and must never
 * delay the relevant lines behind it), full parse, attribution, hand-off to the sink (a
 * queue that never blocks). Nothing on it waits for disk, SSH or HTTP, and nothing a
 * device sends can throw out of it.
 */
import type { AceEvent } from '../core/events.js';
import { parseSyslog } from '../parse/syslog.js';
import { isCertainNoise } from '../parse/fast-path.js';
import type { IngestDeps, IngestOutcome, Listener } from './types.js';
import { SourceFilter, type SourceEntry } from './source-filter.js';
import { UdpSyslogReceiver } from './syslog-udp.js';
import { TcpSyslogReceiver, type TcpStats } from './syslog-tcp.js';
import { UdpDropReader } from './udp-drops.js';
import { LossWatch, type ActiveSources } from './loss-watch.js';
import { Relays, relayOrigin } from '../inventory/relays.js';
import { LogLimiter } from './log-limiter.js';

/** Raw text kept on an event, in characters. */
export const RAW_MAX_CHARS = 2048;
/** How often batched per-source counts (noise, unknown sources) reach the shared counters. */
const COUNTER_FLUSH_MS = 1000;
/** Sources listed in one ingest-loss event (devices are always all listed). */
const MAX_LOSS_SOURCES = 1024;
/** A known source whose TCP connections are refused raises ingest-loss at most this often. */
const REFUSED_LOSS_EVERY_MS = 10_000;
/** On stop, how long to keep reading datagrams already queued on the UDP socket. */
const STOP_DRAIN_MS = 1000;

type SyslogTransport = 'udp' | 'tcp';

/** UDP (and optionally TCP) syslog listeners feeding the sink. */
export class SyslogIngest implements Listener {
  readonly deps: IngestDeps;
  readonly #filter: SourceFilter;
  readonly #limiter = new LogLimiter();
  /** Refused TCP connections of known sources not yet reported as ingest-loss. */
  readonly #refusedLoss = new Map<string, { since: number; count: number; emittedAt: number }>();
  readonly #maxBytes: number;
  readonly #storeNoise: boolean;
  #udp: UdpSyslogReceiver | undefined;
  #tcp: TcpSyslogReceiver<SourceEntry> | undefined;
  #watch: LossWatch | undefined;
  #flushTimer: NodeJS.Timeout | undefined;
  #addresses: ReturnType<Listener['addresses']> = [];

  constructor(deps: IngestDeps) {
    this.deps = deps;
    const s = deps.config.syslog;
    this.#maxBytes = s.max_message_bytes;
    this.#storeNoise = s.store_noise;
    this.#filter = new SourceFilter(deps.inventory, {
      acceptUnknown: s.accept_unknown_sources,
      relays: new Relays(s.relays),
      onEvict: (e) => this.#flushEntry(e),
    });
  }

  async start(): Promise<void> {
    const { config, logger, clock, counters, sink } = this.deps;
    const s = config.syslog;
    try {
      if (s.udp.enabled) {
        this.#udp = new UdpSyslogReceiver({
          host: s.udp.host,
          port: s.udp.port,
          recvBufferBytes: s.udp.recv_buffer_bytes,
          logger,
          onMessage: (data, address) => this.#onDatagram(data, address),
        });
        const b = await this.#udp.start();
        this.#addresses.push({ transport: 'udp', address: b.address, port: b.port });
        const reader = new UdpDropReader({ port: b.port, family: b.family });
        const method = await reader.init();
        if (method === 'none')
          logger.warn(
            'no kernel UDP drop counter readable (/proc/net/udp, /proc/net/snmp): overload loss cannot be detected',
          );
        else logger.info({ method, inode: reader.inode }, 'watching the kernel drop counter of the syslog UDP socket');
        this.#watch = new LossWatch({
          reader,
          intervalMs: s.loss_check_interval_ms,
          clock,
          logger,
          activeSources: (since) => this.#activeSources(since),
          emit: (e) => sink.push(e),
          onTotal: (drops) => {
            counters.kernelDrops = drops;
          },
          describe: { transport: 'udp', port: b.port },
        });
        this.#watch.start();
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
          onMessage: (data, entry) => this.#handle(data, entry, 'tcp'),
          onOversize: (entry, bytes) => this.#oversize(entry, 'tcp', bytes),
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

  async stop(): Promise<void> {
    if (this.#flushTimer) clearInterval(this.#flushTimer);
    this.#flushTimer = undefined;
    const udp = this.#udp;
    const tcp = this.#tcp;
    const watch = this.#watch;
    this.#udp = undefined;
    this.#tcp = undefined;
    // Read what is already queued on the UDP socket (closing discards it), then take the
    // last drop count while our /proc row still exists, then close. The watch stays set
    // meanwhile so the datagrams read now still mark their sources active.
    if (udp && watch) {
      await watch.drain(STOP_DRAIN_MS);
      await watch.stop();
    }
    await Promise.all([udp?.stop(), tcp?.stop()]);
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

  /** Fold per-source batched counts (noise, unknown sources) into the shared counters now. */
  flushCounters(): void {
    for (const e of this.#filter.entries()) this.#flushEntry(e);
    for (const x of this.#limiter.summaries(this.deps.clock.now()))
      this.deps.logger.warn(
        { problem: x.problem, lines: x.lines, sources: x.sources },
        x.problem === 'unknown'
          ? `${x.sources} more unknown senders dropped in the last minute (log lines capped)`
          : `${x.lines} more '${x.problem}' syslog warnings from ${x.sources} sources in the last minute (log lines capped)`,
      );
  }

  /** Run one kernel-drop check now (tests, shutdown); the timer does it periodically. */
  async checkLoss(): Promise<void> {
    await this.#watch?.check();
  }

  // --- receive path -------------------------------------------------------------------

  #onDatagram(data: Buffer, address: string): void {
    const entry = this.#filter.lookup(address);
    if (!entry.allowed) {
      // Counted (and logged) in batches by flushCounters: a spoofed flood costs one increment each.
      entry.pendingDropped++;
      return;
    }
    const watch = this.#watch;
    if (watch !== undefined) entry.seenTick = watch.tick;
    if (data.length > this.#maxBytes) {
      this.#oversize(entry, 'udp', data.length);
      return;
    }
    if (isCertainNoise(data)) {
      entry.pendingNoise++;
      if (this.#storeNoise) this.#parseAndPush(data, entry, 'udp', true);
      return;
    }
    this.#parseAndPush(data, entry, 'udp', false);
  }

  /** TCP frames (already bounded by the framer) take the same path after the allowlist. */
  #handle(data: Buffer, entry: SourceEntry, transport: SyslogTransport): void {
    if (data.length > this.#maxBytes) {
      this.#oversize(entry, transport, data.length);
      return;
    }
    if (isCertainNoise(data)) {
      this.#count(transport, entry, 'noise');
      if (this.#storeNoise) this.#parseAndPush(data, entry, transport, true);
      return;
    }
    this.#parseAndPush(data, entry, transport, false);
  }

  #parseAndPush(data: Buffer, entry: SourceEntry, transport: SyslogTransport, countedAsNoise: boolean): void {
    const { inventory, clock, sink } = this.deps;
    const raw = data.toString('utf8');
    let event: AceEvent;
    try {
      event = parseSyslog(raw, { now: clock.now() });
    } catch (err) {
      // The parser promises not to throw; if it ever does, the line is still accounted for.
      event = {
        kind: 'malformed',
        error: `parser failed: ${err instanceof Error ? err.message : String(err)}`.slice(0, 200),
      };
    }
    if (entry.relay !== undefined) {
      // Only a configured relay may name another origin; the origin then takes the direct path's attribution.
      const origin = relayOrigin(event, entry.relay, inventory);
      if (origin !== undefined) {
        inventory.attribute(event, origin.address);
        if (event.device !== undefined && entry.behind!.size < MAX_LOSS_SOURCES) entry.behind!.add(event.device);
      } else {
        event.source = entry.address;
        if (event.kind !== 'malformed' && event.kind !== 'noise' && !this.#filter.acceptUnknown) {
          this.#count(transport, entry, 'dropped-unknown-origin');
          this.#logOnce('unknown-origin', entry, 'relayed syslog line names no origin in the inventory: dropped', {
            relay: entry.relay.spec,
            hostname: event.relayHostname,
            deviceId: event.deviceId,
          });
          return;
        }
      }
      event.relay = entry.address;
    } else inventory.attribute(event, entry.address);
    event.transport = transport;
    event.receivedAt = clock.now();
    event.raw = raw.length > RAW_MAX_CHARS ? raw.slice(0, RAW_MAX_CHARS) : raw;
    if (event.kind === 'malformed') {
      this.#count(transport, entry, 'malformed');
      this.#logOnce('malformed', entry, 'malformed syslog message', {
        error: event.error,
        raw: event.raw.slice(0, 200),
      });
      sink.push(event);
    } else if (event.kind === 'noise') {
      // Noise the fast path could not rule out (it only knows ids that are always noise).
      if (!countedAsNoise) this.#count(transport, entry, 'noise');
      if (this.#storeNoise) sink.push(event);
    } else {
      this.#count(transport, entry, 'accepted');
      sink.push(event);
    }
  }

  #oversize(entry: SourceEntry, transport: SyslogTransport, bytes: number): void {
    this.#count(transport, entry, 'oversize');
    this.#logOnce('oversize', entry, 'oversize syslog message dropped', { bytes, max: this.#maxBytes, transport });
  }

  #framingError(entry: SourceEntry, reason: string, fatal: boolean): void {
    this.#count('tcp', entry, 'malformed');
    this.#logOnce(
      'framing',
      entry,
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
    const entry = this.#filter.lookup(address);
    if (entry.allowed) return entry;
    this.#count('tcp', entry, 'dropped-unknown-source');
    this.#logOnce('unknown', entry, 'syslog TCP connection from a source not in the inventory refused');
    return undefined;
  }

  #count(transport: SyslogTransport, entry: SourceEntry, outcome: IngestOutcome): void {
    this.deps.counters.add(transport, entry.address, outcome);
  }

  #flushEntry(e: SourceEntry): void {
    if (e.pendingNoise > 0) {
      this.deps.counters.add('udp', e.address, 'noise', e.pendingNoise);
      e.pendingNoise = 0;
    }
    if (e.pendingDropped > 0) {
      this.deps.counters.add('udp', e.address, 'dropped-unknown-source', e.pendingDropped);
      this.#logOnce(
        'unknown',
        e,
        'syslog from a source not in the inventory dropped (list it under a device or set syslog.accept_unknown_sources)',
        {
          dropped: e.pendingDropped,
        },
      );
      e.pendingDropped = 0;
    }
  }

  #logOnce(problem: string, entry: SourceEntry, msg: string, extra: Record<string, unknown> = {}): void {
    if (this.#limiter.allow(problem, entry.address, this.deps.clock.now())) {
      this.deps.logger.warn({ source: entry.address, device: entry.device, ...extra }, msg);
    }
  }

  #activeSources(sinceTick: number): ActiveSources {
    // A set: `::ffff:a.b.c.d` and `a.b.c.d` are two cache entries for one source.
    const sources = new Set<string>();
    const devices = new Set<string>();
    let truncated = this.#filter.evictedActiveTick >= sinceTick;
    for (const e of this.#filter.entries()) {
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
