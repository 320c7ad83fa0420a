/**
 * Smaller web hardening items over real HTTP: per-address SSE limit with a rate-limited
 * debug log, the events cursor clamped to real ids, fastify's own errors in our
 * {code, message} shape with the security headers, the weak-ANM-transport report, and 401s
 * that say why the token is needed.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { connect as tcpConnect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { buildWebServer } from '../../src/web/server.js';
import { CSP } from '../../src/web/security.js';
import { change } from '../engine/helpers.js';
import { ROOT, startCli, waitStarted } from '../helpers/cli.js';
import { TOKEN, TOKEN_ENV, webFixture, type WebFixture } from './helpers.js';

const open: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  while (open.length > 0) await open.pop()!();
});

async function listen(f: WebFixture): Promise<string> {
  await f.app.listen({ host: '127.0.0.1', port: 0 });
  open.push(() => f.shutdown());
  return `http://127.0.0.1:${(f.app.server.address() as AddressInfo).port}`;
}

function capture(): { logger: pino.Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const logger = pino(
    { level: 'debug' },
    new Writable({
      write(chunk: Buffer, _e, cb) {
        for (const l of chunk.toString().split('\n')) if (l) lines.push(JSON.parse(l) as Record<string, unknown>);
        cb();
      },
    }),
  );
  return { logger, lines };
}

/** GET a stream from a chosen local address: the status, and the body unless it streams. */
function stream(port: number, from: string): Promise<{ status: number; body: string; close(): void }> {
  return new Promise((resolve, reject) => {
    const req = get({ host: '127.0.0.1', port, path: '/api/v1/stream', localAddress: from }, (res) => {
      if (res.statusCode === 200) {
        res.once('data', () => resolve({ status: 200, body: '', close: () => req.destroy() }));
        return;
      }
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode!, body, close: () => undefined }));
    });
    req.on('error', reject);
  });
}

describe('live updates: per-address limit', () => {
  it('one address cannot take every slot; refusals are logged at debug, once per interval, never as errors', async () => {
    const f = await webFixture();
    const { logger, lines } = capture();
    const app = buildWebServer({
      store: f.store,
      inventory: f.inventory,
      counters: f.counters,
      config: f.config,
      logger,
      clock: f.clock,
      readiness: () => ({ ready: true, checks: {} }),
      maxLiveClients: 10,
      maxLiveClientsPerAddress: 2,
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    open.push(
      () => f.shutdown(),
      () => app.close(),
    );
    const port = (app.server.address() as AddressInfo).port;
    const a = await stream(port, '127.0.0.1');
    const b = await stream(port, '127.0.0.1');
    open.push(a.close, b.close);
    expect([a.status, b.status]).toEqual([200, 200]);
    for (let i = 0; i < 3; i++) {
      const refused = await stream(port, '127.0.0.1');
      expect(refused.status).toBe(503);
      expect(JSON.parse(refused.body)).toEqual({
        code: 'ACESYNC_UNAVAILABLE',
        message: 'too many live-update listeners from this address; close some pages and try again',
      });
    }
    const other = await stream(port, '127.0.0.2');
    open.push(other.close);
    expect(other.status).toBe(200);
    const refusals = lines.filter((l) => l.msg === 'live-update listener refused (503)');
    expect(refusals).toHaveLength(1);
    expect(refusals[0]).toMatchObject({ level: 20, why: 'per-client', address: '127.0.0.1' });
    expect(lines.filter((l) => (l.level as number) >= 40)).toEqual([]);
  });
});

describe('/api/v1/events cursor', () => {
  it('a cursor far above the real ids is clamped: the newest events come back at once', async () => {
    const f = await webFixture();
    const base = await listen(f);
    for (let i = 0; i < 3; i++) f.feed(change('ace1', 'VC_WEB', `rserver host r${i}`));
    const newest = (await (await fetch(`${base}/api/v1/events?limit=2`)).json()) as { items: Array<{ id: number }> };
    const far = (await (await fetch(`${base}/api/v1/events?limit=2&cursor=900000000000`)).json()) as {
      items: Array<{ id: number }>;
      nextCursor?: number;
    };
    expect(far.items.map((e) => e.id)).toEqual(newest.items.map((e) => e.id));
    expect(far.items.length).toBe(2);
    expect(far.nextCursor).toBe(far.items[1]!.id);
  });
});

describe("fastify's own errors", () => {
  const expectOurs = (res: Response): void => {
    expect(res.headers.get('content-security-policy')).toBe(CSP);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  };

  it('bad percent-encoding, an over-long path part and a bad JSON body answer {code, message} with our headers', async () => {
    const f = await webFixture();
    const base = await listen(f);
    const bad = await fetch(`${base}/api/v1/contexts/%zz/VC_WEB`);
    expect(bad.status).toBe(400);
    expectOurs(bad);
    expect(await bad.json()).toEqual({
      code: 'ACESYNC_BAD_REQUEST',
      message: 'the URL is not valid (bad percent-encoding)',
    });

    const long = await fetch(`${base}/api/v1/contexts/${'x'.repeat(700)}/VC_WEB`);
    expect(long.status).toBe(414);
    expectOurs(long);
    expect(await long.json()).toEqual({ code: 'ACESYNC_BAD_REQUEST', message: 'a part of the URL is too long' });

    const json = await fetch(`${base}/api/v1/contexts/ace1/VC_WEB/resync`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
      body: '{"note": ',
    });
    expect(json.status).toBe(400);
    expectOurs(json);
    expect(await json.json()).toEqual({ code: 'ACESYNC_BAD_REQUEST', message: 'the body is not valid JSON' });
  });

  it('a request node cannot parse (headers too large) gets JSON with the security headers', async () => {
    const f = await webFixture();
    const base = await listen(f);
    const port = Number(new URL(base).port);
    const raw = await new Promise<string>((resolve, reject) => {
      const s = tcpConnect(port, '127.0.0.1', () => {
        s.write(`GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
      });
      let got = '';
      s.on('data', (c: Buffer) => (got += c.toString()));
      s.on('end', () => resolve(got));
      s.on('error', reject);
    });
    expect(raw).toMatch(/^HTTP\/1\.1 431 /);
    expect(raw.toLowerCase()).toContain(`content-security-policy: ${CSP.toLowerCase()}`);
    expect(JSON.parse(raw.slice(raw.indexOf('\r\n\r\n') + 4))).toEqual({
      code: 'ACESYNC_BAD_REQUEST',
      message: 'the request headers are too large',
    });
  });
});

describe('weak ANM transport', () => {
  const anm = (over: Record<string, unknown>) => ({
    http: { token_env: TOKEN_ENV },
    anm: { enabled: true, username: 'svc', password_env: 'ANM_PW', ...over },
  });

  it('http:// and insecure are reported on /readyz and as acesync_anm_insecure 1; verified https is 0', async () => {
    const plain = await webFixture({ config: anm({ url: 'http://anm.example:8080' }) });
    const base = await listen(plain);
    const ready = (await (await fetch(`${base}/readyz`)).json()) as { ready: boolean; warnings?: string[] };
    expect(ready.ready).toBe(true);
    expect(ready.warnings).toEqual([expect.stringMatching(/^anm\.url is http:\/\//)]);
    expect(await (await fetch(`${base}/metrics`)).text()).toMatch(/^acesync_anm_insecure 1$/m);

    const insecure = await webFixture({ config: anm({ url: 'https://anm.example:8443', insecure: true }) });
    const base2 = await listen(insecure);
    const r2 = (await (await fetch(`${base2}/readyz`)).json()) as { warnings?: string[] };
    expect(r2.warnings).toEqual([expect.stringMatching(/^anm\.insecure is true/)]);
    expect(await (await fetch(`${base2}/metrics`)).text()).toMatch(/^acesync_anm_insecure 1$/m);

    const good = await webFixture({ config: anm({ url: 'https://anm.example:8443' }) });
    const base3 = await listen(good);
    expect(((await (await fetch(`${base3}/readyz`)).json()) as { warnings?: string[] }).warnings).toBeUndefined();
    expect(await (await fetch(`${base3}/metrics`)).text()).toMatch(/^acesync_anm_insecure 0$/m);
  });
});

describe('what the token is for', () => {
  it('a mutation without the token is told it changes state; on loopback no GET route needs the token', async () => {
    const f = await webFixture();
    const base = await listen(f);
    const post = await fetch(`${base}/api/v1/contexts/ace1/VC_WEB/resync`, { method: 'POST' });
    expect(post.status).toBe(401);
    expect(((await post.json()) as { message: string }).message).toBe(
      'this request changes state: it needs the API token (Authorization: Bearer <token>)',
    );
    const doc = (await (await fetch(`${base}/api/v1/openapi.json`)).json()) as {
      paths: Record<string, Record<string, unknown>>;
    };
    const gets = Object.entries(doc.paths)
      .filter(([path, ops]) => 'get' in ops && path !== '/api/v1/stream')
      .map(([path]) => path.replace('{device}', 'ace1').replace('{context}', 'VC_WEB'));
    expect(gets.length).toBeGreaterThan(8);
    for (const path of gets) {
      const res = await fetch(`${base}${path}`, { redirect: 'manual' });
      expect([path, res.status]).not.toEqual([path, 401]);
      expect([path, res.status]).not.toEqual([path, 403]);
    }
  });

  it('bound beyond loopback, a GET without the token gets a 401 that does not say "changes state"', async () => {
    const f = await webFixture({ config: { http: { token_env: TOKEN_ENV, host: '0.0.0.0' } } });
    const base = await listen(f);
    const res = await fetch(`${base}/api/v1/contexts`);
    expect(res.status).toBe(401);
    const message = ((await res.json()) as { message: string }).message;
    expect(message).not.toContain('changes state');
    expect(message).toMatch(/reading needs the API token/);
  });
});

describe('weak ANM transport at start', () => {
  it('`acesync start` warns about an http:// ANM URL at every start', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'acesync-anm-warn-'));
    const file = join(dir, 'acesync.yaml');
    writeFileSync(
      file,
      [
        `rules: ${join(ROOT, 'rules')}`,
        "store: { path: ':memory:' }",
        'http: { enabled: false }',
        'poller: { enabled: false }',
        'syslog: { udp: { enabled: false }, tcp: { enabled: false } }',
        'snmp: { enabled: false }',
        // Port 9 (discard) on loopback: nothing listens; the warning is about the URL alone.
        "anm: { enabled: true, url: 'http://127.0.0.1:9', username: svc, password_env: T_ANM_PW }",
      ].join('\n'),
    );
    for (let run = 0; run < 2; run++) {
      const cli = startCli(['start', '--config', file], { env: { T_ANM_PW: 'anm-password-1' } });
      try {
        const warn = await cli.waitForLog((l) => String(l.msg).startsWith('anm.url is http://'));
        expect(warn).toMatchObject({ level: 'warn', anm: 'http://127.0.0.1:9' });
        await waitStarted(cli);
        expect(cli.stderr.join('\n')).not.toContain('anm-password-1');
      } finally {
        expect(await cli.stop()).toBe(0);
      }
    }
  });
});
