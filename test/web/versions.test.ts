/**
 * Configuration versions: one version as text (view, download, prefix, 404s, token rules),
 * who changed it and which commands (the 111008 events between the audit before it and the
 * audit that first saw it), and the bounded search across the newest version of every
 * context — through the real server on a real SQLite file.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { AceEvent } from '../../src/core/events.js';
import { change } from '../engine/helpers.js';
import { TOKEN, webFixture, type WebFixture } from './helpers.js';

const H1 = 'a1'.repeat(32);
const H2 = 'b2'.repeat(32);
const CONFIG1 = 'logging enable\nrserver host web1\n  ip address 10.0.0.1\n';
const CONFIG2 = 'logging enable\nrserver host web1\n  ip address 10.0.0.1\nrserver host WEB2\nprobe icmp P1\n';

let f: WebFixture | undefined;
afterEach(async () => {
  await f?.shutdown();
  f = undefined;
});

const audit = (hash: string, config: string): AceEvent => ({
  kind: 'audit-result',
  transport: 'action',
  device: 'ace1',
  context: 'VC_WEB',
  data: { outcome: 'differs', hash, config },
});

/** Audit (H1), two changes by alice and bob, a change on another context, audit (H2). */
function history(fx: WebFixture): void {
  fx.feed(change('ace1', 'VC_WEB', 'rserver host OLD', 'mallory')); // before the first audit
  fx.advance(1000);
  fx.feed(audit(H1, CONFIG1));
  fx.advance(60_000);
  fx.feed(change('ace1', 'VC_WEB', 'rserver host WEB2', 'alice'));
  fx.feed(change('ace1', 'VC_APP', 'probe icmp OTHER', 'carol'));
  fx.advance(1000);
  fx.feed(change('ace1', 'VC_WEB', 'probe icmp P1', 'bob'));
  fx.advance(60_000);
  fx.feed(audit(H2, CONFIG2));
}

describe('configuration versions', () => {
  it('serves one version as text/plain, by hash or prefix, as a download on request', async () => {
    f = await webFixture();
    history(f);
    const r = await f.app.inject(`/api/v1/contexts/ace1/VC_WEB/versions/${H2}`);
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(r.headers['content-disposition']).toBeUndefined();
    expect(r.body).toBe(CONFIG2);
    const byPrefix = await f.app.inject(`/api/v1/contexts/ace1/VC_WEB/versions/${H1.slice(0, 10)}?download=1`);
    expect(byPrefix.body).toBe(CONFIG1);
    expect(byPrefix.headers['content-disposition']).toBe(`attachment; filename="ace1_VC_WEB_${H1.slice(0, 12)}.cfg"`);
    expect((await f.app.inject(`/api/v1/contexts/ace1/VC_WEB/versions/${'c3'.repeat(32)}`)).statusCode).toBe(404);
    expect((await f.app.inject(`/api/v1/contexts/ace1/VC_APP/versions/${H2}`)).statusCode).toBe(404);
    expect((await f.app.inject(`/api/v1/contexts/ace1/VC_WEB/versions/not-hex`)).statusCode).toBe(400);
  });

  it('needs the token for these reads when reads need it', async () => {
    f = await webFixture({ config: { http: { host: '0.0.0.0', token_env: 'ACESYNC_TEST_TOKEN' } } });
    history(f);
    const url = `/api/v1/contexts/ace1/VC_WEB/versions/${H2}`;
    expect((await f.app.inject(url)).statusCode).toBe(401);
    expect((await f.app.inject('/api/v1/search?q=web')).statusCode).toBe(401);
    const ok = await f.app.inject({ url, headers: { authorization: `Bearer ${TOKEN}`, host: 'acesync.example' } });
    expect(ok.statusCode).toBe(200);
    expect(ok.body).toBe(CONFIG2);
  });

  it('names who changed each version and the commands, from the 111008 events between the two audits', async () => {
    f = await webFixture();
    history(f);
    const r = await f.app.inject('/api/v1/contexts/ace1/VC_WEB/versions');
    expect(r.statusCode).toBe(200);
    const { versions } = r.json() as {
      versions: Array<{ hash: string; changedBy?: string[]; changes?: Array<{ user?: string; command?: string }> }>;
    };
    expect(versions.map((v) => v.hash)).toEqual([H2, H1]);
    expect(versions[0]!.changedBy).toEqual(['alice', 'bob']);
    expect(versions[0]!.changes!.map((c) => c.command)).toEqual(['rserver host WEB2', 'probe icmp P1']);
    // The first version known has no audit before it: nobody is named (not mallory).
    expect(versions[1]!.changedBy).toEqual([]);

    const res = await f.app.inject('/contexts/ace1/VC_WEB');
    expect(res.statusCode).toBe(200);
    // The history section only (the events and the why chain name everyone).
    const start = res.body.indexOf('id="history-h"');
    expect(start).toBeGreaterThan(0);
    const page = { body: res.body.slice(start, res.body.indexOf('</section>', start)) };
    expect(page.body).toContain(`href="/api/v1/contexts/ace1/VC_WEB/versions/${H2}"`);
    expect(page.body).toContain(`href="/api/v1/contexts/ace1/VC_WEB/versions/${H2}?download=1"`);
    expect(page.body).toContain('alice, bob');
    expect(page.body).toContain('<code>probe icmp P1</code>');
    expect(page.body).toContain('first version known');
    expect(page.body).not.toContain('mallory');
    expect(page.body).not.toContain('carol');
  });

  it('searches the newest version of every context, case-insensitively, bounded', async () => {
    f = await webFixture();
    history(f);
    const r = await f.app.inject('/api/v1/search?q=web2');
    expect(r.statusCode).toBe(200);
    expect(r.json()).toMatchObject({
      truncated: false,
      hits: [{ device: 'ace1', context: 'VC_WEB', hash: H2, matches: 1, lines: [{ n: 4, text: 'rserver host WEB2' }] }],
    });
    // Only the newest version counts: 'ip address' is in both, found once.
    const both = (await f.app.inject('/api/v1/search?q=IP%20ADDRESS')).json() as { hits: unknown[] };
    expect(both.hits).toHaveLength(1);
    expect(((await f.app.inject('/api/v1/search?q=nothing-like-this')).json() as { hits: unknown[] }).hits).toEqual([]);
    expect((await f.app.inject(`/api/v1/search?q=${'x'.repeat(201)}`)).statusCode).toBe(400);
    const page = await f.app.inject('/search?q=%3Cscript%3Eweb2');
    expect(page.statusCode).toBe(200);
    expect(page.body).not.toContain('<script>web2');
    expect(page.body).toContain('&lt;script&gt;web2');
    const found = await f.app.inject('/search?q=WEB2');
    expect(found.body).toContain('href="/contexts/ace1/VC_WEB"');
    expect(found.body).toContain('rserver host WEB2');
  });
});
