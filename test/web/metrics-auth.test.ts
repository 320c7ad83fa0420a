/**
 * /metrics values from the real parts, and reads protected when the server is bound
 * beyond loopback.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { webExtras } from '../../src/web/server.js';
import { change, runAudits } from '../engine/helpers.js';
import { TOKEN, webFixture, type WebFixture } from './helpers.js';

let f: WebFixture | undefined;
afterEach(async () => {
  await f?.shutdown();
  f = undefined;
});

function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const m = /^([a-z_]+)(\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const got = Object.fromEntries([...(m[3] ?? '').matchAll(/([a-z_]+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(labels).every(([k, v]) => got[k] === v)) return Number(m[4]);
  }
  return undefined;
}

describe('/metrics', () => {
  it('exposes ingest, events, rules, decisions, queue, jobs, contexts, audit age and webhook figures', async () => {
    f = await webFixture();
    f.counters.add('udp', '10.0.0.1', 'accepted', 5);
    f.counters.add('udp', '10.0.0.1', 'noise', 3);
    f.counters.add('snmp', '10.0.0.9', 'rejected-auth');
    f.counters.kernelDrops = 7;
    f.counters.workerFailures = 2;
    f.feed(change('ace1', 'VC_WEB', 'rserver host a'));
    f.feed(change('ace1', 'VC_WEB', 'no logging enable'));
    f.advance(6000);
    runAudits(f, 'in-sync');
    await f.notifier.flush();
    webExtras(f.app).metrics.observeJob('audit', 'done', 1.5);
    f.clock.advance(30_000);
    const r = await f.app.inject('/metrics');
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toMatch(/^text\/plain/);
    const m = r.body;
    expect(
      sample(m, 'acesync_ingest_messages_total', { transport: 'udp', source: '10.0.0.1', outcome: 'accepted' }),
    ).toBe(5);
    expect(sample(m, 'acesync_ingest_messages_total', { transport: 'snmp', outcome: 'rejected-auth' })).toBe(1);
    expect(sample(m, 'acesync_ingest_kernel_drops_total')).toBe(7);
    expect(sample(m, 'acesync_ingest_worker_failures_total')).toBe(2);
    expect(sample(m, 'acesync_events_total', { kind: 'config-change' })).toBe(2);
    expect(sample(m, 'acesync_events_total', { kind: 'audit-result' })).toBe(2);
    expect(sample(m, 'acesync_rule_hits_total', { rule: 'config-change-marks-suspect', status: 'fired' })).toBe(2);
    expect(sample(m, 'acesync_rule_hits_total', { rule: 'logging-silenced', status: 'fired' })).toBe(1);
    expect(sample(m, 'acesync_decisions_total', { kind: 'state', action: '' })).toBeGreaterThanOrEqual(4);
    expect(sample(m, 'acesync_jobs', { type: 'audit', state: 'done' })).toBe(2);
    expect(sample(m, 'acesync_jobs', { type: 'alert', state: 'done' })).toBe(1);
    expect(sample(m, 'acesync_job_duration_seconds_count', { type: 'audit', outcome: 'done' })).toBe(1);
    expect(sample(m, 'acesync_jobs_finished_total', { type: 'audit', outcome: 'done' })).toBe(1);
    expect(sample(m, 'acesync_contexts', { sync: 'in-sync' })).toBe(2);
    expect(sample(m, 'acesync_contexts', { sync: 'unknown' })).toBe(6);
    expect(sample(m, 'acesync_device_last_successful_audit_age_seconds', { device: 'ace1' })).toBe(30);
    expect(sample(m, 'acesync_device_last_successful_audit_age_seconds', { device: 'ace2' })).toBe(30);
    // Still firing: being in sync does not say the logging settings are back (an audit must see them).
    expect(
      sample(m, 'acesync_alerts_firing', { alertname: 'logging-silenced', device: 'ace1', context: 'VC_WEB' }),
    ).toBe(1);
    expect(sample(m, 'acesync_processor_events_total', { stage: 'evaluated' })).toBe(4);
    expect(m).toContain('process_resident_memory_bytes');
  });
});

describe('bound beyond loopback', () => {
  it('reads need the token: bearer for the API, a session cookie for the page', async () => {
    f = await webFixture({ config: { http: { host: '0.0.0.0', token_env: 'ACESYNC_TEST_TOKEN' } } });
    const app = f.app;
    expect((await app.inject('/api/v1/contexts')).statusCode).toBe(401);
    expect((await app.inject({ url: '/api/v1/contexts', headers: { authorization: 'Bearer nope' } })).statusCode).toBe(
      401,
    );
    expect(
      (
        await app.inject({
          url: '/api/v1/contexts',
          headers: { authorization: `Bearer ${TOKEN}`, host: 'acesync.corp.example' },
        })
      ).statusCode,
    ).toBe(200);
    expect((await app.inject('/metrics')).statusCode).toBe(401);
    expect((await app.inject('/healthz')).statusCode).toBe(200);
    expect((await app.inject('/assets/app.css')).statusCode).toBe(200);
    const page = await app.inject('/');
    expect(page.statusCode).toBe(303);
    expect(page.headers.location).toBe('/login');
    expect(
      (
        await app.inject({
          method: 'POST',
          url: '/login',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          payload: 'token=wrong',
        })
      ).statusCode,
    ).toBe(401);
    const login = await app.inject({
      method: 'POST',
      url: '/login',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: `token=${TOKEN}`,
    });
    expect(login.statusCode).toBe(303);
    const cookie = String(login.headers['set-cookie']);
    expect(cookie).toMatch(/^acesync_session=[A-Za-z0-9_-]+; Path=\/; HttpOnly; SameSite=Strict/);
    expect(cookie).not.toContain(TOKEN);
    const session = cookie.split(';')[0]!;
    expect((await app.inject({ url: '/', headers: { cookie: session } })).statusCode).toBe(200);
    expect((await app.inject({ url: '/', headers: { cookie: 'acesync_session=forged' } })).statusCode).toBe(303);
    // The cookie does not authorise mutations: they still need the bearer token.
    expect(
      (await app.inject({ method: 'POST', url: '/api/v1/devices/ace1/audit', headers: { cookie: session } }))
        .statusCode,
    ).toBe(401);
  });
});
