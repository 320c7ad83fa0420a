/**
 * The TCP syslog listener: bounded connections, an idle timeout, and one RFC 6587 framer
 * per connection. The source is checked once, when the connection arrives; a rejected
 * connection is closed before any of its bytes are read.
 */
import net from 'node:net';
import { AcesyncError } from '../core/errors.js';
import type { Logger } from '../core/log.js';
import { SyslogFramer } from './tcp-framing.js';

export interface TcpReceiverOptions<T> {
  host: string;
  port: number;
  maxConnections: number;
  /** Connections one source address may hold open (so one source cannot lock the others out). */
  maxConnectionsPerSource?: number;
  idleTimeoutMs: number;
  maxMessageBytes: number;
  logger: Logger;
  /** Decide on a new connection from `address`: a token passed to the callbacks below, or undefined to refuse it. */
  accept(address: string): T | undefined;
  onMessage(data: Buffer, token: T): void;
  onOversize(token: T, bytes: number): void;
  /** A framing error; `fatal` ones close the connection. */
  onFramingError(token: T, reason: string, fatal: boolean): void;
  /** An allowed source's connection was refused by a limit (counted, and maybe reported as loss). */
  onRefused?(token: T, limit: 'per-source' | 'global'): void;
}

/** Connection-level counts (message outcomes go to IngestCounters through the callbacks). */
export interface TcpStats {
  accepted: number;
  /** Refused because `max_connections` were open. */
  refusedLimit: number;
  /** Refused because the source is not allowed. */
  refusedSource: number;
  /** Refused because the source already held `max_connections_per_source`. */
  refusedPerSource: number;
  idleClosed: number;
  framingClosed: number;
}

/** How long a closing connection may take before it is destroyed. */
const CLOSE_GRACE_MS = 1000;

export class TcpSyslogReceiver<T> {
  readonly #o: TcpReceiverOptions<T>;
  readonly #sockets = new Set<net.Socket>();
  /** Open connections per remote address (entries removed at zero). */
  readonly #perSource = new Map<string, number>();
  #server: net.Server | undefined;
  #bound: { address: string; port: number } | undefined;
  #limitLoggedAt = -Infinity;
  #perSourceLoggedAt = -Infinity;
  readonly stats: TcpStats = {
    accepted: 0,
    refusedLimit: 0,
    refusedSource: 0,
    refusedPerSource: 0,
    idleClosed: 0,
    framingClosed: 0,
  };

  constructor(opts: TcpReceiverOptions<T>) {
    this.#o = opts;
  }

  get bound(): { address: string; port: number } | undefined {
    return this.#bound;
  }

  /** Connections currently open. */
  get connections(): number {
    return this.#sockets.size;
  }

  async start(): Promise<{ address: string; port: number }> {
    const { host, port, logger } = this.#o;
    const server = net.createServer({ noDelay: true, pauseOnConnect: false }, (socket) => this.#onConnection(socket));
    await new Promise<void>((resolve, reject) => {
      const fail = (err: Error): void => {
        reject(
          new AcesyncError(
            'ACESYNC_LISTEN',
            `syslog.tcp.port: syslog TCP cannot listen on ${host}:${port}: ${err.message} (set syslog.tcp.host/port)`,
            { key: ['syslog', 'tcp', 'port'] },
            { cause: err },
          ),
        );
      };
      server.once('error', fail);
      server.listen({ host, port, exclusive: true }, () => {
        server.off('error', fail);
        resolve();
      });
    });
    server.on('error', (err) => logger.error({ err }, 'syslog TCP server error'));
    this.#server = server;
    const a = server.address() as net.AddressInfo;
    this.#bound = { address: a.address, port: a.port };
    logger.info(
      { transport: 'tcp', address: a.address, port: a.port, maxConnections: this.#o.maxConnections },
      'syslog TCP listening',
    );
    return this.#bound;
  }

  async stop(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    if (!server) return;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    await Promise.all([...this.#sockets].map((s) => closeSocket(s)));
    await closed;
  }

  #onConnection(socket: net.Socket): void {
    const o = this.#o;
    const address = socket.remoteAddress ?? '';
    // Source first: strangers must not use up the connection budget or its log lines.
    const token = o.accept(address);
    if (token === undefined) {
      this.stats.refusedSource++;
      socket.destroy();
      return;
    }
    // Per source before the global bound: a source at its share must not spend the others'.
    const held = this.#perSource.get(address) ?? 0;
    if (held >= (o.maxConnectionsPerSource ?? Infinity)) {
      this.stats.refusedPerSource++;
      const now = Date.now();
      if (now - this.#perSourceLoggedAt >= 60_000) {
        this.#perSourceLoggedAt = now;
        o.logger.warn(
          {
            source: address,
            maxConnectionsPerSource: o.maxConnectionsPerSource,
            refusedSoFar: this.stats.refusedPerSource,
          },
          'syslog TCP connection refused: max_connections_per_source reached for this source',
        );
      }
      socket.destroy();
      o.onRefused?.(token, 'per-source');
      return;
    }
    if (this.#sockets.size >= o.maxConnections) {
      this.stats.refusedLimit++;
      // A reconnecting client retries fast: one log line a minute, with the running count.
      const now = Date.now();
      if (now - this.#limitLoggedAt >= 60_000) {
        this.#limitLoggedAt = now;
        o.logger.warn(
          { source: address, maxConnections: o.maxConnections, refusedSoFar: this.stats.refusedLimit },
          'syslog TCP connection refused: max_connections reached',
        );
      }
      socket.destroy();
      o.onRefused?.(token, 'global');
      return;
    }
    this.stats.accepted++;
    this.#sockets.add(socket);
    this.#perSource.set(address, held + 1);
    socket.setNoDelay(true);
    socket.setTimeout(o.idleTimeoutMs);
    const framer = new SyslogFramer(
      { maxMessageBytes: o.maxMessageBytes },
      {
        message: (data) => o.onMessage(data, token),
        oversize: (bytes) => o.onOversize(token, bytes),
        error: (reason, fatal) => o.onFramingError(token, reason, fatal),
      },
    );
    socket.on('data', (chunk: Buffer) => {
      framer.push(chunk);
      if (framer.dead) {
        this.stats.framingClosed++;
        socket.destroy();
      }
    });
    socket.on('end', () => {
      framer.end();
      socket.end();
    });
    socket.on('timeout', () => {
      this.stats.idleClosed++;
      o.logger.info({ source: address, idleTimeoutMs: o.idleTimeoutMs }, 'syslog TCP connection idle: closed');
      socket.destroy();
    });
    // Resets and the like: the connection is gone, nothing to do but forget it.
    socket.on('error', (err) => o.logger.debug({ err, source: address }, 'syslog TCP connection error'));
    socket.on('close', () => {
      this.#sockets.delete(socket);
      const n = (this.#perSource.get(address) ?? 1) - 1;
      if (n <= 0) this.#perSource.delete(address);
      else this.#perSource.set(address, n);
    });
  }
}

function closeSocket(s: net.Socket): Promise<void> {
  if (s.destroyed) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const timer = setTimeout(() => s.destroy(), CLOSE_GRACE_MS);
    s.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
    s.end();
  });
}
