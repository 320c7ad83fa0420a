import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, writeFileSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseSimAnmConfig } from '../../../src/sim/anm/config.js';
import { contextsInAdminConfig } from '../../../src/sim/anm/web-ui.js';
import { buildSoapRequest, parseSoapResponse } from '../../../src/anm/soap-envelope.js';
import { FileProblemsError } from '../../../src/core/errors.js';
import type { AnmSimulator } from '../../../src/sim/anm/server.js';
import { ANM_PASSWORD, ANM_USER, fakeFetcher, startSim } from '../../anm/fixture.js';
import { runCli, startCli } from '../../helpers/cli.js';

async function control(
  sim: AnmSimulator,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(sim.controlUrl + path, {
    method,
    ...(body !== undefined ? { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } } : {}),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

async function soap(sim: AnmSimulator, xml: string): Promise<{ status: number; text: string }> {
  const res = await fetch(`${sim.url}/anm/OperationManager`, {
    method: 'POST',
    body: xml,
    headers: { 'content-type': 'text/xml', soapaction: '""' },
  });
  return { status: res.status, text: await res.text() };
}

async function webLogin(sim: AnmSimulator, password = ANM_PASSWORD): Promise<Response> {
  return fetch(`${sim.url}/anm/j_security_check`, {
    method: 'POST',
    redirect: 'manual',
    body: new URLSearchParams({ j_username: ANM_USER, j_password: password }),
  });
}

describe('ANM simulator', () => {
  let sim: AnmSimulator;
  const fetcher = fakeFetcher();
  beforeAll(async () => {
    sim = await startSim({ fetcher });
  });
  afterAll(async () => {
    await sim.close();
  });

  it('answers SOAP faults for malformed requests, bad tokens and unknown operations', async () => {
    let r = await soap(sim, '<not xml');
    expect(r.status).toBe(500);
    expect(parseSoapResponse(r.text)).toMatchObject({ kind: 'fault', fault: { faultcode: 'S:Client' } });
    r = await soap(
      sim,
      buildSoapRequest('listDeviceIds', [
        ['sessionToken', { sid: 'forged' }],
        ['deviceType', 'ACE4710'],
      ]),
    );
    expect(parseSoapResponse(r.text)).toMatchObject({
      kind: 'fault',
      fault: { wsExceptionMessage: 'Invalid or expired session token' },
    });
    r = await soap(sim, buildSoapRequest('addRserverToServerfarm', []));
    expect(parseSoapResponse(r.text)).toMatchObject({ kind: 'fault', fault: { faultcode: 'S:Client' } });
    r = await soap(
      sim,
      buildSoapRequest('login', [
        ['user', ANM_USER],
        ['password', ANM_PASSWORD],
      ]),
    );
    expect(r.status).toBe(200);
    const sid = /<sid>([^<]+)<\/sid>/.exec(r.text)![1]!;
    r = await soap(
      sim,
      buildSoapRequest('listDeviceIds', [
        ['sessionToken', { sid }],
        ['deviceType', 'BOGUS'],
      ]),
    );
    expect(r.text).toContain('Invalid device type');
    r = await soap(sim, buildSoapRequest('logout', [['sessionToken', { sid }]]));
    expect(r.status).toBe(200);
    r = await soap(sim, buildSoapRequest('logout', [['sessionToken', { sid }]]));
    expect(r.status).toBe(500);
  });

  it('serves a WSDL with the rpc/literal binding', async () => {
    const res = await fetch(`${sim.url}/anm/OperationManager?wsdl`);
    const text = await res.text();
    expect(text).toContain('style="rpc"');
    expect(text).toContain('soapAction=""');
    expect(text).toContain(`location="${sim.url}/anm/OperationManager"`);
    expect(text).toContain('<operation name="listVirtualContexts">');
  });

  it('sends requests without a session to the login page, and refuses bad passwords', async () => {
    const r = await fetch(`${sim.url}/anm/virtualContext/syncCliToAnm.do`, {
      method: 'POST',
      redirect: 'manual',
      body: 'deviceName=ace-a&contextName=Admin',
    });
    expect(r.status).toBe(302);
    expect(r.headers.get('location')).toBe('/anm/login.jsp');
    const bad = await webLogin(sim, 'nope');
    expect(bad.headers.get('location')).toBe('/anm/login.jsp?error=1');
    expect(bad.headers.get('set-cookie')).toBeNull();
    const page = await fetch(`${sim.url}/anm/login.jsp?error=1`);
    expect(await page.text()).toContain('Invalid user name or password');
  });

  it('syncs over the web UI, stores the copy, and reports it on the control API', async () => {
    const login = await webLogin(sim);
    expect(login.status).toBe(302);
    const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
    expect(cookie).toMatch(/^JSESSIONID=/);
    fetcher.revision = 3;
    const r = await fetch(`${sim.url}/anm/virtualContext/syncCliToAnm.do`, {
      method: 'POST',
      headers: { cookie },
      body: new URLSearchParams({ deviceName: 'ace-b', contextName: 'VC_WEB' }),
    });
    const body = (await r.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ result: 'success' });
    const copy = await control(sim, 'GET', '/copy?device=ace-b&context=VC_WEB');
    expect(copy.status).toBe(200);
    expect(copy.json.config).toBe('hostname 127.0.0.1-2202\n! VC_WEB rev 3\n');
    expect(copy.json.sha256).toBe(body.sha256);
    const state = await control(sim, 'GET', '/state');
    expect((state.json.counters as Record<string, number>).syncs).toBeGreaterThanOrEqual(1);
    expect(state.json.copies).toContainEqual(
      expect.objectContaining({ device: 'ace-b', context: 'VC_WEB', bytes: copy.json.config!.toString().length }),
    );
    expect(state.json.behaviour).toEqual({ mode: 'normal' });
    expect((await control(sim, 'GET', '/copy?device=ace-b&context=NONE')).status).toBe(404);
    // A home page with the session.
    expect(await (await fetch(`${sim.url}/anm/index.do`, { headers: { cookie } })).text()).toContain(
      'Logged in as acesync',
    );
  });

  it('goes down and comes back on the control API; sessions can be expired; contexts imported', async () => {
    expect((await control(sim, 'POST', '/behaviour', { mode: 'down' })).status).toBe(200);
    const err = await fetch(`${sim.url}/anm/login.jsp`).catch((e: unknown) => e);
    expect(((err as Error).cause as NodeJS.ErrnoException).code).toBe('ECONNREFUSED');
    await control(sim, 'POST', '/behaviour', { mode: 'normal' });
    expect((await fetch(`${sim.url}/anm/login.jsp`)).status).toBe(200);

    await control(sim, 'POST', '/behaviour', { mode: 'fail', scope: 'web', count: 2 });
    expect((await fetch(`${sim.url}/anm/login.jsp`)).status).toBe(500);
    expect((await fetch(`${sim.url}/anm/login.jsp`)).status).toBe(500);
    expect((await fetch(`${sim.url}/anm/login.jsp`)).status).toBe(200);

    const login = await webLogin(sim);
    const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
    expect((await control(sim, 'POST', '/sessions/expire')).status).toBe(200);
    expect((await fetch(`${sim.url}/anm/index.do`, { headers: { cookie }, redirect: 'manual' })).status).toBe(302);

    expect((await control(sim, 'POST', '/contexts', { device: 'ace-b', context: 'VC_X' })).json).toEqual({
      imported: ['VC_X'],
    });
    expect(sim.state.devices.get('ace-b')!.contexts).toContain('VC_X');
    expect((await control(sim, 'POST', '/behaviour', { mode: 'sideways' })).status).toBe(400);
    expect((await control(sim, 'POST', '/contexts', { device: 'ace-b', context: 'bad name' })).status).toBe(400);
  });

  it('reads the user contexts an Admin config defines', () => {
    expect(
      contextsInAdminConfig(
        'hostname a\ncontext VC_WEB\n  allocate-interface vlan 10\ncontext VC-2 \n  context nested\n',
      ),
    ).toEqual(['VC_WEB', 'VC-2']);
  });
});

describe('simulator configuration', () => {
  it('rejects unknown keys and reports lines', () => {
    try {
      parseSimAnmConfig('listen: { port: 1 }\ndevices:\n  - name: a\n    ssh: { prot: 22 }\n', 'sim.yaml');
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(FileProblemsError);
      expect((e as FileProblemsError).problems[0]).toMatchObject({ file: 'sim.yaml', line: 4, path: 'devices[0].ssh' });
    }
    expect(() => parseSimAnmConfig('devices: [{name: a}, {name: a}]\n')).toThrow(/listed twice/);
  });
});

describe('acesync sim anm (the built CLI)', () => {
  it('starts from a YAML file, prints its URLs as JSON, serves, and stops on SIGTERM', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'acesync-simanm-'));
    try {
      writeFileSync(
        join(dir, 'sim.yaml'),
        'listen: { port: 0 }\ntls: { enabled: true, ca_out_file: ca.pem }\nusers: [{ username: u, password_env: SIM_PW }]\ndevices:\n  - name: ace-a\n    contexts: [Admin, VC1]\n    ssh: { port: 2222, password: x }\n',
      );
      const r = startCli(['sim', 'anm', '--config', join(dir, 'sim.yaml'), '--log-level', 'warn'], {
        env: { SIM_PW: 'pw' },
      });
      try {
        const info = (await r.waitForEvent((e) => e.sim === 'anm', 15_000)) as {
          url: string;
          control_url: string;
          ca_file: string;
        };
        expect(info.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
        expect(info.ca_file).toBe(join(dir, 'ca.pem'));
        expect(readFileSync(info.ca_file, 'utf8')).toContain('BEGIN CERTIFICATE');
        const state = (await (await fetch(`${info.control_url}/state`)).json()) as { devices: unknown[] };
        expect(state.devices).toEqual([
          { name: 'ace-a', address: '127.0.0.1', deviceType: 'ACE4710', contexts: ['Admin', 'VC1'] },
        ]);
      } finally {
        expect(await r.stop('SIGTERM'), r.stderr.join('\n')).toBe(0);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('exits 2 on a bad file, naming the line', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'acesync-simanm-'));
    try {
      writeFileSync(join(dir, 'bad.yaml'), 'listen: { port: 0 }\nbogus: 1\n');
      const r = await runCli(['sim', 'anm', '--config', join(dir, 'bad.yaml')]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/bad\.yaml:2:\d+ \(top level\): unknown key 'bogus'/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
