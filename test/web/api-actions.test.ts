/**
 * Mutations: resync a context, audit a device, acknowledge a manual upload; and the token
 * that guards them (missing, wrong, right, unset), through the API and the page forms.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runAudits } from '../engine/helpers.js';
import { makeSuspect, TOKEN, webFixture, type WebFixture } from './helpers.js';

let f: WebFixture;
beforeEach(async () => {
  f = await webFixture();
});
afterEach(async () => {
  await f.shutdown();
});

const post = (url: string, headers: Record<string, string> = {}, payload?: unknown) =>
  f.app.inject({
    method: 'POST',
    url,
    headers: payload === undefined ? headers : { 'content-type': 'application/json', ...headers },
    payload: payload === undefined ? undefined : JSON.stringify(payload),
  });

describe('auth on mutations', () => {
  const url = '/api/v1/contexts/ace1/VC_WEB/resync';

  it('refuses a missing or wrong token with 401 and changes nothing', async () => {
    const before = f.store.jobs.list().length;
    const missing = await post(url);
    expect(missing.statusCode).toBe(401);
    expect(missing.headers['www-authenticate']).toMatch(/^Bearer/);
    expect(missing.json()).toMatchObject({ code: 'ACESYNC_UNAUTHORIZED' });
    for (const h of [`Bearer ${TOKEN}x`, `Bearer ${TOKEN.slice(0, -1)}`, `Basic ${TOKEN}`, TOKEN, 'Bearer ']) {
      const r = await post(url, { authorization: h });
      expect(r.statusCode, h).toBe(401);
      expect(r.json().code).toBe('ACESYNC_UNAUTHORIZED');
    }
    expect(f.store.jobs.list().length).toBe(before);
  });

  it('refuses every mutation when the token variable is unset', async () => {
    const g = await webFixture({ token: null });
    for (const u of [url, '/api/v1/devices/ace1/audit', '/api/v1/contexts/ace1/VC_WEB/acknowledge-upload']) {
      const r = await g.app.inject({ method: 'POST', url: u, headers: { authorization: 'Bearer anything' } });
      expect(r.statusCode).toBe(403);
      expect(r.json().code).toBe('ACESYNC_TOKEN_UNSET');
      expect(r.json().message).toContain('ACESYNC_TEST_TOKEN');
    }
    expect(g.store.jobs.list()).toHaveLength(0);
    await g.shutdown();
  });

  it('checks the token before reading the body', async () => {
    const r = await f.app.inject({
      method: 'POST',
      url,
      headers: { 'content-type': 'application/json' },
      payload: '{not json',
    });
    expect(r.statusCode).toBe(401);
  });
});

describe('POST /api/v1/contexts/:device/:context/resync', () => {
  it('queues an audit and an upload, recorded as an operator event with decisions', async () => {
    const r = await post('/api/v1/contexts/ace2/VC_APP/resync', f.auth, { note: 'ANM shows Out Of Sync' });
    expect(r.statusCode).toBe(202);
    const body = r.json();
    expect(body.jobs.map((j: any) => j.type)).toEqual(['audit', 'upload']);
    for (const j of body.jobs)
      expect(f.store.jobs.get(j.id)).toMatchObject({
        state: 'pending',
        device: 'ace2',
        context: 'VC_APP',
        priority: 10,
      });
    const event = f.store.event(body.eventId)!;
    expect(event).toMatchObject({
      kind: 'operator',
      device: 'ace2',
      context: 'VC_APP',
      text: 'resync requested by an operator: ANM shows Out Of Sync',
    });
    const decisions = f.store.decisions({ eventId: body.eventId });
    expect(decisions.map((d) => [d.rule, d.action, d.detail?.job])).toEqual([
      ['operator', 'audit', body.jobs[0].id],
      ['operator', 'upload', body.jobs[1].id],
    ]);
  });

  it('404s an unknown context and 400s a bad body', async () => {
    expect((await post('/api/v1/contexts/ace1/NOPE/resync', f.auth)).statusCode).toBe(404);
    expect((await post('/api/v1/contexts/ace9/VC_WEB/resync', f.auth)).json().code).toBe('ACESYNC_NOT_FOUND');
    const extra = await post('/api/v1/contexts/ace1/VC_WEB/resync', f.auth, { note: 'x', evil: true });
    expect(extra.statusCode).toBe(400);
    expect(extra.json().code).toBe('ACESYNC_BAD_REQUEST');
    const long = await post('/api/v1/contexts/ace1/VC_WEB/resync', f.auth, { note: 'x'.repeat(201) });
    expect(long.statusCode).toBe(400);
    const broken = await f.app.inject({
      method: 'POST',
      url: '/api/v1/contexts/ace1/VC_WEB/resync',
      headers: { ...f.auth, 'content-type': 'application/json' },
      payload: '{oops',
    });
    expect(broken.statusCode).toBe(400);
    expect(broken.json().code).toBe('ACESYNC_BAD_REQUEST');
  });
});

describe('POST /api/v1/devices/:device/audit', () => {
  it('queues one device-level audit', async () => {
    const r = await post('/api/v1/devices/ace1/audit', f.auth);
    expect(r.statusCode).toBe(202);
    const [job] = r.json().jobs;
    expect(f.store.jobs.get(job.id)).toMatchObject({ type: 'audit', device: 'ace1', context: '', state: 'pending' });
    expect((await post('/api/v1/devices/ace9/audit', f.auth)).statusCode).toBe(404);
  });
});

describe('POST /api/v1/contexts/:device/:context/acknowledge-upload', () => {
  it('409 when no upload waits for an operator', async () => {
    const r = await post('/api/v1/contexts/ace1/VC_WEB/acknowledge-upload', f.auth);
    expect(r.statusCode).toBe(409);
    expect(r.json().code).toBe('ACESYNC_CONFLICT');
  });

  it('continues the loop: ANM copy recorded, context syncing, re-audit queued, then in sync', async () => {
    makeSuspect(f);
    f.advance(6000);
    runAudits(f, 'differs'); // stale, upload queued
    const [upload] = f.store.jobs.claim({ types: ['upload'], limit: 1, perDevice: 1 });
    // The manual strategy parks the job and reports waiting-operator.
    f.feed({
      kind: 'upload-result',
      transport: 'action',
      device: upload!.device,
      context: upload!.context,
      data: { outcome: 'waiting-operator', strategy: 'manual', jobId: upload!.id },
    });
    f.store.jobs.complete(upload!.id, { outcome: 'waiting-operator', steps: '1. ...' });
    expect(f.sync(upload!.device, upload!.context)).toBe('stale');

    const r = await post(`/api/v1/contexts/${upload!.device}/${upload!.context}/acknowledge-upload`, f.auth, {
      note: 'done in ANM',
    });
    expect(r.statusCode).toBe(202);
    const body = r.json();
    expect(body.jobs).toHaveLength(1);
    expect(body.jobs[0]).toMatchObject({ type: 'audit', device: upload!.device, context: upload!.context });
    expect(f.sync(upload!.device, upload!.context)).toBe('syncing');
    const c = f.store.context(upload!.device, upload!.context)!;
    expect(c.anmHash).toBe(c.lastAuditHash);
    expect(f.store.event(body.eventId)).toMatchObject({
      kind: 'upload-result',
      data: { outcome: 'ok', strategy: 'manual', acknowledged: true, jobId: upload!.id },
    });
    runAudits(f, 'in-sync');
    expect(f.sync(upload!.device, upload!.context)).toBe('in-sync');
    // Acknowledged once: a second one has nothing to acknowledge.
    expect(
      (await post(`/api/v1/contexts/${upload!.device}/${upload!.context}/acknowledge-upload`, f.auth)).statusCode,
    ).toBe(409);
  });
});

describe('page forms', () => {
  const form = (url: string, token?: string) =>
    f.app.inject({
      method: 'POST',
      url,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: token === undefined ? '' : new URLSearchParams({ token }).toString(),
    });

  it('resync form: wrong token is an HTML 401, the right one queues and redirects', async () => {
    const bad = await form('/contexts/ace1/VC_WEB/resync', 'nope');
    expect(bad.statusCode).toBe(401);
    expect(bad.headers['content-type']).toMatch(/text\/html/);
    expect(bad.body).toContain('ACESYNC_UNAUTHORIZED');
    expect(bad.body).not.toContain('nope');
    expect((await form('/contexts/ace1/VC_WEB/resync')).statusCode).toBe(401);
    const ok = await form('/contexts/ace1/VC_WEB/resync', TOKEN);
    expect(ok.statusCode).toBe(303);
    const jobs = f.store.jobs.list({ device: 'ace1', context: 'VC_WEB' });
    expect(jobs.map((j) => j.type).sort()).toEqual(['audit', 'upload']);
    expect(ok.headers.location).toBe(
      `/contexts/ace1/VC_WEB?done=resync&jobs=${jobs
        .map((j) => j.id)
        .sort((a, b) => a - b)
        .join(',')}#actions`,
    );
    const page = await f.app.inject(ok.headers.location!.replace('#actions', ''));
    expect(page.body).toMatch(/Resync queued: audit job \d+ \(pending\), upload job \d+ \(pending\)/);
    expect(page.body).not.toContain(TOKEN);
  });

  it('the notice is rebuilt from job ids, never echoed from the query', async () => {
    const page = await f.app.inject('/contexts/ace1/VC_WEB?done=resync&jobs=%3Cscript%3E,999');
    expect(page.body).toContain('Resync queued: no job.');
    expect(page.body).not.toContain('<script>');
  });
});
