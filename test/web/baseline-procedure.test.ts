/**
 * Baseline adoption and manual procedure runs over the real web server (inject), the real
 * processor and default rules on a SQLite file.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { buildProcedure } from '../../src/anm/procedure.js';
import { procedurePage } from '../../src/web/views/procedure-page.js';
import { TOKEN, webFixture, type WebFixture } from './helpers.js';

let f: WebFixture;
afterEach(async () => f?.shutdown());

const audit = (fx: WebFixture, device: string, context: string, hash: string): void => {
  fx.feed({ kind: 'audit-result', transport: 'action', device, context, data: { outcome: 'no-baseline', hash } });
};
const adopt = (fx: WebFixture, body: unknown, headers: Record<string, string> = fx.auth) =>
  fx.app.inject({ method: 'POST', url: '/api/v1/baseline/adopt', headers, payload: body as Record<string, unknown> });

describe('POST /api/v1/baseline/adopt', () => {
  it('needs the token, refuses contexts never audited by name, then adopts with one decision each and no upload', async () => {
    f = await webFixture();
    const ace1 = f.store.view.contextsOf('ace1');
    for (const c of ace1) audit(f, 'ace1', c, `h1-${c}`);
    audit(f, 'ace2', 'VC_WEB', 'h2-VC_WEB');
    const uploadsBefore = f.store.jobs.list({ type: 'upload', limit: 1000 }).length;

    expect((await adopt(f, { all: true, reason: 'x' }, {})).statusCode).toBe(401);
    expect((await adopt(f, { reason: 'x' })).json()).toMatchObject({ code: 'ACESYNC_BAD_REQUEST' });
    expect((await adopt(f, { all: true })).statusCode).toBe(400);

    const refused = await adopt(f, { all: true, reason: 'ANM verified' });
    expect(refused.statusCode).toBe(409);
    expect(refused.json().code).toBe('ACESYNC_NOT_AUDITED');
    expect(refused.json().message).toContain('ace2/VC_APP');
    expect(refused.json().message).not.toContain('ace2/VC_WEB');
    expect(f.sync('ace1', 'VC_WEB')).toBe('stale');
    expect(f.store.anmCopy('ace1', 'VC_WEB')).toBeUndefined();

    const ok = await adopt(f, { devices: ['ace1'], reason: 'ANM verified', by: 'alice' });
    expect(ok.statusCode).toBe(200);
    expect(
      ok
        .json()
        .adopted.map((a: { context: string }) => a.context)
        .sort(),
    ).toEqual([...ace1].sort());
    for (const c of ace1) {
      expect(f.sync('ace1', c)).toBe('in-sync');
      expect(f.store.anmCopy('ace1', c)?.hash).toBe(`h1-${c}`);
      const d = f.store
        .decisions({ device: 'ace1', context: c, kinds: ['state'] })
        .filter((x) => x.rule === 'baseline-adopted');
      expect(d.map((x) => x.reason)).toEqual(['baseline adopted by API token holder (alice): ANM verified']);
    }
    expect(f.sync('ace2', 'VC_WEB')).toBe('stale');
    expect(f.store.jobs.list({ type: 'upload', limit: 1000 })).toHaveLength(uploadsBefore);

    // One context name across devices.
    const one = await adopt(f, { context: 'VC_WEB', reason: 'checked' });
    expect(
      one
        .json()
        .adopted.map((a: { device: string }) => a.device)
        .sort(),
    ).toEqual(['ace1', 'ace2']);
    expect(f.sync('ace2', 'VC_WEB')).toBe('in-sync');
  });

  it('the page: one adopt button per pair, a plain form with the token; the post redirects with a count', async () => {
    f = await webFixture();
    for (const d of ['ace1', 'ace2']) for (const c of f.store.view.contextsOf(d)) audit(f, d, c, `h-${d}-${c}`);
    const page = (await f.app.inject({ method: 'GET', url: '/' })).body;
    expect(page.match(/action="\/baseline\/adopt"/g)).toHaveLength(1);
    expect(page).toContain('name="devices" value="ace1,ace2"');
    expect(page).toContain('Adopt baseline of this pair');
    const noToken = await f.app.inject({
      method: 'POST',
      url: '/baseline/adopt',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'devices=ace1%2Cace2&reason=ok',
    });
    expect(noToken.statusCode).toBe(401);
    const r = await f.app.inject({
      method: 'POST',
      url: '/baseline/adopt',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: `devices=ace1%2Cace2&reason=ANM+checked&token=${TOKEN}`,
    });
    expect(r.statusCode).toBe(303);
    const n = f.store.contexts().length;
    expect(r.headers.location).toBe(`/?done=adopted&adopted=${n}`);
    expect(f.store.contexts().every((c) => c.sync === 'in-sync')).toBe(true);
    const after = (await f.app.inject({ method: 'GET', url: r.headers.location as string })).body;
    expect(after).toContain(`Baseline adopted for ${n} contexts`);
  });

  it('is in the OpenAPI document with the procedure routes', async () => {
    f = await webFixture();
    const doc = (await f.app.inject({ method: 'GET', url: '/api/v1/openapi.json' })).json();
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/api/v1/baseline/adopt',
        '/api/v1/procedures/{pair}',
        '/api/v1/procedures/{pair}/acknowledge',
      ]),
    );
    expect(doc.paths['/api/v1/baseline/adopt'].post.requestBody).toBeDefined();
  });
});

/** Play the manual upload worker for these contexts: each upload parks as waiting-operator. */
function park(fx: WebFixture, targets: Array<[string, string]>): void {
  for (const [device, context] of targets)
    fx.feed({
      kind: 'audit-result',
      transport: 'action',
      device,
      context,
      data: { outcome: 'differs', hash: `h-${device}-${context}` },
    });
  for (const j of fx.store.jobs.claim({ types: ['upload'], limit: 100, perDevice: 100 })) {
    fx.store.jobs.complete(j.id, { outcome: 'waiting-operator', strategy: 'manual' });
    fx.feed({
      kind: 'upload-result',
      transport: 'action',
      device: j.device,
      context: j.context,
      data: { outcome: 'waiting-operator', strategy: 'manual', jobId: j.id },
    });
  }
}

describe('procedure page', () => {
  it('lists the run, acknowledges the ticked contexts only, then the rest with one click', async () => {
    f = await webFixture();
    park(f, [
      ['ace1', 'VC_WEB'],
      ['ace2', 'VC_WEB'],
      ['ace2', 'VC_APP'],
    ]);
    await f.notifier.tick();
    const url = '/procedures/ace1%2Bace2';
    const api = (await f.app.inject({ method: 'GET', url: `/api/v1${url}` })).json();
    expect(api).toMatchObject({ pair: 'ace1+ace2', open: true });
    expect(api.procedure.steps.length).toBeGreaterThanOrEqual(4);
    expect(api.contexts.map((c: { device: string; context: string }) => `${c.device}/${c.context}`)).toEqual([
      'ace1/VC_WEB',
      'ace2/VC_APP',
      'ace2/VC_WEB',
    ]);
    const page = (await f.app.inject({ method: 'GET', url })).body;
    expect(page).toContain('Contexts of this run (3 waiting)');
    expect(page.match(/name="ctx"/g)).toHaveLength(3);
    const form = (body: string) =>
      f.app.inject({
        method: 'POST',
        url: `${url}/acknowledge`,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: body,
      });
    expect((await form('ctx=ace1%2FVC_WEB')).statusCode).toBe(401);
    const some = await form(`ctx=ace1%2FVC_WEB&ctx=ace2%2FVC_APP&token=${TOKEN}`);
    expect(some.statusCode).toBe(303);
    expect(some.headers.location).toBe(`${url}?done=acknowledged&acknowledged=2`);
    expect(f.store.context('ace1', 'VC_WEB')!.lastUploadOutcome).toBe('ok');
    expect(f.store.context('ace2', 'VC_APP')!.lastUploadOutcome).toBe('ok');
    expect(f.store.context('ace2', 'VC_WEB')!.lastUploadOutcome).toBe('waiting-operator');
    const after = (await f.app.inject({ method: 'GET', url: some.headers.location as string })).body;
    expect(after).toContain('Acknowledged 2 contexts');
    expect(after).toContain('Contexts of this run (1 waiting)');
    // A context that does not wait is refused by name, nothing acknowledged.
    const bad = await f.app.inject({
      method: 'POST',
      url: `/api/v1${url}/acknowledge`,
      headers: f.auth,
      payload: { contexts: ['ace1/VC_DB'] },
    });
    expect(bad.statusCode).toBe(409);
    expect(bad.json().message).toContain('ace1/VC_DB');
    const rest = await f.app.inject({ method: 'POST', url: `/api/v1${url}/acknowledge`, headers: f.auth, payload: {} });
    expect(rest.statusCode).toBe(202);
    expect(
      rest.json().acknowledged.map((a: { device: string; context: string }) => `${a.device}/${a.context}`),
    ).toEqual(['ace2/VC_WEB']);
  });

  it('renders device-sourced names as text inside the list', () => {
    const evil = 'VC_<img src=x onerror=alert(1)>';
    const p = buildProcedure({
      pair: ['ace1', 'ace2'],
      pairKey: 'ace1+ace2',
      contexts: [{ device: 'ace1', context: evil, waiting: true, hash: 'ab'.repeat(32) }],
      newContexts: {},
      crypto: [],
      settings: { syncLabel: 'CLI > ANM Sync', note: '<b>call</b>' },
    });
    const html = procedurePage({
      pairKey: 'ace1+ace2',
      procedure: p,
      contexts: [{ device: 'ace1', context: evil, waiting: true }],
      tokenConfigured: true,
      tokenEnv: 'T',
    }).value;
    expect(html).not.toContain('<img');
    expect(html).not.toContain('<b>call');
    expect(html).toContain('<li>ace1: VC_&lt;img src=x onerror=alert(1)&gt;</li>');
    expect(html).toContain('<code>show running-config</code>');
    expect(html).toContain('value="ace1/VC_&lt;img');
  });

  it('acknowledging a pair with no open run is a 404', async () => {
    f = await webFixture();
    const r = await f.app.inject({
      method: 'POST',
      url: '/api/v1/procedures/ace1%2Bace2/acknowledge',
      headers: f.auth,
      payload: {},
    });
    expect(r.statusCode).toBe(404);
    expect(r.json().code).toBe('ACESYNC_NOT_FOUND');
  });
});
