/**
 * Is a loopback port free? The demo listens on fixed ports (syslog 5514/udp, SNMP
 * 5162/udp, the page on 8080/tcp); checking before anything starts turns "EADDRINUSE"
 * deep in a listener into one clear sentence.
 */
import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';

export type PortProtocol = 'udp' | 'tcp';

/** Resolves with undefined when `host:port/protocol` can be bound, else the error code (EADDRINUSE, EACCES, ...). */
export function probePort(
  host: string,
  port: number,
  protocol: PortProtocol,
  timeoutMs = 2_000,
): Promise<string | undefined> {
  return new Promise((resolveP) => {
    let settled = false;
    const done = (v: string | undefined, close: () => void): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      close();
      resolveP(v);
    };
    const timer = setTimeout(() => done('ETIMEDOUT', () => undefined), timeoutMs);
    if (protocol === 'udp') {
      const s = createSocket('udp4');
      const close = (): void => {
        try {
          s.close();
        } catch {
          /* not bound */
        }
      };
      s.once('error', (err: NodeJS.ErrnoException) => done(err.code ?? 'EADDRINUSE', close));
      s.bind({ address: host, port, exclusive: true }, () => done(undefined, close));
    } else {
      const srv = createServer();
      srv.once('error', (err: NodeJS.ErrnoException) => done(err.code ?? 'EADDRINUSE', () => srv.close()));
      srv.listen({ host, port, exclusive: true }, () => done(undefined, () => srv.close()));
    }
  });
}
