/**
 * `acesync anm import-har` on HAR files written for these tests (test/fixtures/har/): the
 * simulator's own GUI, a form post, a JSON post, a GET with a query, a per-page token, no
 * sync request, a malformed file. The proposal for the simulator is then used, through the
 * real schema and the real http strategy, for a real upload against the ANM simulator.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { importHar, suggestBodyRegex } from '../../src/anm/har-import.js';
import { createUploadStrategy } from '../../src/anm/strategy.js';
import { anmSchema } from '../../src/config/sections/anm.js';
import type { AnmSimulator } from '../../src/sim/anm/server.js';
import { ROOT, runCli } from '../helpers/cli.js';
import { ANM_PW_ENV, ANM_USER, ENV, fakeFetcher, signal, startSim } from './fixture.js';

const HAR = (name: string): string => resolve(ROOT, 'test/fixtures/har', name);
const SECRETS = ['SECRETSESSION0123456789', 'Hunter2-secret', 'YWNlc3luYzpIdW50ZXIyLXNlY3JldA', 'JSESSIONID='];

function strategyOf(stdout: string): Record<string, unknown> {
  return (parseYaml(stdout) as { anm: { strategy: Record<string, unknown> } }).anm.strategy;
}

describe('anm import-har (CLI)', () => {
  it('the ANM simulator capture: the default-shaped template, secrets left out', async () => {
    const r = await runCli(['anm', 'import-har', HAR('anm-simulator.har')]);
    expect(r.code).toBe(0);
    for (const s of SECRETS) expect(r.stdout + r.stderr).not.toContain(s);
    const s = strategyOf(r.stdout);
    expect(s).toEqual({
      type: 'http',
      login: {
        enabled: true,
        method: 'POST',
        path: '/anm/j_security_check',
        fields: { j_username: '{{username}}', j_password: '{{password}}' },
      },
      request: {
        method: 'POST',
        path: '/anm/virtualContext/syncCliToAnm.do',
        query: {},
        fields: {
          deviceName: '{{device}}',
          deviceIp: '{{address}}',
          contextName: '{{context}}',
          direction: 'CLI_TO_ANM',
        },
        headers: { 'X-Requested-With': 'XMLHttpRequest' },
        body_format: 'form',
      },
      success: { status: [200], body_regex: '"result"\\s*:\\s*"success"' },
    });
    expect(r.stdout).toContain('url: https://anm.example.net:8443');
  });

  it('a form post answering HTML: jsessionid and Authorization dropped, success wording found', async () => {
    const r = await runCli(['anm', 'import-har', HAR('form-post.har'), '--context', 'VC_APP']);
    expect(r.code).toBe(0);
    for (const s of SECRETS) expect(r.stdout + r.stderr).not.toContain(s);
    const s = strategyOf(r.stdout) as {
      request: Record<string, unknown>;
      login: Record<string, unknown>;
      success: unknown;
    };
    expect(s.login).toEqual({
      enabled: true,
      method: 'POST',
      path: '/anm/login.do',
      fields: { userName: '{{username}}', password: '{{password}}', loginButton: 'Login' },
    });
    expect(s.request.path).toBe('/anm/config/devices/virtualContextSync.action');
    expect(s.request.fields).toEqual({
      vcName: '{{context}}',
      aceIp: '{{address}}',
      deviceId: '{{device}}',
      syncType: 'CLI2ANM',
      confirm: 'true',
    });
    expect(s.request.headers).toEqual({});
    expect(s.success).toEqual({ status: [200], body_regex: 'successfully' });
    expect(r.stdout).toContain('jsessionid');
  });

  it('a JSON post: body_format json, address recognised from the field name', async () => {
    const r = await runCli(['anm', 'import-har', HAR('json-post.har')]);
    expect(r.code).toBe(0);
    const s = strategyOf(r.stdout) as { request: Record<string, unknown>; success: unknown };
    expect(s.request).toMatchObject({
      method: 'POST',
      path: '/anm/rest/virtualContexts/sync',
      fields: { device: '{{device}}', context: '{{context}}', managementIp: '{{address}}', direction: 'CLI_TO_ANM' },
      body_format: 'json',
    });
    expect(s.success).toEqual({ status: [200], body_regex: '"status"\\s*:\\s*"OK"' });
  });

  it('a GET with a query: values templated in the query, the session id left out', async () => {
    const r = await runCli(['anm', 'import-har', HAR('get-query.har')]);
    expect(r.code).toBe(0);
    for (const s of SECRETS) expect(r.stdout).not.toContain(s);
    const s = strategyOf(r.stdout) as { request: Record<string, unknown>; success: unknown };
    expect(s.request).toMatchObject({
      method: 'GET',
      path: '/anm/virtualContext/refresh.do',
      query: { contextName: '{{context}}', deviceIp: '{{address}}', op: 'cliToAnm' },
      fields: {},
    });
    expect(s.success).toEqual({ status: [200], body_regex: 'completed' });
  });

  it('a per-page token: says so, proposes the command strategy, exit 1', async () => {
    const r = await runCli(['anm', 'import-har', HAR('csrf-token.har')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/per-page token \(field 'struts\.token', its value came from an earlier page/);
    expect(r.stdout).not.toContain('Q8X2JD7K4M1P9ZL0W3RT6YBN');
    expect(strategyOf(r.stdout)).toMatchObject({ type: 'command' });
  });

  it('no sync request, a malformed file, no file: exit 2 with what to do', async () => {
    const none = await runCli(['anm', 'import-har', HAR('no-sync.har')]);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('no sync request found in the HAR: capture again');
    expect(none.stdout).toBe('');
    const bad = await runCli(['anm', 'import-har', HAR('malformed.har')]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('not a HAR file: the JSON does not parse');
    const missing = await runCli(['anm', 'import-har', HAR('nope.har')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('cannot read');
  });
});

describe('importHar (pure)', () => {
  it('a header whose value an earlier response handed out is a per-page token, whatever its name', () => {
    const har = {
      log: {
        entries: [
          {
            request: { method: 'GET', url: 'https://anm/anm/page.do', headers: [] },
            response: { status: 200, headers: [], content: { text: '<meta name="k" content="a1B2c3D4e5F6g7H8i9J0">' } },
          },
          {
            request: {
              method: 'POST',
              url: 'https://anm/anm/sync.do',
              headers: [{ name: 'X-Page-Key', value: 'a1B2c3D4e5F6g7H8i9J0' }],
              postData: { mimeType: 'application/x-www-form-urlencoded', text: 'contextName=VC_WEB' },
            },
            response: { status: 200, headers: [], content: { text: '{"result":"success"}' } },
          },
        ],
      },
    };
    const r = importHar(JSON.stringify(har));
    expect(r.strategy).toBeUndefined();
    expect(r.token).toEqual({ where: 'header', name: 'X-Page-Key', fromEarlierResponse: true });
  });

  it('suggests a body regex from JSON, from wording, or says it found none', () => {
    expect(suggestBodyRegex('{"result":"success"}').regex).toBe('"result"\\s*:\\s*"success"');
    expect(suggestBodyRegex('{"ok":true}').regex).toBe('"ok"\\s*:\\s*true');
    expect(suggestBodyRegex('<p>Context synchronized.</p>').regex).toBe('synchronized');
    const none = suggestBodyRegex('');
    expect(none.regex).toBe('.');
    expect(none.note).toMatch(/REVIEW/);
  });
});

describe('the simulator proposal uploads for real', () => {
  let sim: AnmSimulator;
  const fetcher = fakeFetcher();
  beforeAll(async () => {
    sim = await startSim({ fetcher });
  });
  afterAll(async () => {
    await sim?.close();
  });

  it('loads through the anm schema and syncs ace-a/VC_WEB on the ANM simulator', async () => {
    const r = await runCli(['anm', 'import-har', HAR('anm-simulator.har')]);
    const anm = anmSchema.parse({
      enabled: true,
      url: sim.url,
      username: ANM_USER,
      password_env: ANM_PW_ENV,
      strategy: strategyOf(r.stdout),
    });
    const s = createUploadStrategy(anm, { env: ENV });
    try {
      const res = await s.upload({ device: 'ace-a', context: 'VC_WEB', address: '10.1.1.1' }, { signal: signal() });
      expect(res.outcome).toBe('ok');
      expect(sim.copy('ace-a', 'VC_WEB')?.sha256).toMatch(/^[0-9a-f]{64}$/);
      expect(fetcher.calls.some((c) => c.context === 'VC_WEB')).toBe(true);
    } finally {
      await s.close();
    }
  });
});

describe('the JSON proposal sends JSON', () => {
  it('posts one flat JSON object with the placeholders filled, after the form login', async () => {
    const http = await import('node:http');
    const seen: Array<{ path: string; type: string; body: string; cookie: string }> = [];
    const srv = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString('utf8')));
      req.on('end', () => {
        seen.push({
          path: req.url ?? '',
          type: String(req.headers['content-type']),
          body,
          cookie: String(req.headers.cookie),
        });
        if (req.url === '/anm/j_security_check') {
          res.writeHead(302, { location: '/anm/', 'set-cookie': 'JSESSIONID=abc; Path=/anm' }).end();
        } else res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"OK"}');
      });
    });
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
    const url = `http://127.0.0.1:${(srv.address() as { port: number }).port}`;
    try {
      const r = await runCli(['anm', 'import-har', HAR('json-post.har')]);
      const anm = anmSchema.parse({
        enabled: true,
        url,
        username: ANM_USER,
        password_env: ANM_PW_ENV,
        strategy: strategyOf(r.stdout),
      });
      const s = createUploadStrategy(anm, { env: ENV });
      const res = await s.upload({ device: 'ace-x', context: 'VC_APP', address: '192.0.2.9' }, { signal: signal() });
      await s.close();
      expect(res.outcome).toBe('ok');
      const sync = seen.find((x) => x.path === '/anm/rest/virtualContexts/sync')!;
      expect(sync.type).toBe('application/json');
      expect(JSON.parse(sync.body)).toEqual({
        device: 'ace-x',
        context: 'VC_APP',
        managementIp: '192.0.2.9',
        direction: 'CLI_TO_ANM',
      });
      expect(sync.cookie).toBe('JSESSIONID=abc');
    } finally {
      await new Promise<void>((r) => srv.close(() => r()));
    }
  });
});
