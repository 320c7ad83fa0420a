/**
 * Every read route of the JSON API over a real Store filled through the real Processor:
 * shapes, filters, pagination, errors as {code, message}, and the OpenAPI document.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { change, runAudits } from '../engine/helpers.js';
import { makeSuspect, webFixture, type WebFixture } from './helpers.js';

let f: WebFixture;
beforeEach(async () => {
  f = await webFixture();
});
afterEach(async () => {
  await f.shutdown();
});

const get = async (url: string) => {
  const r = await f.app.inject({ method: 'GET', url });
  return { status: r.statusCode, json: r.json() as Record<string, any>, headers: r.headers };
};

const HASH_A = 'a'.repeat(64);
const HASH_B = 'b'.repeat(64);

describe('GET /healthz, /readyz', () => {
  it('report the process and the readiness callback', async () => {
    expect(await get('/healthz')).toMatchObject({ status: 200, json: { status: 'ok' } });
    const r = await get('/readyz');
    expect(r.status).toBe(200);
    expect(r.json).toEqual({ ready: true, checks: { rules: true, listeners: true, store: true } });
  });

  it('readyz is 503 with the failing check named', async () => {
    const g = await webFixture({ ready: false });
    const r = await g.app.inject('/readyz');
    expect(r.statusCode).toBe(503);
    expect(r.json()).toMatchObject({ ready: false, checks: { listeners: 'syslog udp not bound' } });
    await g.shutdown();
  });
});

describe('GET /api/v1/devices, /pairs, /contexts', () => {
  it('lists devices and pairs with FT roles', async () => {
    f.feed({ kind: 'ha-state', id: '727012', device: 'ace1', ftGroup: 2, state: 'ACTIVE', prevState: 'STANDBY_HOT' });
    f.feed({ kind: 'ha-state', id: '727012', device: 'ace2', ftGroup: 2, state: 'STANDBY_HOT', prevState: 'ACTIVE' });
    const d = await get('/api/v1/devices');
    expect(d.status).toBe(200);
    expect(d.json.items.map((x: any) => x.name)).toEqual(['ace1', 'ace2']);
    expect(d.json.items[0]).toMatchObject({
      host: '192.0.2.1',
      peer: 'ace2',
      pair: 'ace1+ace2',
      configured: true,
      contexts: 4,
      auditOverdue: false,
      roles: [{ group: 2, role: 'ACTIVE' }],
    });
    expect(d.json.items[0].ssh).toBeUndefined();
    const p = await get('/api/v1/pairs');
    expect(p.json.items).toEqual([
      {
        id: 'ace1+ace2',
        devices: ['ace1', 'ace2'],
        groups: [{ group: 2, roles: { ace1: 'ACTIVE', ace2: 'STANDBY_HOT' } }],
      },
    ]);
  });

  it('lists contexts and filters them by state; a bad filter is a 400', async () => {
    makeSuspect(f);
    const all = await get('/api/v1/contexts');
    expect(all.json.items).toHaveLength(8);
    const suspect = await get('/api/v1/contexts?state=suspect');
    expect(suspect.json.items.map((c: any) => `${c.device}/${c.context}`)).toEqual(['ace1/VC_WEB', 'ace2/VC_WEB']);
    expect(suspect.json.items[0]).toMatchObject({
      sync: 'suspect',
      label: 'suspect',
      configured: true,
      ftGroup: 2,
      reason: "admin ran 'rserver host web1' in VC_WEB on ace1",
    });
    expect((await get('/api/v1/contexts?state=suspect&device=ace2')).json.items).toHaveLength(1);
    for (const bad of ['/api/v1/contexts?state=bogus', '/api/v1/contexts?colour=red']) {
      const r = await get(bad);
      expect(r.status).toBe(400);
      expect(r.json.code).toBe('ACESYNC_BAD_REQUEST');
      expect(typeof r.json.message).toBe('string');
    }
  });

  it('shows one context with reasons, explanation chain, history and jobs; 404 when unknown', async () => {
    makeSuspect(f);
    f.advance(6000);
    const r = await get('/api/v1/contexts/ace2/VC_WEB');
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({
      device: 'ace2',
      context: 'VC_WEB',
      sync: 'suspect',
      peer: { device: 'ace1', sync: 'suspect' },
    });
    expect(r.json.reasons.at(-1)).toMatchObject({
      rule: 'config-change-marks-suspect',
      from: 'unknown',
      to: 'suspect',
    });
    expect(r.json.jobs[0]).toMatchObject({ type: 'audit', state: 'pending', device: 'ace2', context: 'VC_WEB' });
    // The chain of the change typed on ace1: event -> rule -> decision -> action, seen from the peer's page.
    const chain = r.json.explanation.find((c: any) => c.event?.kind === 'config-change');
    expect(chain.event).toMatchObject({ device: 'ace1', context: 'VC_WEB', summary: 'admin: rserver host web1' });
    expect(chain.rules.map((x: any) => x.rule)).toContain('config-change-marks-suspect');
    expect(chain.states[0]).toMatchObject({ device: 'ace2', from: 'unknown', to: 'suspect' });
    expect(chain.actions[0]).toMatchObject({ action: 'settle:audit' });
    const timer = r.json.explanation.find((c: any) => !c.event);
    expect(timer.actions[0]).toMatchObject({ action: 'audit', job: { state: 'pending', type: 'audit' } });

    const missing = await get('/api/v1/contexts/ace1/NOPE');
    expect(missing.status).toBe(404);
    expect(missing.json).toEqual({ code: 'ACESYNC_NOT_FOUND', message: "no context 'NOPE' on device 'ace1'" });
  });

  it('diffs two stored configuration versions', async () => {
    f.feed({
      kind: 'audit-result',
      transport: 'poll',
      device: 'ace1',
      context: 'VC_WEB',
      data: { outcome: 'differs', hash: HASH_A, config: 'a\nb\nc\n' },
    });
    f.clock.advance(1000);
    f.feed({
      kind: 'audit-result',
      transport: 'poll',
      device: 'ace1',
      context: 'VC_WEB',
      data: { outcome: 'differs', hash: HASH_B, config: 'a\nB\nc\n' },
    });
    const r = await get(`/api/v1/contexts/ace1/VC_WEB/diff?from=${HASH_A}&to=${HASH_B.slice(0, 12)}`);
    expect(r.status).toBe(200);
    expect(r.json.from).toBe(HASH_A);
    expect(r.json.to).toBe(HASH_B);
    expect(r.json.diff).toMatch(/^-b$/m);
    expect(r.json.diff).toMatch(/^\+B$/m);
    expect((await get('/api/v1/contexts/ace1/VC_WEB')).json.versions.map((v: any) => v.hash)).toEqual([HASH_B, HASH_A]);
    expect((await get(`/api/v1/contexts/ace1/VC_WEB/diff?from=${'c'.repeat(64)}&to=${HASH_B}`)).status).toBe(404);
    expect((await get('/api/v1/contexts/ace1/VC_WEB/diff?from=zz&to=yy')).status).toBe(400);
    expect((await get(`/api/v1/contexts/ace1/VC_WEB/diff?from=${HASH_A}`)).status).toBe(400);
  });
});

describe('GET /api/v1/events, /jobs', () => {
  it('pages events newest first with limit and cursor, and filters them', async () => {
    for (let i = 0; i < 7; i++) {
      f.feed(change('ace1', i % 2 ? 'VC_APP' : 'VC_WEB', `rserver host r${i}`));
      f.clock.advance(10);
    }
    const seen: number[] = [];
    let url = '/api/v1/events?kind=config-change&limit=3';
    for (let pages = 0; pages < 10; pages++) {
      const r = await get(url);
      expect(r.status).toBe(200);
      expect(r.json.items.length).toBeLessThanOrEqual(3);
      seen.push(...r.json.items.map((e: any) => e.id));
      if (r.json.nextCursor === undefined) break;
      url = `/api/v1/events?kind=config-change&limit=3&cursor=${r.json.nextCursor}`;
    }
    expect(seen).toHaveLength(7);
    expect([...seen].sort((a, b) => b - a)).toEqual(seen);
    const first = (await get('/api/v1/events?limit=1')).json.items[0];
    expect(first).toMatchObject({
      kind: 'config-change',
      device: 'ace1',
      context: 'VC_WEB',
      summary: 'admin: rserver host r6',
    });
    expect(first.event.command).toBe('rserver host r6');
    expect((await get('/api/v1/events?context=VC_APP')).json.items).toHaveLength(3);
    expect((await get('/api/v1/events?kind=ha-state')).json.items).toHaveLength(0);
    for (const bad of [
      '/api/v1/events?kind=nope',
      '/api/v1/events?cursor=0',
      '/api/v1/events?cursor=abc',
      '/api/v1/events?limit=501',
    ])
      expect((await get(bad)).status).toBe(400);
  });

  it('pages jobs and filters them by state and type', async () => {
    makeSuspect(f);
    f.advance(6000);
    runAudits(f, 'differs');
    const all = await get('/api/v1/jobs?limit=2');
    expect(all.json.items).toHaveLength(2);
    const rest = await get(`/api/v1/jobs?limit=50&cursor=${all.json.nextCursor}`);
    const ids = [...all.json.items, ...rest.json.items].map((j: any) => j.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect((await get('/api/v1/jobs?type=audit&state=done')).json.items.map((j: any) => j.context)).toEqual([
      'VC_WEB',
      'VC_WEB',
    ]);
    expect((await get('/api/v1/jobs?type=upload&state=pending')).json.items).toHaveLength(2);
    expect((await get('/api/v1/jobs?state=weird')).status).toBe(400);
  });
});

describe('GET /api/v1/alerts, /alerts/deliveries, /rules', () => {
  it('lists alerts raised by rules, filtered by status', async () => {
    f.feed(change('ace1', 'VC_WEB', 'no logging enable'));
    await f.notifier.flush();
    const r = await get('/api/v1/alerts?status=firing');
    expect(r.json.items).toHaveLength(1);
    expect(r.json.items[0]).toMatchObject({
      alertname: 'logging-silenced',
      severity: 'critical',
      status: 'firing',
      device: 'ace1',
      context: 'VC_WEB',
      fireCount: 1,
    });
    expect((await get('/api/v1/alerts?status=resolved')).json.items).toHaveLength(0);
    expect((await get('/api/v1/alerts/deliveries')).json.items).toEqual([]);
    expect((await get('/api/v1/alerts?status=open')).status).toBe(400);
  });

  it('lists the rules with their files and descriptions', async () => {
    const r = await get('/api/v1/rules');
    const rule = r.json.items.find((x: any) => x.name === 'config-change-marks-suspect');
    expect(rule).toMatchObject({
      file: 'config-change.yaml',
      on: ['config-change', 'logging-change'],
      actions: ['mark', 'audit'],
    });
    expect(rule.description).toMatch(/suspect on both peers/);
    expect(r.json.items.length).toBeGreaterThan(10);
  });
});

describe('errors and documents', () => {
  it('unknown API routes are {code, message} 404s; unknown pages are HTML 404s', async () => {
    const api = await f.app.inject('/api/v1/nothing');
    expect(api.statusCode).toBe(404);
    expect(api.json()).toEqual({ code: 'ACESYNC_NOT_FOUND', message: 'no such page or API route' });
    const page = await f.app.inject('/nothing');
    expect(page.statusCode).toBe(404);
    expect(page.headers['content-type']).toMatch(/text\/html/);
    expect(page.body).toContain('ACESYNC_NOT_FOUND');
  });

  it('serves no files by path: traversal attempts are plain 404s', async () => {
    for (const u of [
      '/assets/../../etc/passwd',
      '/assets/..%2F..%2Fetc%2Fpasswd',
      '/assets/app.css/../../../package.json',
      '/contexts/..%2F..%2Fetc/passwd',
      '/api/v1/contexts/..%2F..%2F/etc%2Fpasswd',
    ]) {
      const r = await f.app.inject(u);
      expect(r.statusCode, u).toBe(404);
      expect(r.body).not.toContain('root:');
      expect(r.body).not.toContain('"dependencies"');
    }
  });

  it('answers only to loopback names (DNS rebinding)', async () => {
    const r = await f.app.inject({ url: '/api/v1/contexts', headers: { host: 'attacker.example:8080' } });
    expect(r.statusCode).toBe(400);
    expect(r.json().code).toBe('ACESYNC_BAD_REQUEST');
    expect((await f.app.inject({ url: '/api/v1/contexts', headers: { host: '[::1]:8080' } })).statusCode).toBe(200);
  });

  it('serves an OpenAPI document generated from the route schemas', async () => {
    const doc = (await get('/api/v1/openapi.json')).json;
    expect(doc.openapi).toBe('3.1.0');
    for (const p of [
      '/api/v1/devices',
      '/api/v1/pairs',
      '/api/v1/contexts',
      '/api/v1/contexts/{device}/{context}',
      '/api/v1/contexts/{device}/{context}/diff',
      '/api/v1/events',
      '/api/v1/jobs',
      '/api/v1/alerts',
      '/api/v1/rules',
      '/api/v1/contexts/{device}/{context}/resync',
      '/api/v1/devices/{device}/audit',
      '/api/v1/contexts/{device}/{context}/acknowledge-upload',
      '/healthz',
      '/readyz',
      '/metrics',
    ])
      expect(doc.paths[p], p).toBeDefined();
    const resync = doc.paths['/api/v1/contexts/{device}/{context}/resync'].post;
    expect(resync.security).toEqual([{ bearerAuth: [] }]);
    expect(resync.parameters.map((x: any) => [x.name, x.in, x.required])).toEqual([
      ['device', 'path', true],
      ['context', 'path', true],
    ]);
    expect(resync.responses['202'].content['application/json'].schema.properties.jobs).toBeDefined();
    expect(resync.responses['401'].content['application/json'].schema.required).toEqual(['code', 'message']);
    const events = doc.paths['/api/v1/events'].get;
    expect(events.parameters.find((x: any) => x.name === 'kind').schema.enum).toContain('config-change');
    expect(events.security).toBeUndefined();
    expect(doc.components.securitySchemes.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer' });
  });
});
