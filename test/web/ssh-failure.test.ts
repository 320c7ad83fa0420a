/**
 * A device acesync cannot log in to: the poller's events (an error audit per context with
 * stage connect, one ssh-failure for the device) make ONE alert, for the device, naming the
 * user, the password variable and the fix; the overview lists it under "Cannot log in";
 * a successful audit of the device resolves it. Real rules, store, notifier and server.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { AceEvent } from '../../src/core/events.js';
import { webFixture, type WebFixture } from './helpers.js';

let f: WebFixture | undefined;
afterEach(async () => {
  await f?.shutdown();
  f = undefined;
});

const FIX = "check that user 'acesync' exists on ace1 and that ACE1_PASSWORD holds its password";

function unreachable(fx: WebFixture): void {
  const events: AceEvent[] = ['VC_WEB', 'VC_APP'].map((context) => ({
    kind: 'audit-result',
    transport: 'poll',
    device: 'ace1',
    context,
    error: '10.0.0.1: authentication failed',
    data: { outcome: 'error', stage: 'connect' },
  }));
  events.push({
    kind: 'ssh-failure',
    transport: 'poll',
    device: 'ace1',
    error: '10.0.0.1: authentication failed',
    data: { sshKind: 'auth', user: 'acesync', passwordEnv: 'ACE1_PASSWORD', host: '10.0.0.1', port: 22, fix: FIX },
  });
  fx.feed(...events);
}

describe('SSH login failures', () => {
  it('raise one alert per device with the user, secret and fix, shown under Cannot log in, resolved by an audit', async () => {
    f = await webFixture();
    unreachable(f);
    unreachable(f); // the next poll: still one alert
    await f.notifier.flush();
    const firing = f.notifier.alerts.firing();
    expect(firing.map((a) => [a.alertname, a.device, a.context])).toEqual([['ssh-login-failed', 'ace1', '']]);
    const summary = firing[0]!.annotations.summary!;
    expect(summary).toContain('acesync cannot log in to ace1 over SSH as acesync (auth)');
    expect(summary).not.toContain('Fix:');
    expect(firing[0]!.annotations.fix).toBe(FIX);
    expect(firing[0]!.severity).toBe('critical');

    const page = await f.app.inject('/');
    expect(page.body).toContain('Cannot log in (1)');
    expect(page.body).toContain(`<strong>Fix:</strong> <code>${FIX.replace(/'/g, '&#39;')}</code>`);

    f.advance(60_000);
    f.feed({
      kind: 'audit-result',
      transport: 'poll',
      device: 'ace1',
      context: 'VC_WEB',
      data: { outcome: 'in-sync', hash: 'e'.repeat(64) },
    });
    await f.notifier.flush();
    expect(f.notifier.alerts.firing()).toEqual([]);
    expect((await f.app.inject('/')).body).not.toContain('Cannot log in');
  });

  it('still alerts per context when the device was reached but one audit failed', async () => {
    f = await webFixture();
    f.feed({
      kind: 'audit-result',
      transport: 'poll',
      device: 'ace1',
      context: 'VC_WEB',
      error: "'show running-config' timed out",
      data: { outcome: 'error' },
    });
    await f.notifier.flush();
    expect(f.notifier.alerts.firing().map((a) => [a.alertname, a.context])).toEqual([
      ['audit-failed-notice', 'VC_WEB'],
    ]);
  });
});
