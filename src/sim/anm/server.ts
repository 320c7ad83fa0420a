/**
 * The ANM simulator: an HTTP(S) server with the SOAP `OperationManager` endpoint and
 * the GUI's login + "CLI > ANM Sync" action, plus a control API on a second port. It
 * can be made slow, failing (500), hanging, or down (port closed: connection refused),
 * counts calls, and tells tests what it holds.
 */
import { writeFileSync, readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type { Clock } from '../../core/clock.js';
import type { Logger } from '../../core/log.js';
import { silentLogger } from '../../core/log.js';
import { handleControl } from './control-api.js';
import { simSecret, type SimAnmConfig } from './config.js';
import { handleSoap, simulatorWsdl } from './soap-service.js';
import { AnmSimState, type AnmCopy, type SimDevice } from './state.js';
import { mintTlsServerCert } from './tls-cert.js';
import { WebUi, type FetchRunningConfig, type WebReply } from './web-ui.js';

export type SimMode = 'normal' | 'slow' | 'fail' | 'hang' | 'down';

export interface SimBehaviour {
  mode: SimMode;
  /** For `slow`: delay before each answer. */
  delayMs?: number;
  /** Which endpoint misbehaves; default all (`down` always means the whole port). */
  scope?: 'all' | 'soap' | 'web';
  /** Misbehave for this many requests, then back to normal (not for `down`). */
  count?: number;
}

export interface AnmSimulatorOptions {
  config: SimAnmConfig;
  env?: NodeJS.ProcessEnv;
  clock?: Clock;
  /** How to read a running-config from an ACE; default SSH (src/devices/ace-session.ts). */
  fetchRunningConfig?: FetchRunningConfig;
  logger?: Logger;
}

export interface AnmSimulator {
  /** Base URL of the simulated ANM, e.g. https://127.0.0.1:40123. */
  readonly url: string;
  readonly controlUrl: string;
  /** PEM a client must trust (TLS only). */
  readonly caPem?: string;
  readonly state: AnmSimState;
  behaviour(): SimBehaviour;
  setBehaviour(b: SimBehaviour): Promise<void>;
  /** ANM's copy of one context. */
  copy(device: string, context: string): AnmCopy | undefined;
  close(): Promise<void>;
}

export const SOAP_PATH = '/anm/OperationManager';
const MAX_BODY = 1024 * 1024;

function readBody(req: http.IncomingMessage, max: number): Promise<string | undefined> {
  return new Promise((resolveP, rejectP) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= max) chunks.push(c);
    });
    req.on('end', () => resolveP(size > max ? undefined : Buffer.concat(chunks).toString('utf8')));
    req.on('error', rejectP);
  });
}

function listen(server: http.Server, port: number, host: string): Promise<number> {
  return new Promise((resolveP, rejectP) => {
    const onError = (e: Error): void => rejectP(e);
    server.once('error', onError);
    server.listen(port, host, () => {
      server.removeListener('error', onError);
      resolveP((server.address() as AddressInfo).port);
    });
  });
}

function hostForUrl(h: string): string {
  return h.includes(':') ? `[${h}]` : h;
}

export async function startAnmSimulator(opts: AnmSimulatorOptions): Promise<AnmSimulator> {
  const cfg = opts.config;
  const env = opts.env ?? process.env;
  const log = (opts.logger ?? silentLogger).child({ component: 'sim-anm' });
  const users = new Map<string, string>();
  cfg.users.forEach((u, i) => users.set(u.username, simSecret(u, env, `users[${i}]`)!));
  const devices: SimDevice[] = cfg.devices.map((d, i) => {
    const password = simSecret(d.ssh, env, `devices[${i}].ssh`);
    return {
      name: d.name,
      address: d.address ?? d.ssh.host,
      deviceType: d.device_type,
      contexts: d.contexts.includes('Admin') ? [...d.contexts] : ['Admin', ...d.contexts],
      ...(d.slot !== undefined ? { slot: d.slot } : {}),
      ...(d.chassis_ip !== undefined ? { chassisIp: d.chassis_ip } : {}),
      ssh: {
        host: d.ssh.host,
        port: d.ssh.port,
        username: d.ssh.username,
        ...(password !== undefined ? { password } : {}),
        ...(d.ssh.host_key_sha256 !== undefined ? { hostKeySha256: d.ssh.host_key_sha256 } : {}),
      },
    };
  });
  const state = new AnmSimState({
    users,
    tokenTtlMs: cfg.token_ttl_ms,
    devices,
    ...(opts.clock ? { clock: opts.clock } : {}),
  });
  const fetcher = opts.fetchRunningConfig ?? (await import('./ssh-fetch.js')).sshFetchRunningConfig;
  const web = new WebUi(state, fetcher, cfg.fetch_timeout_ms);

  let tls: { cert: string; key: string } | undefined;
  if (cfg.tls.enabled) {
    tls =
      cfg.tls.cert_file && cfg.tls.key_file
        ? { cert: readFileSync(cfg.tls.cert_file, 'utf8'), key: readFileSync(cfg.tls.key_file, 'utf8') }
        : mintTlsServerCert('acesync ANM simulator', [cfg.listen.host]);
    if (cfg.tls.ca_out_file) writeFileSync(cfg.tls.ca_out_file, tls.cert, { mode: 0o644 });
  }

  let behaviour: SimBehaviour = { mode: 'normal' };
  const sockets = new Set<Socket>();
  const hanging = new Set<http.ServerResponse>();
  const timers = new Set<NodeJS.Timeout>();
  let closed = false;

  const applies = (scope: 'soap' | 'web'): boolean =>
    behaviour.mode !== 'normal' && (behaviour.scope ?? 'all') !== (scope === 'soap' ? 'web' : 'soap');
  const consume = (): void => {
    if (behaviour.count === undefined) return;
    behaviour = { ...behaviour, count: behaviour.count - 1 };
    if (behaviour.count! <= 0) behaviour = { mode: 'normal' };
  };
  const sleep = (ms: number): Promise<void> =>
    new Promise((resolveP) => {
      const t = setTimeout(() => {
        timers.delete(t);
        resolveP();
      }, ms);
      timers.add(t);
    });

  const send = (res: http.ServerResponse, r: WebReply): void => {
    if (res.destroyed) return;
    res.writeHead(r.status, r.headers ?? {});
    res.end(r.body ?? '');
  };

  const onRequest = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    state.counters.requests++;
    const url = new URL(req.url ?? '/', 'http://sim');
    const scope = url.pathname === SOAP_PATH ? 'soap' : 'web';
    const body = await readBody(req, MAX_BODY);
    if (body === undefined) return send(res, { status: 413, body: 'request body too large' });
    if (applies(scope)) {
      const mode = behaviour.mode;
      const delayMs = behaviour.delayMs ?? 1_000;
      consume();
      state.counters.injected++;
      if (mode === 'hang') {
        // Never answered; cut when the behaviour changes or the simulator stops.
        hanging.add(res);
        res.on('close', () => hanging.delete(res));
        return;
      }
      if (mode === 'fail')
        return send(res, {
          status: 500,
          headers: { 'content-type': 'text/html' },
          body: '<html><body><h1>HTTP Status 500 - Internal Server Error</h1></body></html>',
        });
      if (mode === 'slow') {
        await sleep(delayMs);
        if (closed) return;
      }
    }
    if (scope === 'soap') {
      if (req.method === 'GET' && url.searchParams.has('wsdl'))
        return send(res, {
          status: 200,
          headers: { 'content-type': 'text/xml' },
          body: simulatorWsdl(`${sim.url}${SOAP_PATH}`),
        });
      if (req.method !== 'POST') return send(res, { status: 405, headers: { allow: 'POST' } });
      const r = handleSoap(state, body, cfg.ip_field);
      return send(res, { status: r.status, headers: { 'content-type': 'text/xml; charset=utf-8' }, body: r.body });
    }
    const r = await web.handle({
      method: req.method ?? 'GET',
      path: url.pathname,
      query: url.searchParams,
      headers: req.headers,
      body,
      secure: tls !== undefined,
    });
    send(res, r ?? { status: 404, body: 'not found' });
  };

  const handler = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    onRequest(req, res).catch((err: unknown) => {
      log.error({ err: (err as Error).message }, 'simulator request failed');
      if (!res.headersSent) send(res, { status: 500, body: 'simulator error' });
    });
  };
  const server: http.Server = tls
    ? https.createServer({ cert: tls.cert, key: tls.key }, handler)
    : http.createServer(handler);
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.on('tlsClientError', () => {}); // clients that reject our certificate (tests do this on purpose)
  const port = await listen(server, cfg.listen.port, cfg.listen.host);

  const control = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://control');
    readBody(req, 64 * 1024)
      .then((body) =>
        body === undefined
          ? { status: 413, body: { error: 'too large' } }
          : handleControl(sim, req.method ?? 'GET', url, body),
      )
      .then((r) => {
        res.writeHead(r.status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(r.body));
      })
      .catch((err: unknown) => {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: (err as Error).message }));
      });
  });
  let controlPort: number;
  try {
    controlPort = await listen(control, cfg.control.port, cfg.control.host);
  } catch (err) {
    server.close();
    web.close();
    throw err;
  }

  const dropConnections = (): void => {
    for (const s of sockets) s.destroy();
    sockets.clear();
  };
  let down = false;

  const sim: AnmSimulator = {
    url: `${tls ? 'https' : 'http'}://${hostForUrl(cfg.listen.host)}:${port}`,
    controlUrl: `http://${hostForUrl(cfg.control.host)}:${controlPort}`,
    ...(tls ? { caPem: tls.cert } : {}),
    state,
    behaviour: () => ({ ...behaviour }),
    async setBehaviour(b: SimBehaviour): Promise<void> {
      behaviour = b.mode === 'normal' ? { mode: 'normal' } : { ...b };
      if (b.mode === 'down' && !down) {
        down = true;
        // Refuse new connections (ECONNREFUSED) and cut the open ones, like a stopped ANM.
        const closedP = new Promise<void>((resolveP) => server.close(() => resolveP()));
        dropConnections();
        await closedP;
        log.info('simulated ANM is down');
      } else if (b.mode !== 'down' && down) {
        down = false;
        await listen(server, port, cfg.listen.host);
        log.info('simulated ANM is up again');
      }
      // Requests left hanging by a previous `hang` are cut when behaviour changes.
      if (b.mode !== 'hang') for (const r of hanging) r.destroy();
    },
    copy: (device, context) => state.copy(device, context),
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      web.close();
      for (const t of timers) clearTimeout(t);
      timers.clear();
      const a = down ? Promise.resolve() : new Promise<void>((resolveP) => server.close(() => resolveP()));
      const b = new Promise<void>((resolveP) => control.close(() => resolveP()));
      dropConnections();
      control.closeAllConnections();
      await Promise.all([a, b]);
    },
  };
  log.info({ url: sim.url, control: sim.controlUrl }, 'ANM simulator listening');
  return sim;
}
