/**
 * The `dgramModule` handed to net-snmp's createReceiver. createReceiver has no option
 * for the things a trap receiver needs, so the socket it asks for is made here:
 *
 * - `recvBufferSize`: the default socket buffer holds ~166 traps and loses bursts.
 * - the bind address/port: net-snmp turns port 0 into 162 (`options.port || 162`), so
 *   its bind arguments are replaced with ours (port 0 works, tests use it).
 * - a gate in front of net-snmp's message handler: the source allowlist runs before any
 *   decoding (an unknown source never gets an inform ack or a USM report), and the
 *   handler runs inside try/catch, because net-snmp has throwing paths outside its own
 *   try (e.g. re-encoding an inform's varbinds for the ack: a BitString varbind throws
 *   from `socket.on('message')` and would end the process). net-snmp handles a datagram
 *   synchronously (decode, authenticate, ack, callback all happen inside `handler`), so
 *   what `admit` learns from the bytes belongs to this one datagram until `settled`.
 */
import dgram, { type RemoteInfo, type Socket, type SocketType } from 'node:dgram';

export interface TrapSocketOptions {
  type: SocketType;
  host: string;
  port: number;
  recvBufferBytes: number;
  /** Runs first for every datagram (with its bytes); false drops it before net-snmp sees it. */
  admit(rinfo: RemoteInfo, msg: Buffer): boolean;
  /** Runs after net-snmp's handler returned or threw, for every admitted datagram. */
  settled?(): void;
  /** net-snmp's handler threw for this datagram. */
  onHandlerError(err: unknown, rinfo: RemoteInfo): void;
}

type MessageListener = (msg: Buffer, rinfo: RemoteInfo) => void;

/** A dgram-compatible module whose createSocket returns our configured socket. */
export class TrapSocketFactory {
  readonly #opts: TrapSocketOptions;
  #socket: Socket | undefined;
  #ready: Promise<void> | undefined;

  constructor(opts: TrapSocketOptions) {
    this.#opts = opts;
  }

  /** The socket created for net-snmp (after createReceiver). */
  get socket(): Socket | undefined {
    return this.#socket;
  }

  /** Resolves once bound; rejects with the bind error (EADDRINUSE, EACCES, ...). */
  listening(timeoutMs = 5000): Promise<void> {
    if (!this.#ready) return Promise.reject(new Error('no socket was created'));
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`SNMP socket did not bind within ${timeoutMs} ms`)), timeoutMs);
    });
    return Promise.race([this.#ready, timeout]).finally(() => clearTimeout(timer));
  }

  /** Called by net-snmp's Listener once per configured socket. */
  createSocket = (_type: unknown): Socket => {
    if (this.#socket) throw new Error('TrapSocketFactory makes one socket');
    const opts = this.#opts;
    const socket = dgram.createSocket({ type: opts.type, recvBufferSize: opts.recvBufferBytes });
    this.#socket = socket;
    this.#ready = new Promise<void>((resolve, reject) => {
      const onError = (err: Error): void => reject(err);
      socket.once('error', onError);
      socket.once('listening', () => {
        socket.off('error', onError);
        resolve();
      });
    });
    // Reject the bind promise without an unhandled rejection if nobody awaits it.
    this.#ready.catch(() => undefined);

    const bind = socket.bind.bind(socket);
    socket.bind = ((..._ignored: unknown[]) =>
      bind({ port: opts.port, address: opts.host, exclusive: true })) as Socket['bind'];

    const on = socket.on.bind(socket);
    socket.on = ((event: string, listener: (...args: unknown[]) => void) => {
      if (event !== 'message') return on(event, listener);
      const handler = listener as MessageListener;
      return on('message', (msg: Buffer, rinfo: RemoteInfo) => {
        if (!opts.admit(rinfo, msg)) return;
        try {
          handler(msg, rinfo);
        } catch (err) {
          opts.onHandlerError(err, rinfo);
        } finally {
          opts.settled?.();
        }
      });
    }) as Socket['on'];
    return socket;
  };
}
