/**
 * Every webhook delivery attempt is timed in `acesync_webhook_delivery_duration_seconds{webhook,outcome}`, read
 * through a real /metrics scrape: a real receiver answers 500 (retry) then 200 (sent); each attempt adds one
 * observation to its outcome's series, and the counter of attempts agrees.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { change } from '../engine/helpers.js';
import { webFixture, type WebFixture } from '../web/helpers.js';
import { startReceiver, type Receiver } from './receiver.js';

let f: WebFixture | undefined;
let receiver: Receiver | undefined;
afterEach(async () => {
  await f?.shutdown();
  await receiver?.close();
  f = undefined;
  receiver = undefined;
});

const HIST = 'acesync_webhook_delivery_duration_seconds';

async function scrape(address: string): Promise<string> {
  const res = await fetch(`${address}/metrics`);
  expect(res.status).toBe(200);
  return res.text();
}

/** The value of one sample line (`name{labels} value`), NaN when absent. */
function sample(body: string, series: string): number {
  const line = body.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? NaN : Number(line.slice(series.length + 1));
}

describe('webhook delivery durations in /metrics', () => {
  it('one observation per attempt, by webhook and outcome, on every scrape after it', async () => {
    receiver = await startReceiver((n) => (n === 1 ? 500 : 200));
    f = await webFixture({
      config: {
        webhooks: [
          { name: 'ops', url: receiver.url, group_wait_ms: 1000, group_interval_ms: 5000, backoff_base_ms: 1000 },
        ],
      },
    });
    const fx = f;
    const address = await fx.app.listen({ host: '127.0.0.1', port: 0 });
    const before = await scrape(address);
    expect(before).toContain(`# TYPE ${HIST} histogram`);
    expect(sample(before, `${HIST}_count{webhook="ops",outcome="retry"}`)).toBeNaN();

    fx.feed(change('ace1', 'VC_WEB', 'no logging enable'));
    await fx.notifier.flush();
    fx.clock.advance(1000);
    await fx.notifier.flush();
    expect(receiver.requests).toHaveLength(1);
    const first = await scrape(address);
    expect(sample(first, `${HIST}_count{webhook="ops",outcome="retry"}`)).toBe(1);
    expect(sample(first, `${HIST}_sum{webhook="ops",outcome="retry"}`)).toBeGreaterThan(0);
    expect(sample(first, `${HIST}_bucket{le="+Inf",webhook="ops",outcome="retry"}`)).toBe(1);

    fx.clock.advance(5000);
    await fx.notifier.flush();
    expect(receiver.requests).toHaveLength(2);
    const second = await scrape(address);
    // A second scrape still shows the first attempt (a histogram only grows) plus the new one.
    expect(sample(second, `${HIST}_count{webhook="ops",outcome="retry"}`)).toBe(1);
    expect(sample(second, `${HIST}_count{webhook="ops",outcome="sent"}`)).toBe(1);
    expect(sample(second, 'acesync_webhook_deliveries_total{webhook="ops",outcome="sent"}')).toBe(1);
    expect(sample(second, 'acesync_webhook_deliveries_total{webhook="ops",outcome="retry"}')).toBe(1);
  });
});
