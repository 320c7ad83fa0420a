/**
 * The state timeline and the context x device grid in a real browser (Debian's chromium
 * driven by playwright-core) against the real server over a real Store the real Processor
 * writes: a pair of 250 contexts per device. The timeline's SVG and the grid render with no
 * CSP violation (chromium reports each as a console error) and no external request; nothing
 * scrolls sideways at 390 px; 250 contexts of the grid fit about one screen at 1366 px; the
 * "logging silenced" flag survives the live updates (the stream's snapshot on connect and a
 * later state change redraw the cells). Screenshots at 1366 and 390 px go to test-artifacts/.
 */
import { mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../helpers/chromium.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { change, failover, ROOT, runAudits } from '../engine/helpers.js';
import { webFixture, type WebFixture } from '../web/helpers.js';

const ARTIFACTS = join(ROOT, 'test-artifacts');
const WAIT = 10_000;
const N = 250;
const HOSTILE = `<img src=x onerror=alert(1)>"><script>alert(2)</script>`;

// Page-side globals for the functions playwright runs in the browser (no DOM lib here).
declare const document: any;
declare const window: any;

let f: WebFixture;
let browser: Browser;
let base: string;

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

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  f = await webFixture({ liveIntervalMs: 100, config: bigPair(N) });
  // VC_005: changed (a hostile command), audited stale, a failover of its FT group (7), changed again.
  f.feed(change('ace1', 'VC_005', `rserver host ${HOSTILE}`));
  f.advance(6_000);
  runAudits(f, (d, c) => (c === 'VC_005' ? 'differs' : 'in-sync'));
  f.advance(30 * 60_000, 60_000);
  f.feed(failover('ace2', 7, 'STANDBY_HOT', 'ACTIVE'), failover('ace1', 7, 'ACTIVE', 'STANDBY_COLD'));
  f.advance(30 * 60_000, 60_000);
  f.feed(change('ace1', 'VC_005', 'serverfarm host SF_WEB'));
  // VC_010: logging silenced on ace1 (the alert fires and holds).
  f.feed(change('ace1', 'VC_010', 'no logging enable'));
  await f.notifier.flush();
  await f.app.listen({ host: '127.0.0.1', port: 0 });
  base = `http://127.0.0.1:${(f.app.server.address() as AddressInfo).port}`;
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await f?.shutdown();
});

/** Open a page that records console errors (CSP violations among them), page errors and foreign requests. */
async function open(width: number): Promise<{ page: Page; problems: string[] }> {
  const page = await browser.newPage({
    viewport: { width, height: 900 },
    ...(width < 500 ? { isMobile: true, hasTouch: true } : {}),
  });
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' || /Content Security Policy|Refused to/i.test(m.text()))
      problems.push(`console: ${m.text()}`);
  });
  page.on('dialog', (d) => {
    problems.push(`dialog: ${d.message()}`);
    void d.dismiss();
  });
  page.on('request', (r) => {
    if (!r.url().startsWith(base)) problems.push(`external request: ${r.url()}`);
  });
  return { page, problems };
}

const scrollWidth = (page: Page): Promise<number> => page.evaluate(() => document.documentElement.scrollWidth);

/** The flags on the silenced context's cells: [grid cell, list row, grid cell outlined]. */
function silencedFlags(page: Page): Promise<[number, number, number]> {
  return page.evaluate(() => {
    const grid = document.querySelectorAll(
      'td[data-field="grid"][data-device="ace1"][data-context="VC_010"] [data-flag="silenced"]',
    );
    const row = document.querySelectorAll(
      'tr[data-device="ace1"][data-context="VC_010"] [data-field="sync"] [data-flag="silenced"]',
    );
    const outlined = document.querySelectorAll(
      'td[data-field="grid"][data-device="ace1"][data-context="VC_010"] a.cell.silenced',
    );
    return [grid.length, row.length, outlined.length];
  });
}

describe('timeline and grid in chromium', () => {
  for (const width of [1366, 390])
    it(`draws the context page's timeline at ${width} px, no CSP violation, no sideways scroll`, async () => {
      const { page, problems } = await open(width);
      await page.goto(`${base}/contexts/ace1/VC_005`, { waitUntil: 'load', timeout: WAIT });
      await page.waitForSelector('#live-status[data-state="open"]', { timeout: WAIT });
      const svg = page.locator('section#timeline svg.tl');
      expect(await svg.count()).toBe(1);
      const box = (await svg.boundingBox())!;
      expect(box.width).toBeGreaterThan(width * 0.5);
      expect(box.height).toBeGreaterThan(40);
      const bands = await page
        .locator('svg.tl rect.tl-band')
        .evaluateAll((els) =>
          els.map((e: any) => ({ state: e.getAttribute('data-state'), w: e.getBoundingClientRect().width })),
        );
      expect(bands.map((b) => b.state)).toEqual(['suspect', 'stale']); // nothing before the context was known
      for (const b of bands) expect(b.w).toBeGreaterThan(0);
      // The bands are painted with their state colour (a fill attribute, no style attribute).
      const fills = await page
        .locator('svg.tl rect.tl-band')
        .evaluateAll((els) => els.map((e: any) => window.getComputedStyle(e).fill));
      expect(new Set(fills).size).toBe(2);
      expect(await page.locator('svg.tl g.tl-marker[data-kind="command"]').count()).toBe(2);
      expect(await page.locator('svg.tl g.tl-marker[data-kind="failover"]').count()).toBe(2);
      // Hostile command text is a tooltip's text, nothing more.
      const titles = await page.locator('svg.tl g.tl-marker > title').allTextContents();
      expect(titles.some((t) => t.includes(`rserver host ${HOSTILE}`))).toBe(true);
      expect(await page.locator('main img, main script').count()).toBe(0);
      // The screen-reader list says the same in words, but takes no room.
      const list = page.locator('figure.timeline ol.sr-only li');
      expect(await list.count()).toBe(6);
      expect((await page.locator('figure.timeline ol.sr-only').boundingBox())!.width).toBeLessThanOrEqual(1);
      expect(await scrollWidth(page)).toBeLessThanOrEqual(width);
      await page.locator('figure.timeline').screenshot({ path: join(ARTIFACTS, `timeline-${width}.png`) });
      await page.screenshot({ path: join(ARTIFACTS, `timeline-context-${width}.png`), fullPage: true });
      await page.close();
      expect(problems).toEqual([]);
    }, 60_000);

  for (const width of [1366, 390])
    it(`shows the ${N}-context pair as a grid at ${width} px and keeps the silenced flag through live updates`, async () => {
      const { page, problems } = await open(width);
      await page.goto(`${base}/`, { waitUntil: 'load', timeout: WAIT });
      await page.waitForSelector('#live-status[data-state="open"]', { timeout: WAIT });
      const cells = page.locator('.grid-wrap td[data-field="grid"]');
      expect(await cells.count()).toBe(2 * (N + 1));
      expect(
        await page.locator('.grid-wrap td[data-device="ace1"][data-context="VC_005"] a').getAttribute('data-state'),
      ).toBe('stale');
      // The snapshot on connect redrew every cell: the silenced flag must still be there.
      await page.waitForFunction(() => document.querySelector('#live-status')?.textContent === 'Live updates: on');
      expect(await silencedFlags(page)).toEqual([1, 1, 1]);
      expect(await scrollWidth(page)).toBeLessThanOrEqual(width);
      if (width >= 1366) {
        // 251 rows in tables side by side: about one screen high, not 251 rows high.
        const grid = (await page.locator('.grid-wrap').boundingBox())!;
        expect(grid.height).toBeLessThan(1300);
        const tops = await page
          .locator('.grid-wrap table.grid')
          .evaluateAll((ts) => ts.map((t: any) => Math.round(t.getBoundingClientRect().top)));
        expect(new Set(tops).size).toBeLessThan(tops.length);
        await page.locator('.grid-wrap').screenshot({ path: join(ARTIFACTS, `grid-${width}.png`) });
      } else
        await page
          .locator('.grid-wrap table.grid')
          .first()
          .screenshot({ path: join(ARTIFACTS, `grid-${width}.png`) });
      await page.screenshot({ path: join(ARTIFACTS, `grid-overview-${width}.png`), fullPage: width >= 1366 });
      // A live state change of the silenced context redraws its cells: the flag stays.
      f.advance(6_000);
      runAudits(f, 'differs');
      await page.waitForFunction(
        () =>
          document
            .querySelector('td[data-field="grid"][data-device="ace1"][data-context="VC_010"] a')
            ?.getAttribute('data-state') === 'stale',
        undefined,
        { timeout: WAIT },
      );
      expect(await silencedFlags(page)).toEqual([1, 1, 1]);
      // Back to suspect for the next run of this test (the other width).
      f.feed(change('ace1', 'VC_010', 'rserver host again'));
      await page.close();
      expect(problems).toEqual([]);
    }, 60_000);
});
