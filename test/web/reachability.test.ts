/**
 * The overview of a device acesync cannot log in to: the devices table's Reachability
 * column names the SSH failure kind, since when and the error; its contexts say "never
 * audited successfully (last attempt: TIME, KIND)" with nothing claiming "never audited
 * yet" beside it; a context that was audited before says its last attempt failed. After a
 * successful audit the device is reachable and the last SSH error is still named. Real
 * rules, store (SQLite file), notifier and fastify server.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { AceEvent } from '../../src/core/events.js';
import { liveUpdate } from '../../src/web/sse-hub.js';
import { webFixture, type WebFixture } from './helpers.js';

let f: WebFixture | undefined;
afterEach(async () => {
  await f?.shutdown();
  f = undefined;
});

function failLogin(fx: WebFixture, contexts: string[]): void {
  const events: AceEvent[] = contexts.map((context) => ({
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
    error: '10.0.0.1: <b>authentication</b> failed',
    data: { sshKind: 'auth', user: 'acesync', passwordEnv: 'ACE1_PASSWORD', host: '10.0.0.1', port: 22, fix: 'x' },
  });
  fx.feed(...events);
}

/** The <tr> of one context on one device. */
function row(body: string, device: string, context: string): string {
  const i = body.indexOf(`<tr data-device="${device}" data-context="${context}"`);
  expect(i, `${device}/${context} row`).toBeGreaterThan(0);
  return body.slice(i, body.indexOf('</tr>', i));
}

/** The devices table's row of a device. */
function deviceRow(body: string, device: string): string {
  const i = body.indexOf(`<th scope="row" data-label="Device">${device}`);
  expect(i, `${device} device row`).toBeGreaterThan(0);
  return body.slice(i, body.indexOf('</tr>', i));
}

describe('overview: reachability and audit wording', () => {
  it('a device whose SSH login fails: cannot log in (kind, since, error); contexts never audited successfully', async () => {
    f = await webFixture();
    // VC_APP was audited fine once, before the password changed.
    f.feed({
      kind: 'audit-result',
      transport: 'poll',
      device: 'ace1',
      context: 'VC_APP',
      data: { outcome: 'in-sync', hash: 'a'.repeat(64) },
    });
    f.advance(60_000);
    failLogin(f, ['VC_WEB', 'VC_APP', 'Admin']);
    await f.notifier.flush();
    const body = (await f.app.inject('/')).body;

    const dev = deviceRow(body, 'ace1');
    expect(dev).toContain('data-reach="unreachable"');
    expect(dev).toContain('cannot log in: auth');
    expect(dev).toContain('&lt;b&gt;authentication&lt;/b&gt; failed');
    expect(dev).not.toContain('<b>');
    expect(deviceRow(body, 'ace2')).toContain('data-reach="unknown"');

    const web = row(body, 'ace1', 'VC_WEB');
    expect(web).toContain('never audited successfully (last attempt: <time');
    expect(web).toContain('<span class="outcome">SSH auth failure</span>)');
    expect(web).not.toContain('never audited yet');
    expect(body).not.toContain('never audited yet');
    const app = row(body, 'ace1', 'VC_APP');
    expect(app).toContain('last attempt failed: <time');
    expect(app).not.toContain('never audited successfully');
    // The live updates say the same: never-ok for VC_WEB, not for VC_APP.
    expect(liveUpdate(f.store.context('ace1', 'VC_WEB')!).lastAuditNever).toBe(true);
    expect(liveUpdate(f.store.context('ace1', 'VC_APP')!).lastAuditNever).toBe(false);
    // The fix is on the page next to the alert.
    expect(body).toContain('<strong>Fix:</strong> <code>x</code>');

    // The login works again: reachable, the last SSH error still named; the audit reads as before.
    f.advance(60_000);
    f.feed({
      kind: 'audit-result',
      transport: 'poll',
      device: 'ace1',
      context: 'VC_WEB',
      data: { outcome: 'in-sync', hash: 'b'.repeat(64) },
    });
    const after = (await f.app.inject('/')).body;
    const dev2 = deviceRow(after, 'ace1');
    expect(dev2).toContain('data-reach="reachable"');
    expect(dev2).toContain('last SSH error: auth');
    const web2 = row(after, 'ace1', 'VC_WEB');
    expect(web2).not.toContain('never audited successfully');
    expect(web2).toContain('<span class="outcome">in-sync</span>');
  });
});
