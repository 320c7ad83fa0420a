/**
 * A context whose logging was silenced says so on its badge (overview and its page), and the
 * logging-silenced alert holds until the poller sees the logging settings complete again:
 * being in sync with ANM is not enough. Real rules, store, notifier and server.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { change, runAudits } from '../engine/helpers.js';
import { webFixture, type WebFixture } from './helpers.js';

let f: WebFixture | undefined;
afterEach(async () => {
  await f?.shutdown();
  f = undefined;
});

/** The overview's table row of a context on a device. */
function row(body: string, device: string, context: string): string {
  const start = body.indexOf(`<tr data-device="${device}" data-context="${context}"`);
  expect(start, `row ${device}/${context}`).toBeGreaterThan(0);
  return body.slice(start, body.indexOf('</tr>', start));
}

describe('silenced logging', () => {
  it('shows on the badge and resolves only when the poller sees logging complete', async () => {
    f = await webFixture();
    const fx = f;
    fx.feed(change('ace1', 'VC_WEB', 'no logging enable'));
    await fx.notifier.flush();
    const overview = async () => (await fx.app.inject('/')).body;
    expect(row(await overview(), 'ace1', 'VC_WEB')).toContain('data-flag="silenced"');
    expect(row(await overview(), 'ace1', 'VC_APP')).not.toContain('data-flag="silenced"');
    expect((await fx.app.inject('/contexts/ace1/VC_WEB')).body).toContain('data-flag="silenced"');

    fx.advance(10_000);
    runAudits(fx, 'in-sync');
    await fx.notifier.flush();
    expect(fx.sync('ace1', 'VC_WEB')).toBe('in-sync');
    expect(fx.notifier.alerts.firing().map((a) => a.alertname)).toEqual(['logging-silenced']);
    expect(row(await overview(), 'ace1', 'VC_WEB')).toContain('data-flag="silenced"');

    fx.advance(1000);
    fx.feed({
      kind: 'audit-result',
      transport: 'poll',
      device: 'ace1',
      context: 'VC_WEB',
      data: { outcome: 'in-sync', hash: 'h-ace1-VC_WEB', logging: 'complete' },
    });
    await fx.notifier.flush();
    expect(fx.notifier.alerts.firing()).toEqual([]);
    expect(row(await overview(), 'ace1', 'VC_WEB')).not.toContain('data-flag="silenced"');
  });
});
