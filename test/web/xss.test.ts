/**
 * Hostile device-sourced strings (syslog text, command lines, user names, context names,
 * logging drift lines, alert summaries) stored through the real Store by the real
 * Processor, then rendered: inert (escaped), bounded, and under a CSP without inline script.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { webFixture, type WebFixture } from './helpers.js';

const SCRIPT = '<script>alert(1)</script>';
const IMG = '"><img src=x onerror=alert(2)>';
const QUOTES = `'"\`;--`;
const CONTROL = 'bell\u0007esc\u001b[31mnul\u0000del\u007f';
const LONG = 'A'.repeat(10_000);
const EVIL_CONTEXT = 'VC_<script>x</script>';

let f: WebFixture;
let overview: string;
let contextHtml: string;
let headers: Record<string, unknown>;

beforeAll(async () => {
  f = await webFixture();
  const command = `no logging enable ${SCRIPT} ${IMG} ${QUOTES} ${CONTROL} ${LONG}`;
  f.feed({
    kind: 'config-change',
    id: '111008',
    device: 'ace1',
    context: 'VC_WEB',
    originContext: 'VC_WEB',
    user: IMG,
    command,
    text: `User '${IMG}' executed the '${command}' command.`,
    raw: `<189>${LONG}${SCRIPT}`,
  });
  // A context name from the device itself (a `context` command in Admin).
  f.feed({
    kind: 'context-lifecycle',
    id: '504001',
    device: 'ace1',
    // ace1's device-level address: Admin's, which may create contexts.
    source: '10.0.0.1',
    context: EVIL_CONTEXT,
    originContext: 'Admin',
    change: 'added',
    user: IMG,
  });
  f.feed({
    kind: 'logging-drift',
    transport: 'poll',
    device: 'ace2',
    context: 'VC_WEB',
    data: { missing: [`logging host ${IMG}`], harmful: [SCRIPT] },
  });
  f.advance(6000);
  await f.notifier.flush();
  const o = await f.app.inject('/');
  overview = o.body;
  headers = o.headers;
  contextHtml = (await f.app.inject('/contexts/ace1/VC_WEB')).body;
});
afterAll(async () => {
  await f.shutdown();
});

function assertInert(html: string): void {
  // The only script element is our own external file.
  const scripts = html.match(/<script\b[^>]*>/gi) ?? [];
  expect(scripts).toEqual([expect.stringMatching(/^<script src="\/assets\/live\.js\?v=[0-9a-f]+" defer>$/)]);
  expect(html).not.toMatch(/<img\b/i);
  expect(html).not.toMatch(/<[^>]*\son[a-z]+=/i);
  expect(html).not.toMatch(/style=/i);
  expect(html).not.toMatch(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/);
  expect(html).not.toMatch(/A{2100}/);
}

describe('hostile device strings', () => {
  it('are escaped and bounded on the overview', () => {
    expect(overview).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(overview).toContain('&quot;&gt;&lt;img src=x onerror=alert(2)&gt;');
    assertInert(overview);
    // The store refuses the hostile context name as a context, but the event naming it is listed, its link
    // percent-encoded.
    expect(f.store.context('ace1', EVIL_CONTEXT)).toBeUndefined();
    expect(overview).toContain(`href="/contexts/ace1/${encodeURIComponent(EVIL_CONTEXT)}"`);
    expect(overview).toContain('VC_&lt;script&gt;x&lt;/script&gt;');
  });

  it('are escaped and bounded on the context pages, control characters replaced', () => {
    assertInert(contextHtml);
    expect(contextHtml).toContain('bell\ufffdesc\ufffd[31mnul\ufffddel\ufffd');
    expect(contextHtml).toContain('&#39;&quot;&#96;;--');
  });

  it('the API returns them JSON-escaped and bounded', async () => {
    const r = await f.app.inject('/api/v1/events?kind=config-change&limit=1');
    expect(r.headers['content-type']).toMatch(/^application\/json/);
    const e = r.json().items[0].event;
    expect((e.raw ?? '').length).toBeLessThanOrEqual(2048);
    expect(e.text.length).toBeLessThanOrEqual(2048);
    expect(e.command.length).toBeLessThanOrEqual(2048);
    expect(e.command).toContain(SCRIPT);
    expect(r.body).not.toMatch(/[\u0000-\u001f]/);
  });

  it('pages carry a CSP without inline script, nosniff, no framing, no referrer', () => {
    const csp = String(headers['content-security-policy']);
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("default-src 'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).not.toContain('unsafe-eval');
    expect(headers['x-content-type-options']).toBe('nosniff');
    expect(headers['referrer-policy']).toBe('no-referrer');
    expect(headers['x-frame-options']).toBe('DENY');
  });

  it('error pages escape what the URL carried', async () => {
    const r = await f.app.inject(`/contexts/ace1/${encodeURIComponent(EVIL_CONTEXT)}`);
    expect(r.statusCode).toBe(404);
    expect(r.body).toContain('VC_&lt;script&gt;x&lt;/script&gt;');
    expect(r.body.match(/<script\b/gi)).toBeNull();
    expect(r.headers['content-security-policy']).toContain("script-src 'self'");
  });
});
