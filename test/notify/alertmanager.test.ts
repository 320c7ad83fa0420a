/**
 * `webhooks[].type: alertmanager` against a real Alertmanager (Debian's
 * prometheus-alertmanager, started by the test with resolve_timeout 3s): a firing alert
 * arrives with its annotations, stays firing well past resolve_timeout because acesync
 * re-sends it every second, and resolves when acesync resolves it. A generic webhook body
 * posted to the same API is refused, and the refusal (Alertmanager's own words) reaches the
 * delivery record and the page.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { webhookSchema } from '../../src/config/sections/webhooks.js';
import { ManualClock } from '../../src/core/clock.js';
import { silentLogger } from '../../src/core/log.js';
import { alertmanagerUrl, toPostable } from '../../src/notify/alertmanager.js';
import { MAX_ERROR_BODY_CHARS, postWebhook } from '../../src/notify/delivery.js';
import { Notifier } from '../../src/notify/notifier.js';
import { ZERO_TIME } from '../../src/notify/payload.js';
import { failingReceivers } from '../../src/store/queries/notify-health.js';
import { ALERTMANAGER, startAlertmanager, type RunningAlertmanager } from '../helpers/alertmanager.js';
import { haveTool } from '../helpers/tools.js';
import { until } from '../helpers/wait.js';
import { change, harness, runAudits, tempDir, testConfig } from '../engine/helpers.js';
import { webFixture } from '../web/helpers.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('alertmanager receiver: pure parts', () => {
  it('alertmanagerUrl() appends /api/v2/alerts once', () => {
    expect(alertmanagerUrl('http://am:9093')).toBe('http://am:9093/api/v2/alerts');
    expect(alertmanagerUrl('http://am:9093/')).toBe('http://am:9093/api/v2/alerts');
    expect(alertmanagerUrl('http://h/am/api/v2/alerts')).toBe('http://h/am/api/v2/alerts');
  });

  it('toPostable() leaves endsAt out while firing, sets it when resolved, fills description and runbook_url', () => {
    const base = {
      labels: { alertname: 'logging-silenced', device: 'ace1', context: 'VC_WEB' },
      annotations: { summary: 'Logging was silenced' },
      startsAt: '2026-01-01T00:00:00.000Z',
      endsAt: ZERO_TIME,
      generatorURL: 'http://acesync:8080/contexts/ace1/VC_WEB',
      fingerprint: '0123456789abcdef',
    };
    const f = toPostable({ ...base, status: 'firing' }, 'https://wiki.example/acesync/{alertname}');
    expect(f).not.toHaveProperty('endsAt');
    expect(f.annotations.runbook_url).toBe('https://wiki.example/acesync/logging-silenced');
    expect(f.annotations.description).toContain('VC_WEB on ace1');
    expect(f.annotations.description).toContain(base.generatorURL);
    const r = toPostable({ ...base, status: 'resolved', endsAt: '2026-01-01T00:05:00.000Z' });
    expect(r.endsAt).toBe('2026-01-01T00:05:00.000Z');
    expect(r.annotations).not.toHaveProperty('runbook_url');
    // The rule's fix: its own annotation, and the end of the description most templates show.
    const fix = 'On ace1: changeto VC_WEB; configure; logging host 10.0.0.9 udp/514';
    const x = toPostable({ ...base, annotations: { summary: 'Logging was silenced.', fix }, status: 'firing' });
    expect(x.annotations.fix).toBe(fix);
    expect(x.annotations.description).toBe(
      `Logging was silenced (VC_WEB on ace1). Fix: ${fix}. Details and history: ${base.generatorURL}`,
    );
  });

  it('the schema defaults an alertmanager receiver to no group wait and refuses a template', () => {
    const am = webhookSchema.parse({ name: 'am', type: 'alertmanager', url: 'http://am:9093' });
    expect(am).toMatchObject({ group_wait_ms: 0, group_interval_ms: 1000, resend_interval_ms: 60_000 });
    const hook = webhookSchema.parse({ name: 'h', url: 'http://h/x' });
    expect(hook).toMatchObject({ type: 'webhook', group_wait_ms: 30_000, group_interval_ms: 300_000 });
    const bad = webhookSchema.safeParse({ name: 'am', type: 'alertmanager', url: 'http://am', template: 't.json' });
    expect(bad.success).toBe(false);
    expect(JSON.stringify(bad.error?.issues)).toContain('takes no template');
  });

  it('postWebhook() keeps a bounded, inert excerpt of a refusing receiver answer', async () => {
    const server = createServer((_req, res) => {
      res.writeHead(400, { 'content-type': 'text/plain' });
      res.end('bad \u001b[31mred\u001b[0m\r\n' + 'x'.repeat(100_000));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    cleanups.push(() => new Promise((r) => server.close(() => r())));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook/secretpath`;
    const out = await postWebhook({ url, body: '{}', headers: {}, timeoutMs: 5000 });
    expect(out.ok).toBe(false);
    if (out.ok) return;
    expect(out.retryable).toBe(false);
    expect(out.error).toMatch(/^receiver answered HTTP 400: bad \uFFFD\[31mred\uFFFD\[0m x+/);
    expect(out.error).not.toContain('\u001b');
    expect(out.error.length).toBeLessThanOrEqual(MAX_ERROR_BODY_CHARS + 40);
  });
});

const run = haveTool(ALERTMANAGER, 'prometheus-alertmanager');

describe.runIf(run)('alertmanager receiver against a real Alertmanager', () => {
  async function am(): Promise<RunningAlertmanager> {
    const a = await startAlertmanager('3s');
    cleanups.push(() => a.stop());
    return a;
  }

  it('firing arrives, stays firing past resolve_timeout (re-sent), and resolves when acesync resolves', async () => {
    const manager = await am();
    const config = testConfig({
      webhooks: [
        {
          name: 'am',
          type: 'alertmanager',
          url: manager.url,
          resend_interval_ms: 1000,
          runbook_url: 'https://wiki.example/acesync/{alertname}',
        },
      ],
    });
    const h = harness({ path: join(tempDir('acesync-am-'), 'acesync.db'), config, clock: new ManualClock(Date.now()) });
    const notifier = new Notifier({
      store: h.store,
      webhooks: config.webhooks,
      clock: h.clock,
      logger: silentLogger,
      externalUrl: 'http://acesync.example:8080',
      env: {},
    });
    cleanups.push(async () => {
      await notifier.stop();
      h.close();
    });
    // Virtual time follows the wall clock: Alertmanager's resolve_timeout runs on real time.
    const pump = async () => {
      h.advance(Math.max(0, Date.now() - h.clock.now()));
      await notifier.flush();
    };
    const ours = (list: Awaited<ReturnType<RunningAlertmanager['alerts']>>) =>
      list.find((a) => a.labels.alertname === 'logging-silenced' && a.labels.context === 'VC_WEB');

    h.feed(change('ace1', 'VC_WEB', 'no logging enable'));
    const first = await until('the alert in Alertmanager', async () => {
      await pump();
      return ours(await manager.alerts());
    });
    expect(first.status.state).toBe('active');
    expect(first.labels).toMatchObject({ device: 'ace1', context: 'VC_WEB', severity: 'critical' });
    expect(first.annotations.summary).toContain("'no logging enable'");
    expect(first.annotations.description).toContain('http://acesync.example:8080/contexts/ace1/VC_WEB');
    expect(first.annotations.runbook_url).toBe('https://wiki.example/acesync/logging-silenced');
    expect(first.generatorURL).toBe('http://acesync.example:8080/contexts/ace1/VC_WEB');

    // 7 s of wall time, more than twice resolve_timeout: still firing at every look.
    const since = Date.now();
    let looks = 0;
    while (Date.now() - since < 7000) {
      await pump();
      const a = ours(await manager.alerts());
      expect(a?.status.state, `alert still active after ${Date.now() - since} ms`).toBe('active');
      looks++;
      await sleep(250);
    }
    expect(looks).toBeGreaterThan(5);
    const sent = notifier.outbox.deliveries({ webhook: 'am', status: 'sent', limit: 100 });
    expect(sent.length).toBeGreaterThanOrEqual(5); // re-sent about once a second
    expect(JSON.parse(sent[0]!.body)).toBeInstanceOf(Array);

    // acesync resolves it (the poller sees the context's logging complete): the resolved post ends it at once.
    runAudits(h, 'in-sync');
    // Later than the alert last fired, on the wall clock too (Alertmanager compares endsAt with it).
    await sleep(1100);
    h.advance(Math.max(0, Date.now() - h.clock.now()));
    h.feed({
      kind: 'audit-result',
      transport: 'poll',
      device: 'ace1',
      context: 'VC_WEB',
      data: { outcome: 'in-sync', hash: 'h-ace1-VC_WEB', logging: 'complete' },
    });
    await until('the resolved notification sent', async () => {
      await pump();
      return notifier.outbox
        .deliveries({ webhook: 'am', status: 'sent', limit: 5 })
        .some((d) => d.alertStatus === 'resolved');
    });
    // Right after the post, well inside resolve_timeout since the last firing post.
    expect(ours(await manager.alerts())).toBeUndefined();
    expect(notifier.alerts.firing()).toHaveLength(0);
  }, 40_000);

  it('a generic webhook body posted to /api/v2/alerts is refused; the answer shows in the delivery and on the page', async () => {
    const manager = await am();
    const f = await webFixture({
      config: {
        webhooks: [{ name: 'am-wrong', url: `${manager.url}/api/v2/alerts`, group_wait_ms: 0, max_attempts: 3 }],
      },
    });
    cleanups.push(() => f.shutdown());
    f.feed(change('ace1', 'VC_WEB', 'no logging enable'));
    await until('the delivery given up', async () => {
      await f.notifier.flush();
      return failingReceivers(f.store.db).find((x) => x.status === 'failed');
    });
    const [failing] = failingReceivers(f.store.db);
    expect(failing).toMatchObject({ webhook: 'am-wrong', lastHttpStatus: 400, attempts: 1 });
    expect(failing!.lastError).toContain('cannot unmarshal object into Go value of type models.PostableAlerts');
    const page = await f.app.inject({ method: 'GET', url: '/' });
    expect(page.body).toContain('Notifications failing (1)');
    expect(page.body).toContain('models.PostableAlerts');
    expect(page.body).toContain('/api/v1/alerts/deliveries?webhook=am-wrong');
  }, 30_000);
});
