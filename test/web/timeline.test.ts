/**
 * The state timeline on a context's page and the context x device grid on the overview,
 * over the real server, the real processor with the default rules and a real SQLite file;
 * and the live stream telling the page which contexts are silenced (so a live redraw keeps
 * the badge's flag).
 */
import { get } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { MAX_MARKERS, MAX_TRANSITIONS } from '../../src/store/queries/timeline.js';
import { change, failover, runAudits } from '../engine/helpers.js';
import { webFixture, type WebFixture } from './helpers.js';

let f: WebFixture | undefined;
afterEach(async () => {
  await f?.shutdown();
  f = undefined;
});

const HOSTILE = `<script>alert(1)</script>"><img src=x onerror=alert(2)>`;

function section(body: string, id: string): string {
  const start = body.indexOf(`<section aria-labelledby="${id}"`);
  expect(start, id).toBeGreaterThan(0);
  return body.slice(start, body.indexOf('</section>', start));
}

const count = (s: string, re: RegExp): number => (s.match(re) ?? []).length;

describe('context page: state timeline', () => {
  it('draws each state period, the commands of the context and the failovers of its FT group', async () => {
    f = await webFixture();
    const fx = f;
    fx.feed(change('ace1', 'VC_WEB', `rserver host ${HOSTILE}`));
    fx.advance(6_000);
    runAudits(fx, 'differs');
    fx.advance(60_000);
    fx.feed(failover('ace2', 2, 'STANDBY_HOT', 'ACTIVE'), failover('ace1', 2, 'ACTIVE', 'STANDBY_COLD'));
    fx.feed(failover('ace2', 3, 'STANDBY_HOT', 'ACTIVE')); // another FT group: not VC_WEB's
    fx.feed(change('ace1', 'VC_APP', 'rserver host app1')); // another context
    fx.advance(60_000);

    const res = await fx.app.inject('/contexts/ace1/VC_WEB');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-security-policy']).toContain("style-src 'self'");
    const tl = section(res.body, 'timeline-h');
    const changes = fx.store.decisions({ device: 'ace1', context: 'VC_WEB', kinds: ['state'], limit: 1000 });
    expect(changes.length).toBeGreaterThanOrEqual(2);
    // One band per change; none before the context was first known (the first change came with it).
    expect(count(tl, /<rect class="tl-band"/g)).toBe(changes.length);
    expect(tl).toMatch(/<g class="tl-periods"><rect class="tl-band" data-state="suspect" x="965"/);
    // Known for two minutes: the shortest window, an hour.
    expect(tl).toContain('over the last 1 h');
    expect(tl).toContain(`data-state="${changes[changes.length - 1]!.to}"`);
    expect(count(tl, /data-kind="command"/g)).toBe(1);
    expect(count(tl, /data-kind="failover"/g)).toBe(2);
    expect(tl).toContain('FT group 2: ACTIVE -&gt; STANDBY_COLD (peer heartbeat lost)');
    expect(tl).not.toContain('FT group 3');
    expect(tl).not.toContain('app1');
    // The command stays text in the tooltip and the list.
    expect(res.body).not.toContain('<script>alert');
    expect(res.body).not.toContain('<img src=x');
    expect(count(tl, /admin: rserver host &lt;script&gt;alert\(1\)&lt;\/script&gt;&quot;&gt;&lt;img/g)).toBe(2);
    expect(tl).not.toMatch(/\sstyle="/);
  });

  it('bounds the markers and says so', async () => {
    f = await webFixture();
    const fx = f;
    for (let i = 0; i < MAX_MARKERS + 20; i++) {
      fx.feed(change('ace1', 'VC_DB', `access-list A${i} line 1 permit ip any any`));
      fx.advance(1_000, 1_000);
    }
    const tl = section((await fx.app.inject('/contexts/ace1/VC_DB')).body, 'timeline-h');
    expect(count(tl, /data-kind="command"/g)).toBe(MAX_MARKERS);
    expect(tl).toContain(`A${MAX_MARKERS + 19} line 1`); // the newest are kept
    expect(tl).not.toContain('>Command at 2026-03-01 10:00:00Z');
    expect(tl).toContain('only the newest markers of each kind are drawn');
  });

  it('keeps the newest state changes and starts the window at the oldest one kept', async () => {
    f = await webFixture();
    const fx = f;
    for (let i = 0; i < MAX_TRANSITIONS / 2 + 5; i++) {
      fx.feed(change('ace1', 'VC_WEB', `rserver host web${i}`));
      fx.advance(6_000);
      runAudits(fx, 'in-sync');
      fx.advance(60_000, 60_000);
    }
    const changes = fx.store.decisions({ device: 'ace1', context: 'VC_WEB', kinds: ['state'], limit: 1000 });
    expect(changes.length).toBeGreaterThan(MAX_TRANSITIONS);
    const tl = section((await fx.app.inject('/contexts/ace1/VC_WEB')).body, 'timeline-h');
    expect(count(tl, /<rect class="tl-band"/g)).toBe(MAX_TRANSITIONS);
    expect(tl).toContain('(only the newest state changes are shown)');
    expect(tl).toMatch(/<g class="tl-periods"><rect class="tl-band" data-state="[a-z-]+" x="0" /);
    expect(tl).toMatch(
      /data-state="in-sync" x="[\d.]+" y="0" width="[\d.]+" height="28" fill="#2f8f46"><title>[^<]*<\/title><\/rect><\/g>/,
    );
  });

  it('leaves out what is older than the window', async () => {
    f = await webFixture();
    const fx = f;
    fx.feed(change('ace1', 'VC_WEB', 'rserver host old1'));
    fx.advance(25 * 3_600_000, 60_000);
    const tl = section((await fx.app.inject('/contexts/ace1/VC_WEB')).body, 'timeline-h');
    expect(tl).not.toContain('old1');
    expect(count(tl, /<rect class="tl-band"/g)).toBe(1);
    expect(tl).toContain('over the last 24 h');
  });
});

/** A pair of `n` contexts (plus Admin) on each device. */
function bigPair(n: number): Record<string, unknown> {
  const names = Array.from({ length: n }, (_, i) => `VC_${String(i).padStart(3, '0')}`);
  const dev = (name: string, peer: string, k: number) => ({
    name,
    host: `192.0.2.${k}`,
    peer,
    sources: [`10.0.0.${k}`],
    contexts: [{ name: 'Admin', ft_group: 1 }, ...names.map((c, i) => ({ name: c, ft_group: i + 2 }))],
  });
  return { devices: [dev('ace1', 'ace2', 1), dev('ace2', 'ace1', 2)] };
}

function sseSnapshot(
  port: number,
): Promise<{ contexts: Array<{ device: string; context: string; silenced: boolean }> }> {
  return new Promise((resolve, reject) => {
    const req = get({ host: '127.0.0.1', port, path: '/api/v1/stream', timeout: 5000 }, (res) => {
      let buf = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buf += chunk;
        const m = /event: snapshot\ndata: (.*)\n\n/.exec(buf);
        if (m) {
          req.destroy();
          resolve(JSON.parse(m[1]!));
        }
      });
    });
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error('no snapshot in time')));
  });
}

describe('overview: context x device grid', () => {
  it('shows a big pair as a grid with a cell per context and device, and keeps the list for small ones', async () => {
    f = await webFixture({ config: bigPair(30) });
    const fx = f;
    fx.feed(change('ace1', 'VC_005', 'no logging enable'));
    fx.feed(change('ace2', 'VC_007', `rserver host ${HOSTILE}`));
    await fx.notifier.flush();
    const body = (await fx.app.inject('/')).body;
    expect(count(body, /<table class="grid">/g)).toBe(2); // 31 rows, 25 per table
    expect(count(body, /data-field="grid"/g)).toBe(62);
    const cell = (d: string, c: string) => {
      const i = body.indexOf(`<td data-device="${d}" data-context="${c}"`);
      expect(i, `${d}/${c}`).toBeGreaterThan(0);
      return body.slice(i, body.indexOf('</td>', i));
    };
    expect(cell('ace1', 'VC_005')).toContain('href="/contexts/ace1/VC_005" data-state="suspect"');
    expect(cell('ace1', 'VC_005')).toContain('data-flag="silenced"');
    expect(cell('ace2', 'VC_005')).not.toContain('data-flag="silenced"');
    expect(cell('ace2', 'VC_007')).toContain('state-warn');
    expect(cell('ace1', 'VC_010')).toContain('data-state="unknown"');
    // The detailed list is still there, folded.
    expect(body).toContain('<details class="contexts-list"><summary>Every context in detail');
    expect(body).not.toContain('<script>alert');

    // The live stream says which contexts are silenced, so a redraw keeps the flag.
    await fx.app.listen({ host: '127.0.0.1', port: 0 });
    const snap = await sseSnapshot((fx.app.server.address() as AddressInfo).port);
    const silenced = snap.contexts.filter((c) => c.silenced).map((c) => `${c.device}/${c.context}`);
    expect(silenced).toEqual(['ace1/VC_005']);
  });

  it('keeps the plain list for a pair of 20 contexts or fewer', async () => {
    f = await webFixture();
    const body = (await f.app.inject('/')).body;
    expect(body).not.toContain('<table class="grid">');
    expect(body).not.toContain('contexts-list');
    expect(body).toContain('<tr data-device="ace1" data-context="VC_WEB"');
  });
});
