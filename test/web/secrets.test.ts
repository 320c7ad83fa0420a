/**
 * No secret in any response or log line: the API token, a device password, an SNMP
 * community, a webhook's HMAC key and its URL (whose path is a secret for Slack-style
 * receivers) are set, every route is called (reads, errors, failed and successful
 * mutations, forms, metrics, the OpenAPI document, a failing webhook), and every answer
 * and every log line is searched for them.
 */
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REDACT_PATHS } from '../../src/core/log.js';
import { change, PAIR_DEVICES } from '../engine/helpers.js';
import { startReceiver, type Receiver } from '../notify/receiver.js';
import { TOKEN, webFixture, type WebFixture } from './helpers.js';

const SECRETS = { password: 'ace-pa55-S3CRET-7d1', community: 'c0mmun1ty-S3CRET-93a', hmac: 'hmac-S3CRET-4be2' };
const logs: string[] = [];
let f: WebFixture;
let receiver: Receiver;
const answers: string[] = [];

beforeAll(async () => {
  receiver = await startReceiver(() => 500, '/services/T0/B0/slackpathS3CRET');
  const logger = pino(
    { level: 'trace', redact: { paths: REDACT_PATHS, censor: '[redacted]' } },
    new Writable({
      write(chunk, _enc, cb) {
        logs.push(String(chunk));
        cb();
      },
    }),
  );
  f = await webFixture({
    logger,
    env: { ACE_PW: SECRETS.password, HOOK_SECRET: SECRETS.hmac },
    config: {
      devices: PAIR_DEVICES.map((d) => ({ ...d, ssh: { password_env: 'ACE_PW' } })),
      snmp: { communities: [SECRETS.community] },
      webhooks: [
        {
          name: 'slack',
          url: receiver.url,
          secret_env: 'HOOK_SECRET',
          group_wait_ms: 0,
          max_attempts: 2,
          backoff_base_ms: 10,
        },
      ],
    },
  });
  f.feed(change('ace1', 'VC_WEB', 'no logging enable'));
  f.advance(6000);
  await f.notifier.flush();
  f.clock.advance(1000);
  await f.notifier.flush();
  f.clock.advance(1000);
  await f.notifier.flush();
  expect(receiver.requests.length).toBe(2); // the webhook failed twice: its error is on record
});
afterAll(async () => {
  await f.shutdown();
  await receiver.close();
});

async function call(
  method: 'GET' | 'POST',
  url: string,
  headers: Record<string, string> = {},
  payload?: string,
): Promise<void> {
  const r = await f.app.inject({ method, url, headers, payload });
  answers.push(`${r.statusCode} ${JSON.stringify(r.headers)}\n${r.body}`);
}

describe('secrets', () => {
  it('appear in no response and no log line', async () => {
    const reads = [
      '/',
      '/contexts/ace1/VC_WEB',
      '/contexts/ace1/NOPE',
      '/nothing',
      '/login',
      '/healthz',
      '/readyz',
      '/metrics',
      '/api/v1/openapi.json',
      '/api/v1/devices',
      '/api/v1/pairs',
      '/api/v1/contexts',
      '/api/v1/contexts/ace1/VC_WEB',
      '/api/v1/events?limit=500',
      '/api/v1/jobs?limit=500',
      '/api/v1/alerts',
      '/api/v1/alerts/deliveries',
      '/api/v1/rules',
      '/api/v1/contexts?state=nope',
      '/api/v1/nothing',
    ];
    for (const u of reads) await call('GET', u);
    await call('POST', '/api/v1/contexts/ace1/VC_WEB/resync', { authorization: 'Bearer wrong' });
    await call('POST', '/api/v1/contexts/ace1/VC_WEB/resync', { authorization: `Bearer ${TOKEN}` });
    await call('POST', '/api/v1/devices/ace1/audit', { authorization: `Bearer ${TOKEN}` });
    await call('POST', '/api/v1/contexts/ace1/VC_WEB/acknowledge-upload', { authorization: `Bearer ${TOKEN}` });
    await call(
      'POST',
      '/contexts/ace1/VC_WEB/resync',
      { 'content-type': 'application/x-www-form-urlencoded' },
      `token=${TOKEN}`,
    );
    await call('POST', '/login', { 'content-type': 'application/x-www-form-urlencoded' }, `token=${TOKEN}`);
    await call('GET', '/api/v1/alerts/deliveries');
    const deliveries = (await f.app.inject('/api/v1/alerts/deliveries')).json().items;
    expect(deliveries[0]).toMatchObject({ webhook: 'slack', status: 'failed', lastHttpStatus: 500 });

    const everything = answers.join('\n') + logs.join('');
    expect(answers.length).toBeGreaterThan(25);
    expect(logs.length).toBeGreaterThan(0);
    for (const s of [TOKEN, SECRETS.password, SECRETS.community, SECRETS.hmac, 'slackpathS3CRET', receiver.url])
      expect(everything, s).not.toContain(s);
    // The login cookie is derived from the token, not the token.
    expect(answers.find((a) => a.includes('acesync_session='))).toBeDefined();
  });
});
