/**
 * HTTP(S) to ANM with node:http/node:https: a configurable CA (or an explicit insecure
 * switch), a deadline and an AbortSignal on every request, a bounded response body, and
 * errors classified for retry (see anm-error.ts). Redirects are not followed: a redirect
 * to the login page is how a Java web app says "session expired", and callers need it.
 */
import http from 'node:http';
import https from 'node:https';
import type { IncomingHttpHeaders } from 'node:http';
import { anmError, AnmError } from './anm-error.js';

export interface TlsSettings {
  /** PEM of the CA(s) that sign ANM's certificate. Absent: the system store. */
  ca?: string | Buffer;
  /** Accept any certificate. Only when the configuration says so explicitly. */
  insecure?: boolean;
}

export interface HttpRequest {
  method: string;
  /** Absolute URL, or a path resolved against the transport's base URL. */
  url: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  timeoutMs: number;
  signal?: AbortSignal;
}

export interface HttpResponse {
  status: number;
  headers: IncomingHttpHeaders;
  /** Body as UTF-8, cut at the transport's byte bound. */
  body: string;
  truncated: boolean;
}

export interface HttpTransportOptions {
  baseUrl: string;
  tls?: TlsSettings;
  /** Response bodies beyond this are discarded (default 2 MiB). */
  maxResponseBytes?: number;
  /** Concurrent sockets to ANM (default 4): ANM is a single Java server, be gentle. */
  maxSockets?: number;
}

const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EHOSTDOWN',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
  'ETIMEDOUT',
  'ECONNABORTED',
]);

/** True for Node's TLS/certificate error codes. */
function isTlsCode(code: string | undefined): boolean {
  return (
    code !== undefined &&
    (/^(ERR_SSL_|ERR_TLS_|CERT_|UNABLE_TO_|DEPTH_ZERO|SELF_SIGNED|HOSTNAME_MISMATCH)/.test(code) ||
      code.includes('CERT'))
  );
}

export class HttpTransport {
  readonly base: URL;
  readonly origin: string;
  readonly #agent: http.Agent;
  readonly #maxBytes: number;

  constructor(opts: HttpTransportOptions) {
    this.base = new URL(opts.baseUrl);
    if (this.base.protocol !== 'http:' && this.base.protocol !== 'https:')
      throw new Error(`ANM URL must be http(s): ${opts.baseUrl}`);
    this.origin = this.base.origin;
    this.#maxBytes = opts.maxResponseBytes ?? 2 * 1024 * 1024;
    const common = { keepAlive: true, maxSockets: opts.maxSockets ?? 4, maxFreeSockets: 2 };
    this.#agent =
      this.base.protocol === 'https:'
        ? new https.Agent({
            ...common,
            ...(opts.tls?.ca !== undefined ? { ca: opts.tls.ca } : {}),
            rejectUnauthorized: opts.tls?.insecure !== true,
          })
        : new http.Agent(common);
  }

  /** Resolve a path (or absolute URL on the same origin) against the base URL. */
  resolve(pathOrUrl: string): URL {
    const u = new URL(pathOrUrl, this.base);
    if (u.origin !== this.origin)
      throw anmError(
        'ACESYNC_ANM_HTTP',
        'config',
        `refusing to send ANM credentials/cookies to another origin: ${u.origin}`,
        { target: this.origin },
      );
    return u;
  }

  request(req: HttpRequest): Promise<HttpResponse> {
    const url = this.resolve(req.url);
    const what = `${req.method} ${url.pathname}`;
    return new Promise<HttpResponse>((resolveP, rejectP) => {
      let settled = false;
      const finish = (err: AnmError | undefined, res?: HttpResponse): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        req.signal?.removeEventListener('abort', onAbort);
        if (err) rejectP(err);
        else resolveP(res!);
      };
      if (req.signal?.aborted) {
        finish(anmError('ACESYNC_ANM_HTTP', 'aborted', `${what} aborted before it started`, { target: this.origin }));
        return;
      }
      const lib = url.protocol === 'https:' ? https : http;
      const headers: Record<string, string> = { ...req.headers };
      if (req.body !== undefined) headers['content-length'] = String(Buffer.byteLength(req.body));
      const cr = lib.request(url, { method: req.method, headers, agent: this.#agent });
      const timer = setTimeout(() => {
        finish(
          anmError('ACESYNC_ANM_HTTP', 'timeout', `${what} to ${this.origin} timed out after ${req.timeoutMs} ms`, {
            target: this.origin,
          }),
        );
        cr.destroy();
      }, req.timeoutMs);
      const onAbort = (): void => {
        finish(anmError('ACESYNC_ANM_HTTP', 'aborted', `${what} aborted`, { target: this.origin }));
        cr.destroy();
      };
      req.signal?.addEventListener('abort', onAbort, { once: true });
      cr.on('error', (e: NodeJS.ErrnoException) => finish(this.#classify(e, what)));
      cr.on('response', (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        let truncated = false;
        res.on('data', (c: Buffer) => {
          if (size >= this.#maxBytes) {
            truncated = true;
            return;
          }
          const room = this.#maxBytes - size;
          if (c.length > room) truncated = true;
          chunks.push(c.length > room ? c.subarray(0, room) : c);
          size += Math.min(c.length, room);
        });
        res.on('error', (e: NodeJS.ErrnoException) => finish(this.#classify(e, what)));
        // 'close' without a complete body: the server or the network cut the response.
        res.on('close', () => {
          if (!res.complete)
            finish(
              anmError('ACESYNC_ANM_HTTP', 'connection', `${what}: connection closed mid-response`, {
                target: this.origin,
              }),
            );
        });
        res.on('end', () =>
          finish(undefined, {
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString('utf8'),
            truncated,
          }),
        );
      });
      cr.end(req.body);
    });
  }

  #classify(e: NodeJS.ErrnoException, what: string): AnmError {
    const code = e.code;
    if (isTlsCode(code))
      return anmError(
        'ACESYNC_ANM_HTTP',
        'tls',
        `${what} to ${this.origin}: TLS failed (${code}: ${e.message}); check anm.ca_file`,
        { target: this.origin, cause: e },
      );
    if (code !== undefined && CONNECTION_CODES.has(code))
      return anmError('ACESYNC_ANM_HTTP', 'connection', `${what} to ${this.origin}: ${code}`, {
        target: this.origin,
        cause: e,
      });
    return anmError('ACESYNC_ANM_HTTP', 'connection', `${what} to ${this.origin}: ${e.message}`, {
      target: this.origin,
      cause: e,
    });
  }

  close(): void {
    this.#agent.destroy();
  }
}

/** `Set-Cookie` header values of a response, as an array. */
export function setCookies(res: HttpResponse): string[] {
  const v = res.headers['set-cookie'];
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}
