/**
 * The notifier end to end: rules raise alerts through the real Processor and Store (a
 * SQLite file), the notifier groups them and POSTs to a real HTTP receiver on loopback,
 * which checks the HMAC signature. Time is a ManualClock; the HTTP is real.
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { WebhookConfig } from '../../src/config/sections/webhooks.js';
import { silentLogger } from '../../src/core/log.js';
import { Notifier } from '../../src/notify/notifier.js';
import { ZERO_TIME, type AmPayload } from '../../src/notify/payload.js';
import { verifySignature } from '../../src/notify/signing.js';
import { change, harness, runAudits, tempDir, testConfig, PAIR_DEVICES, type Harness } from '../engine/helpers.js';
import { startReceiver, type Receiver } from './receiver.js';

const SECRET = 'hmac-key-5c1d0e8f';

interface Setup {
  h: Harness;
  notifier: Notifier;
  receiver: Receiver;
  path: string;
  config: ReturnType<typeof testConfig>;
}

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup(
  o: {
    webhook?: Partial<WebhookConfig>;
    devices?: unknown[];
    respond?: (n: number) => number;
    path?: string;
    receiver?: Receiver;
  } = {},
): Promise<Setup> {
  const receiver = o.receiver ?? (await startReceiver(o.respond));
  if (!o.receiver) cleanups.push(() => receiver.close());
  const path = o.path ?? join(tempDir('acesync-notify-'), 'acesync.db');
  const config = testConfig({
    ...(o.devices ? { devices: o.devices } : {}),
    webhooks: [
      {
        name: 'ops',
        url: receiver.url,
        secret_env: 'HOOK_SECRET',
        group_wait_ms: 1000,
        group_interval_ms: 5000,
        repeat_interval_ms: 3_600_000,
        backoff_base_ms: 1000,
        ...o.webhook,
      },
    ],
  });
  const h = harness({ path, config });
  const notifier = new Notifier({
    store: h.store,
    webhooks: config.webhooks,
    clock: h.clock,
    logger: silentLogger,
    externalUrl: 'http://acesync.example:8080',
    env: { HOOK_SECRET: SECRET },
    random: () => 0.5,
  });
  cleanups.push(async () => {
    await notifier.stop();
    if (!h.store.closed) h.close();
  });
  return { h, notifier, receiver, path, config };
}

const payloads = (r: Receiver): AmPayload[] => r.requests.map((q) => q.json as AmPayload);

describe('Notifier', () => {
  it('delivers an Alertmanager v4 payload, signed with HMAC-SHA256, after group_wait', async () => {
    const { h, notifier, receiver } = await setup();
    h.feed(change('ace1', 'VC_WEB', 'no logging enable'));
    await notifier.flush();
    expect(notifier.alerts.countFiring()).toBe(1);
    expect(receiver.requests).toHaveLength(0); // group_wait not over
    h.clock.advance(1000);
    await notifier.flush();
    expect(receiver.requests).toHaveLength(1);
    const req = receiver.requests[0]!;
    expect(verifySignature(req.body, req.headers['x-acesync-signature'] as string, SECRET)).toBe(true);
    expect(verifySignature(req.body, req.headers['x-acesync-signature'] as string, 'another key')).toBe(false);
    expect(req.headers['content-type']).toBe('application/json');
    const p = req.json as AmPayload;
    expect(p.version).toBe('4');
    expect(p.receiver).toBe('ops');
    expect(p.status).toBe('firing');
    expect(p.groupLabels).toEqual({ alertname: 'logging-silenced' });
    expect(p.groupKey).toBe('{}:{alertname="logging-silenced"}');
    expect(p.truncatedAlerts).toBe(0);
    expect(p.externalURL).toBe('http://acesync.example:8080');
    expect(p.alerts).toHaveLength(1);
    const a = p.alerts[0]!;
    expect(a.status).toBe('firing');
    expect(a.labels).toMatchObject({
      alertname: 'logging-silenced',
      severity: 'critical',
      device: 'ace1',
      context: 'VC_WEB',
    });
    expect(a.annotations.summary).toContain("'no logging enable'");
    expect(a.startsAt).toBe(new Date(h.clock.now() - 1000).toISOString());
    expect(a.endsAt).toBe(ZERO_TIME);
    expect(a.fingerprint).toMatch(/^[0-9a-f]{16}$/);
    expect(a.generatorURL).toBe('http://acesync.example:8080/contexts/ace1/VC_WEB');
    expect(p.commonLabels).toMatchObject({ alertname: 'logging-silenced', device: 'ace1' });
    // Nothing new: no second notification before repeat_interval.
    h.clock.advance(60_000);
    await notifier.flush();
    expect(receiver.requests).toHaveLength(1);
  });

  it('groups a failover of 200 contexts on each peer into one notification', async () => {
    const contexts = Array.from({ length: 200 }, (_, i) => ({ name: `VC_${String(i).padStart(3, '0')}`, ft_group: 2 }));
    const devices = PAIR_DEVICES.map((d) => ({
      ...d,
      contexts: [{ name: 'Admin', ft_group: 1 }, ...contexts.map((c) => ({ ...c }))],
    }));
    const { h, notifier, receiver } = await setup({ devices });
    h.feed({
      kind: 'ha-state',
      id: '727012',
      device: 'ace1',
      ftGroup: 2,
      state: 'ACTIVE',
      prevState: 'STANDBY_HOT',
      reason: 'peer down',
    });
    // Nobody audits: every context of the group on both peers misses its 15-minute expectation.
    h.advance(16 * 60_000, 5_000);
    await notifier.flush();
    h.clock.advance(1000);
    await notifier.flush();
    const byName = new Map<string, AmPayload[]>();
    for (const p of payloads(receiver))
      byName.set(p.groupLabels.alertname!, [...(byName.get(p.groupLabels.alertname!) ?? []), p]);
    const expectations = byName.get('failover-marks-group-suspect') ?? [];
    expect(expectations).toHaveLength(1);
    expect(expectations[0]!.alerts).toHaveLength(400);
    expect(new Set(expectations[0]!.alerts.map((a) => `${a.labels.device}/${a.labels.context}`)).size).toBe(400);
    expect(expectations[0]!.commonLabels).toEqual({ alertname: 'failover-marks-group-suspect', severity: 'warning' });
    // The failover notice is another alert: its own (single) notification.
    expect(byName.get('failover-notice')).toHaveLength(1);
    expect(receiver.requests).toHaveLength(2);
  });

  it('retries after a 500 with backoff, sending the same signed body again', async () => {
    const { h, notifier, receiver } = await setup({ respond: (n) => (n === 1 ? 500 : 200) });
    h.feed(change('ace1', 'VC_WEB', 'no logging enable'));
    await notifier.flush();
    h.clock.advance(1000);
    await notifier.flush();
    expect(receiver.requests).toHaveLength(1);
    const [d] = notifier.outbox.deliveries();
    expect(d).toMatchObject({ status: 'pending', attempts: 1, lastHttpStatus: 500 });
    expect(d!.nextAttemptAt).toBe(h.clock.now() + 1000); // base 1000 ms, jitter centred by random 0.5
    await notifier.flush();
    expect(receiver.requests).toHaveLength(1); // not due yet
    h.clock.advance(1000);
    await notifier.flush();
    expect(receiver.requests).toHaveLength(2);
    const [first, second] = receiver.requests;
    expect(second!.body).toBe(first!.body);
    expect(second!.headers['x-acesync-delivery']).toBe(first!.headers['x-acesync-delivery']);
    expect([first!.headers['x-acesync-attempt'], second!.headers['x-acesync-attempt']]).toEqual(['1', '2']);
    expect(verifySignature(second!.body, second!.headers['x-acesync-signature'] as string, SECRET)).toBe(true);
    expect(notifier.outbox.deliveries()[0]).toMatchObject({ status: 'sent', attempts: 2, lastHttpStatus: 200 });
    expect(notifier.stats.deliveries.get('ops')).toEqual({ sent: 1, retry: 1, failed: 0 });
  });

  it('gives up after max_attempts and does not retry a 4xx', async () => {
    const { h, notifier, receiver } = await setup({ respond: () => 400, webhook: { max_attempts: 3 } });
    h.feed(change('ace1', 'VC_WEB', 'no logging enable'));
    await notifier.flush();
    h.clock.advance(1000);
    await notifier.flush();
    h.clock.advance(60_000);
    await notifier.flush();
    expect(receiver.requests).toHaveLength(1);
    expect(notifier.outbox.deliveries()[0]).toMatchObject({ status: 'failed', attempts: 1, lastHttpStatus: 400 });
  });

  it('sends a resolved notice once the poller sees logging complete again (in sync alone is not enough)', async () => {
    const { h, notifier, receiver } = await setup();
    h.feed(change('ace1', 'VC_WEB', 'no logging enable'));
    await notifier.flush();
    h.clock.advance(1000);
    await notifier.flush();
    expect(payloads(receiver)[0]!.status).toBe('firing');
    const fp = payloads(receiver)[0]!.alerts[0]!.fingerprint;
    // Not yet: the audit that would clear it has not run (the settle window passes meanwhile).
    h.advance(10_000);
    await notifier.flush();
    expect(receiver.requests).toHaveLength(1);
    runAudits(h, 'in-sync');
    expect(h.sync('ace1', 'VC_WEB')).toBe('in-sync');
    await notifier.flush();
    // In sync with ANM, but nobody has seen the logging settings back: still firing.
    expect(notifier.alerts.byFingerprint(fp)!.status).toBe('firing');
    h.advance(1000);
    h.feed({
      kind: 'audit-result',
      transport: 'poll',
      device: 'ace1',
      context: 'VC_WEB',
      data: { outcome: 'in-sync', hash: 'h-ace1-VC_WEB', logging: 'complete' },
    });
    await notifier.flush();
    const alert = notifier.alerts.byFingerprint(fp)!;
    expect(alert.status).toBe('resolved');
    expect(alert.resolvedReason).toBe('logging settings are complete again');
    h.clock.advance(5000); // group_interval
    await notifier.flush();
    expect(receiver.requests).toHaveLength(2);
    const p = payloads(receiver)[1]!;
    expect(p.status).toBe('resolved');
    expect(p.alerts).toHaveLength(1);
    expect(p.alerts[0]).toMatchObject({
      status: 'resolved',
      fingerprint: fp,
      endsAt: new Date(alert.endsAt!).toISOString(),
    });
    // Told once.
    h.clock.advance(10 * 3_600_000);
    await notifier.flush();
    expect(receiver.requests).toHaveLength(2);
  });

  it('does not resolve a logging-drift alert by sync state, only by a clean logging check', async () => {
    const { h, notifier } = await setup();
    h.feed({
      kind: 'logging-drift',
      transport: 'poll',
      device: 'ace2',
      context: 'VC_APP',
      data: { missing: ['logging host 192.0.2.10'] },
    });
    await notifier.flush();
    const [a] = notifier.alerts.firing();
    expect(a).toMatchObject({
      alertname: 'logging-drift',
      device: 'ace2',
      context: 'VC_APP',
      eventKind: 'logging-drift',
    });
    h.clock.advance(1000);
    h.feed({
      kind: 'audit-result',
      transport: 'poll',
      device: 'ace2',
      context: 'VC_APP',
      data: { outcome: 'in-sync', hash: 'h1' },
    });
    await notifier.flush();
    expect(notifier.alerts.get(a!.id)!.status).toBe('firing');
    h.clock.advance(1000);
    h.feed({ kind: 'logging-drift', transport: 'poll', device: 'ace2', context: 'VC_APP', data: { missing: [] } });
    await notifier.flush();
    expect(notifier.alerts.get(a!.id)).toMatchObject({
      status: 'resolved',
      resolvedReason: 'logging settings are complete again',
    });
  });

  it('survives a restart: a pending delivery is sent by a new notifier on the same database', async () => {
    let down = true;
    const receiver = await startReceiver(() => (down ? 503 : 200));
    cleanups.push(() => receiver.close());
    const first = await setup({ receiver });
    first.h.feed(change('ace1', 'VC_WEB', 'no logging enable'));
    await first.notifier.flush();
    first.h.clock.advance(1000);
    await first.notifier.flush();
    expect(receiver.requests).toHaveLength(1);
    expect(first.notifier.outbox.deliveries()[0]!.status).toBe('pending');
    // A crash while the retry is in flight leaves the row 'sending'.
    first.h.store.db.prepare("UPDATE webhook_deliveries SET status = 'sending'").run();
    await first.notifier.stop();
    first.h.close();

    down = false;
    const second = await setup({ receiver, path: first.path });
    second.h.clock.set(first.h.clock.now() + 60_000);
    second.notifier.start();
    await second.notifier.flush();
    await second.notifier.stop();
    expect(receiver.requests).toHaveLength(2);
    expect(receiver.requests[1]!.body).toBe(receiver.requests[0]!.body);
    expect(second.notifier.outbox.deliveries()[0]).toMatchObject({ status: 'sent', lastHttpStatus: 200 });
  });

  it('renders a template body instead of the Alertmanager payload, and signs that body', async () => {
    const template = join(process.cwd(), 'samples', 'webhooks', 'slack.json.tmpl');
    const { h, notifier, receiver } = await setup({ webhook: { template } });
    h.feed(change('ace1', 'VC_WEB', 'no logging enable "quoted" \\ <b>'));
    await notifier.flush();
    h.clock.advance(1000);
    await notifier.flush();
    const req = receiver.requests[0]!;
    const body = req.json as { text: string };
    expect(typeof body.text).toBe('string');
    expect(body.text).toContain('logging-silenced');
    // The sample Slack-escapes device text ({{slack ...}}): `<b>` cannot become markup or a mention.
    expect(body.text).toContain('no logging enable "quoted" \\ &lt;b&gt;');
    // With what to type about it (the rule's fix), escaped the same way.
    expect(body.text).toContain('Fix: On ace1: changeto VC_WEB; configure; logging enable "quoted" \\ &lt;b&gt;');
    expect(verifySignature(req.body, req.headers['x-acesync-signature'] as string, SECRET)).toBe(true);
  });
});
