/**
 * The server-rendered page: what the overview and a context's page show (from state the
 * real Processor wrote), accessible markup, and the static assets.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ASSET_VERSION } from '../../src/web/assets/version.js';
import { runAudits } from '../engine/helpers.js';
import { driveToInSync, makeSuspect, webFixture, type WebFixture } from './helpers.js';

let f: WebFixture;
beforeEach(async () => {
  f = await webFixture({ config: { poller: { overdue_after_ms: 60_000 } } });
});
afterEach(async () => {
  await f.shutdown();
});

const page = async (url: string) => {
  const r = await f.app.inject(url);
  expect(r.statusCode, url).toBe(200);
  expect(r.headers['content-type']).toBe('text/html; charset=utf-8');
  return r.body;
};

/** The row of a context on a device (by its data attributes). */
function row(html: string, device: string, context: string): string {
  const i = html.indexOf(`<tr data-device="${device}" data-context="${context}"`);
  expect(i, `${device}/${context} row`).toBeGreaterThan(-1);
  return html.slice(i, html.indexOf('</tr>', i));
}

describe('overview', () => {
  it('shows each pair, its FT roles in ANM words, and each context on each peer with state text', async () => {
    f.feed({ kind: 'ha-state', id: '727012', device: 'ace1', ftGroup: 2, state: 'ACTIVE', prevState: 'STANDBY_HOT' });
    f.feed({ kind: 'ha-state', id: '727012', device: 'ace2', ftGroup: 2, state: 'STANDBY_HOT', prevState: 'ACTIVE' });
    driveToInSync(f);
    makeSuspect(f, 'probe icmp P1');
    const html = await page('/');
    expect(html).toContain('HA pair ace1 + ace2');
    expect(html).toContain('HA State');
    expect(html).toMatch(/<span class="badge state-ok" data-role="ACTIVE">Active<\/span>/);
    expect(html).toMatch(/data-role="STANDBY_HOT">Standby Hot</);
    const web1 = row(html, 'ace1', 'VC_WEB');
    expect(web1).toContain('data-state="suspect"');
    expect(web1).toContain('suspect'); // text, not colour alone
    expect(web1).toContain('admin ran &#39;probe icmp P1&#39; in VC_WEB on ace1');
    expect(web1).toMatch(/data-field="audit"><time datetime="[^"]+"/);
    expect(row(html, 'ace2', 'Admin')).toContain('data-state="unknown"');
    // Counts per state, updated live by data-count.
    const suspect = f.store.contexts().filter((c) => c.sync === 'suspect').length;
    expect(suspect).toBeGreaterThan(1);
    expect(html).toContain(`data-count="suspect">${suspect}<`);
    expect(html).toContain('Recent events');
  });

  it('calls out logging drift and overdue audits first', async () => {
    f.feed({
      kind: 'logging-drift',
      transport: 'poll',
      device: 'ace2',
      context: 'VC_DB',
      data: { missing: ['logging host 192.0.2.9'] },
    });
    f.advance(61_000, 5_000);
    const html = await page('/');
    const attention = html.indexOf('Needs attention');
    expect(attention).toBeGreaterThan(-1);
    expect(attention).toBeLessThan(html.indexOf('HA pair'));
    const section = html.slice(attention, html.indexOf('</section>', attention));
    expect(section).toContain('<strong>Logging drift</strong>');
    expect(section).toContain('logging host 192.0.2.9');
    expect(section).toContain('<strong>Audit overdue</strong>: ace1');
    expect(section.indexOf('Logging drift')).toBeLessThan(section.indexOf('Audit overdue'));
    expect(html).toContain('drift in 1 context');
  });

  it('lists open alerts', async () => {
    f.feed({
      kind: 'config-change',
      id: '111008',
      device: 'ace1',
      context: 'VC_WEB',
      originContext: 'VC_WEB',
      user: 'bob',
      command: 'no logging host 10.1.1.1',
    });
    await f.notifier.flush();
    const html = await page('/');
    expect(html).toMatch(/Open alerts \(<span data-count="alerts-firing">1<\/span>\)/);
    expect(html).toContain('<span class="sev-critical">critical</span>');
    expect(html).toContain('logging-silenced');
  });

  it('uses accessible markup: lang, real tables with th scope and captions, a skip link, labelled inputs', async () => {
    const html = await page('/');
    expect(html).toContain('<html lang="en">');
    expect(html).toContain('<meta name="viewport" content="width=device-width, initial-scale=1">');
    expect(html).toContain('<a class="skip" href="#main">');
    const tables = html.match(/<table/g)!.length;
    expect(html.match(/<caption>/g)!.length).toBe(tables);
    expect(html).toMatch(/<th scope="col">Config state<\/th>/);
    expect(html).toMatch(/<th scope="rowgroup" rowspan="2"/);
    expect(html).toContain('role="status" aria-live="polite"');
    expect(html).not.toMatch(/<td[^>]*>\s*<\/td>/);
  });
});

describe('context page', () => {
  it('shows the explanation chain, the configuration history with a diff, the jobs and the resync form', async () => {
    makeSuspect(f);
    f.advance(6000);
    runAudits(f, (d) => (d === 'ace1' ? 'differs' : 'in-sync'));
    f.feed({
      kind: 'audit-result',
      transport: 'poll',
      device: 'ace1',
      context: 'VC_WEB',
      data: { outcome: 'differs', hash: '1'.repeat(64), config: 'logging enable\nrserver host web1\n' },
    });
    f.clock.advance(1000);
    f.feed({
      kind: 'audit-result',
      transport: 'poll',
      device: 'ace1',
      context: 'VC_WEB',
      data: { outcome: 'differs', hash: '2'.repeat(64), config: 'logging enable\nrserver host web2\n' },
    });
    const html = await page('/contexts/ace1/VC_WEB');
    expect(html).toContain('<h1>VC_WEB <span class="muted">on</span> ace1</h1>');
    expect(html).toMatch(/data-device="ace1" data-context="VC_WEB" data-sync="stale"/);
    expect(html).toContain('data-state="stale"');
    expect(html).not.toMatch(/<\/span> Out Of Sync/); // the badge says the API's word, stale
    // event -> rule -> decision -> action -> result
    const why = html.slice(html.indexOf('id="why-h"'), html.indexOf('id="alerts-h"'));
    expect(why).toContain('<span class="step-kind">Event</span> <code>config-change</code>');
    expect(why).toContain('<span class="step-kind">Rule</span> <code>config-change-marks-suspect</code>');
    expect(why).toMatch(/<span class="step-kind">Decision<\/span> .*data-state="unknown".*→.*data-state="suspect"/);
    expect(why).toMatch(
      /<span class="step-kind">Action<\/span> <code>audit<\/code> job \d+ by <code>config-change-marks-suspect<\/code> → <span class="step-kind">Result<\/span> job \d+ <strong>done<\/strong>/,
    );
    expect(why).toContain('<span class="step-kind">Rule</span> <code>audit-finds-stale</code>');
    // History and the default diff (previous -> newest).
    expect(html).toContain('Configuration history');
    expect(html).toMatch(
      /<pre class="diff"[^>]*>[\s\S]*<span class="del">-rserver host web1<\/span>\n<span class="add">\+rserver host web2<\/span>/,
    );
    expect(html).toContain('<label for="diff-from">From</label>');
    // Jobs and the form.
    expect(html).toMatch(/<td data-label="Type">upload<\/td><td data-label="State">pending/);
    expect(html).toContain('<form class="action" method="post" action="/contexts/ace1/VC_WEB/resync">');
    expect(html).toContain('<label for="resync-token">API token</label>');
    expect(html).toContain('<input id="resync-token" name="token" type="password" autocomplete="off" required');
  });

  it('picks the versions of the diff from the query', async () => {
    for (const [i, text] of ['a\n', 'b\n', 'c\n'].entries()) {
      f.feed({
        kind: 'audit-result',
        transport: 'poll',
        device: 'ace2',
        context: 'VC_DB',
        data: { outcome: 'differs', hash: String(i + 1).repeat(64), config: text },
      });
      f.clock.advance(1000);
    }
    const html = await page(`/contexts/ace2/VC_DB?from=${'1'.repeat(64)}&to=${'3'.repeat(64)}`);
    expect(html).toContain('<span class="del">-a</span>\n<span class="add">+c</span>');
    expect(html).not.toContain('<span class="del">-b</span>');
  });

  it('offers the acknowledge form only while an upload waits for an operator', async () => {
    expect(await page('/contexts/ace1/VC_WEB')).not.toContain('/acknowledge"');
    f.feed({
      kind: 'upload-result',
      transport: 'action',
      device: 'ace1',
      context: 'VC_WEB',
      data: { outcome: 'waiting-operator', strategy: 'manual' },
    });
    expect(await page('/contexts/ace1/VC_WEB')).toContain('action="/contexts/ace1/VC_WEB/acknowledge"');
  });

  it('says mutations are off when the token variable is unset', async () => {
    const g = await webFixture({ token: null });
    const html = (await g.app.inject('/contexts/ace1/VC_WEB')).body;
    expect(html).toContain('Operator actions are disabled');
    expect(html).not.toContain('<form class="action" method="post"');
    await g.shutdown();
  });
});

describe('assets', () => {
  it('serves one stylesheet and one script, cacheable, with a phone layout', async () => {
    const css = await f.app.inject(`/assets/app.css?v=${ASSET_VERSION}`);
    expect(css.headers['content-type']).toBe('text/css; charset=utf-8');
    expect(css.headers['cache-control']).toContain('immutable');
    expect(css.body).toContain('@media (max-width: 700px)');
    const js = await f.app.inject('/assets/live.js');
    expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(js.body).toContain("new EventSource('/api/v1/stream')");
    expect(js.body).not.toContain('innerHTML');
    expect(js.headers['content-security-policy']).toContain("script-src 'self'");
  });
});
