/**
 * The UDP syslog socket. It only reads: every datagram goes straight to `onMessage`,
 * which must be cheap (the kernel buffer absorbs stalls, not slow handlers).
 *
 * `::` binds dual-stack, so IPv4 senders show up as `::ffff:a.b.c.d`; the handler
 * normalises addresses. The receive buffer (SO_RCVBUF) is set before bind; Linux doubles
 * the value for bookkeeping and caps the request at `net.core.rmem_max`, so the size the
 * socket reports is logged and compared with what was asked.
 */
import dgram from 'node:dgram';
import { readRmemMax, recvBufferReport } from './recv-buffer.js';
import { AcesyncError } from '../core/errors.js';
import type { Logger } from '../core/log.js';

export interface UdpReceiverOptions {
  host: string;
  port: number;
  recvBufferBytes: number;
  logger: Logger;
  /** Called for every datagram with the peer address exactly as the socket reports it. */
  onMessage(data: Buffer, address: string): void;
}

export interface BoundUdp {
  address: string;
  port: number;
  family: 4 | 6;
  /** SO_RCVBUF as the kernel reports it (twice the usable size on Linux). */
  recvBufferBytes: number;
}

export class UdpSyslogReceiver {
  readonly #o: UdpReceiverOptions;
  #socket: dgram.Socket | undefined;
  #bound: BoundUdp | undefined;

  constructor(opts: UdpReceiverOptions) {
    this.#o = opts;
  }

  get bound(): BoundUdp | undefined {
    return this.#bound;
  }

  async start(): Promise<BoundUdp> {
    const { host, port, logger } = this.#o;
    const family = host.includes(':') ? 6 : 4;
    const socket = dgram.createSocket({
      type: family === 6 ? 'udp6' : 'udp4',
      recvBufferSize: this.#o.recvBufferBytes,
    });
    const onMessage = this.#o.onMessage;
    socket.on('message', (msg: Buffer, rinfo: dgram.RemoteInfo) => onMessage(msg, rinfo.address));
    await new Promise<void>((resolve, reject) => {
      const fail = (err: Error): void => {
        socket.close();
        reject(
          new AcesyncError(
            'ACESYNC_LISTEN',
            `syslog.udp.port: syslog UDP cannot bind ${host}:${port}: ${err.message} (set syslog.udp.host/port)`,
            { key: ['syslog', 'udp', 'port'] },
            { cause: err },
          ),
        );
      };
      socket.once('error', fail);
      socket.bind({ address: host, port, exclusive: true }, () => {
        socket.off('error', fail);
        resolve();
      });
    });
    // After bind, a socket error (e.g. ICMP-triggered on some kernels) must not crash the service.
    socket.on('error', (err) => logger.error({ err }, 'syslog UDP socket error'));
    this.#socket = socket;
    const a = socket.address();
    const effective = socket.getRecvBufferSize();
    this.#bound = { address: a.address, port: a.port, family, recvBufferBytes: effective };
    const requested = this.#o.recvBufferBytes;
    const buf = recvBufferReport('syslog UDP', requested, effective, await readRmemMax());
    if (buf.message)
      logger.warn({ requested, granted: buf.granted, reported: effective, rmemMax: buf.rmemMax }, buf.message);
    logger.info(
      { transport: 'udp', address: a.address, port: a.port, recvBufferBytes: effective, requested },
      'syslog UDP listening',
    );
    return this.#bound;
  }

  async stop(): Promise<void> {
    const s = this.#socket;
    this.#socket = undefined;
    if (!s) return;
    await new Promise<void>((resolve) => {
      try {
        s.close(() => resolve());
      } catch {
        resolve(); // already closed
      }
    });
  }
}
