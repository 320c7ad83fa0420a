/**
 * A webhook receiver for tests: a real HTTP server on 127.0.0.1 that records every request
 * (raw body, headers) and answers with the status the test chooses.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  headers: IncomingHttpHeaders;
  body: string;
  json: unknown;
  url: string;
}

export interface Receiver {
  url: string;
  requests: Received[];
  /** Status for the next requests (a function of the request number, from 1). */
  respond: (n: number) => number;
  close(): Promise<void>;
}

export async function startReceiver(
  respond: (n: number) => number = () => 200,
  path = '/hook/T000/B000/s3cr3tpath',
): Promise<Receiver> {
  const requests: Received[] = [];
  const r: Receiver = { url: '', requests, respond, close: async () => undefined };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= 4 * 1024 * 1024) chunks.push(c);
    });
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      let json: unknown;
      try {
        json = JSON.parse(body);
      } catch {
        json = undefined;
      }
      requests.push({ headers: req.headers, body, json, url: req.url ?? '' });
      res.writeHead(r.respond(requests.length), { 'content-type': 'text/plain' });
      res.end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  r.url = `http://127.0.0.1:${port}${path}`;
  r.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return r;
}
