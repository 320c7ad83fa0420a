/**
 * The page in a real browser: Debian's chromium driven by playwright-core, against the real
 * server (listening on 127.0.0.1:0) over a real Store that the real Processor writes.
 * A context goes suspect -> stale -> syncing -> in-sync while the page is open, and the
 * cell changes on screen with no reload (server-sent events + /assets/live.js). Then the
 * context page: explanation chain, configuration history and diff. Screenshots go to
 * test-artifacts/ (gitignored). Hostile text arriving live must stay text.
 */
import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../helpers/chromium.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { change, ROOT } from '../engine/helpers.js';
import { webFixture, type WebFixture } from '../web/helpers.js';

const ARTIFACTS = join(ROOT, 'test-artifacts');
const WAIT = 10_000;

let f: WebFixture;
let browser: Browser;
let base: string;
const problems: string[] = [];

// Page-side globals for the functions playwright runs in the browser (the project's
// TypeScript has no DOM lib; string evaluation would be refused by the page's CSP, rightly).
declare const document: any;
declare const window: any;
declare function getComputedStyle(el: unknown, pseudo?: string): { content: string };

const sha = (s: string): string => createHash('sha256').update(s).digest('hex');

/** Play the audit worker: every due audit job reports `outcome` with this configuration text. */
function audit(outcome: 'in-sync' | 'differs', config: string): void {
  for (const j of f.store.jobs.claim({ types: ['audit'], limit: 100, perDevice: 100 })) {
    f.feed({
      kind: 'audit-result',
      transport: 'poll',
      device: j.device,
      context: j.context,
      data: { outcome, hash: sha(`${j.device}/${j.context}/${config}`), config, jobId: j.id },
    });
    f.store.jobs.complete(j.id);
  }
}

/** Play the upload worker: every due upload succeeds and ANM now holds what was audited. */
function upload(): void {
  for (const j of f.store.jobs.claim({ types: ['upload'], limit: 100, perDevice: 100 })) {
    const c = f.store.context(j.device, j.context)!;
    f.store.recordAnmCopy(j.device, j.context, c.lastAuditHash!);
    f.feed({
      kind: 'upload-result',
      transport: 'action',
      device: j.device,
      context: j.context,
      data: { outcome: 'ok', strategy: 'command', jobId: j.id },
    });
    f.store.jobs.complete(j.id, { outcome: 'ok' });
  }
}

async function cellState(page: Page, device: string, context: string): Promise<string | null> {
  return page
    .locator(`tr[data-device="${device}"][data-context="${context}"] [data-field="sync"] .badge`)
    .getAttribute('data-state');
}

async function waitState(page: Page, device: string, context: string, state: string): Promise<void> {
  await page.waitForFunction(
    ([d, c, s]) => {
      const rows: any[] = Array.from(document.querySelectorAll('tr[data-device][data-context]'));
      const row = rows.find((r) => r.getAttribute('data-device') === d && r.getAttribute('data-context') === c);
      return row?.querySelector('[data-field="sync"] .badge')?.getAttribute('data-state') === s;
    },
    [device, context, state] as const,
    { timeout: WAIT },
  );
}

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  f = await webFixture({ liveIntervalMs: 100 });
  await f.app.listen({ host: '127.0.0.1', port: 0 });
  base = `http://127.0.0.1:${(f.app.server.address() as AddressInfo).port}`;
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await f?.shutdown();
});

function watch(page: Page): void {
  page.on('dialog', (d) => {
    problems.push(`dialog: ${d.message()}`);
    void d.dismiss();
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()}`);
  });
  // Nothing may be fetched from anywhere but this server (no external assets).
  page.on('request', (r) => {
    if (!r.url().startsWith(base)) problems.push(`external request: ${r.url()}`);
  });
}

describe('status page in chromium', () => {
  it('shows a context go suspect -> stale -> in-sync live, without reload', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    watch(page);
    let navigations = 0;
    page.on('framenavigated', (fr) => {
      if (fr === page.mainFrame()) navigations++;
    });
    await page.goto(`${base}/`, { waitUntil: 'load', timeout: WAIT });
    await page.waitForSelector('#live-status[data-state="open"]', { timeout: WAIT });
    await page.evaluate(() => (window.marker = 42));
    expect(await cellState(page, 'ace1', 'VC_WEB')).toBe('unknown');

    f.feed(change('ace1', 'VC_WEB', 'rserver host web9'));
    await waitState(page, 'ace1', 'VC_WEB', 'suspect');
    await waitState(page, 'ace2', 'VC_WEB', 'suspect');
    const row = page.locator('tr[data-device="ace1"][data-context="VC_WEB"]');
    expect(await row.locator('[data-field="reason"]').innerText()).toBe(
      "admin ran 'rserver host web9' in VC_WEB on ace1",
    );
    expect(await page.locator('[data-count="suspect"]').innerText()).toBe('2');

    f.advance(6000); // settle window: the audits are queued
    audit('differs', 'logging enable\nrserver host web1\n');
    await waitState(page, 'ace1', 'VC_WEB', 'stale');
    expect(await row.locator('[data-field="sync"]').innerText()).toContain('stale');

    upload();
    await waitState(page, 'ace1', 'VC_WEB', 'syncing');
    audit('in-sync', 'logging enable\nrserver host web1\n');
    await waitState(page, 'ace1', 'VC_WEB', 'in-sync');
    await waitState(page, 'ace2', 'VC_WEB', 'in-sync');
    expect(await row.locator('[data-field="sync"]').innerText()).toContain('in-sync');
    expect(await row.locator('[data-field="audit"]').innerText()).toMatch(/\d{4}-\d\d-\d\d .*in-sync/);

    // Hostile text arriving live is shown as text.
    f.feed(change('ace1', 'VC_APP', '<img src=x onerror=alert(1)>"><script>alert(2)</script>'));
    await waitState(page, 'ace1', 'VC_APP', 'suspect');
    expect(
      await page.locator('tr[data-device="ace1"][data-context="VC_APP"] [data-field="reason"]').innerText(),
    ).toContain('<img src=x onerror=alert(1)>');
    expect(await page.locator('tr[data-device="ace1"][data-context="VC_APP"] img').count()).toBe(0);

    expect(await page.evaluate(() => window.marker)).toBe(42);
    expect(navigations).toBe(1);
    await page.screenshot({ path: join(ARTIFACTS, 'overview.png'), fullPage: true });
    await page.close();
    expect(problems).toEqual([]);
  }, 60_000);

  it('opens the context page with its explanation chain, history and diff', async () => {
    // A second change on the device: a new configuration version to diff against ANM's copy.
    f.feed(change('ace1', 'VC_WEB', 'rserver host web10'));
    f.advance(6000);
    audit('differs', 'logging enable\nrserver host web1\nrserver host web10\n');

    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    watch(page);
    await page.goto(`${base}/`, { waitUntil: 'load', timeout: WAIT });
    await page.locator('tr[data-device="ace1"][data-context="VC_WEB"] th a').click();
    await page.waitForURL(`${base}/contexts/ace1/VC_WEB`, { timeout: WAIT });
    expect(await page.locator('h1').innerText()).toBe('VC_WEB on ace1');
    const why = page.locator('section[aria-labelledby="why-h"]');
    await expect.poll(() => why.locator('li.chain').count()).toBeGreaterThan(2);
    expect(await why.innerText()).toMatch(/Rule config-change-marks-suspect fired/);
    expect(await why.innerText()).toMatch(/Action audit job \d+ .*Result job \d+ done/);
    const history = page.locator('section[aria-labelledby="history-h"]');
    expect(await history.locator('tbody tr').count()).toBe(2);
    expect(await history.locator('pre.diff .add').allInnerTexts()).toEqual(['+rserver host web10']);
    // Pick the diff in the other direction with the form (no script needed).
    const options = await page
      .locator('#diff-from option')
      .evaluateAll((os) => os.map((o) => (o as unknown as { value: string }).value));
    await page.selectOption('#diff-from', options[0]!);
    await page.selectOption('#diff-to', options[1]!);
    await Promise.all([
      page.waitForURL(/from=/, { timeout: WAIT }),
      page.getByRole('button', { name: 'Show the diff' }).click(),
    ]);
    expect(await page.locator('pre.diff .del').allInnerTexts()).toEqual(['-rserver host web10']);
    expect(await page.getByLabel('API token').first().getAttribute('type')).toBe('password');
    await page.screenshot({ path: join(ARTIFACTS, 'context.png'), fullPage: true });
    await page.close();
    expect(problems).toEqual([]);
  }, 60_000);

  it('fits a phone-sized screen', async () => {
    const page = await browser.newPage({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    watch(page);
    await page.goto(`${base}/`, { waitUntil: 'load', timeout: WAIT });
    await page.waitForSelector('#live-status[data-state="open"]', { timeout: WAIT });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(1);
    // Long device text (hashes, reasons) wraps instead of running off the screen.
    const wide = await page.evaluate(
      () =>
        (Array.from(document.querySelectorAll('main li, main td, main th, main p')) as any[]).filter(
          (el) => el.scrollWidth > el.clientWidth + 1 && !el.closest('.table-wrap') && !el.closest('pre'),
        ).length,
    );
    expect(wide).toBe(0);
    // Stacked rows label each cell.
    const label = await page
      .locator('tr[data-device="ace1"][data-context="VC_WEB"] [data-field="sync"]')
      .evaluate((el) => getComputedStyle(el, '::before').content);
    expect(label).toContain('Config state');
    await page.screenshot({ path: join(ARTIFACTS, 'overview-phone.png') });
    await page.close();
    expect(problems).toEqual([]);
  }, 60_000);

  for (const width of [1366, 390])
    it(`shows the context page (chain, history, diff) without sideways scroll at ${width} px`, async () => {
      const page = await browser.newPage({
        viewport: { width, height: 900 },
        ...(width < 500 ? { isMobile: true, hasTouch: true } : {}),
      });
      watch(page);
      await page.goto(`${base}/contexts/ace1/VC_WEB`, { waitUntil: 'load', timeout: WAIT });
      await page.waitForSelector('#live-status[data-state="open"]', { timeout: WAIT });
      expect(await page.locator('section[aria-labelledby="history-h"] tbody tr').count()).toBeGreaterThan(0);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      expect(overflow, `page wider than the ${width} px screen`).toBeLessThanOrEqual(1);
      await page.screenshot({ path: join(ARTIFACTS, `context-${width}.png`), fullPage: true });
      await page.goto(`${base}/`, { waitUntil: 'load', timeout: WAIT });
      expect(await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).toBeLessThanOrEqual(
        1,
      );
      await page.screenshot({ path: join(ARTIFACTS, `overview-${width}.png`), fullPage: true });
      await page.close();
      expect(problems).toEqual([]);
    }, 60_000);
  it('shows what is wrong and what to do (reachability, fixes, add-to-sources) without sideways scroll at 390 px', async () => {
    // ace2 cannot be logged in to; two unknown senders, one with a long IPv6 address.
    for (const context of ['VC_WEB', 'Admin'])
      f.feed({
        kind: 'audit-result',
        transport: 'poll',
        device: 'ace2',
        context,
        error: '10.0.0.2: authentication failed',
        data: { outcome: 'error', stage: 'connect' },
      });
    f.feed({
      kind: 'ssh-failure',
      transport: 'poll',
      device: 'ace2',
      error: '10.0.0.2: authentication failed',
      data: {
        sshKind: 'auth',
        user: 'acesync',
        fix: "check that user 'acesync' exists on ace2 and that ACE2_PASSWORD holds its password (devices[].ssh.username / password_env), then: acesync explain ace2 <context>",
      },
    });
    await f.notifier.flush();
    f.counters.add('udp', '2001:db8:ffff:ffff:ffff:ffff:ffff:fffe', 'dropped-unknown-source', 12);
    f.counters.add('udp', '10.9.9.9', 'dropped-unknown-source', 3);
    const page = await browser.newPage({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    watch(page);
    await page.goto(`${base}/`, { waitUntil: 'load', timeout: WAIT });
    await page.waitForSelector('#live-status[data-state="open"]', { timeout: WAIT });
    expect(await page.locator('[data-reach="unreachable"]').first().innerText()).toContain('cannot log in: auth');
    expect(await page.locator('.fix').first().innerText()).toMatch(/^Fix: /);
    const summary = page.locator('details.add-source summary').first();
    await summary.click();
    expect(await page.locator('details.add-source[open] select[name="device"] option').count()).toBe(2);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(1);
    const wide = await page.evaluate(
      () =>
        (Array.from(document.querySelectorAll('main li, main td, main th, main p')) as any[]).filter(
          (el) => el.scrollWidth > el.clientWidth + 1 && !el.closest('.table-wrap') && !el.closest('pre'),
        ).length,
    );
    expect(wide).toBe(0);
    // The live script keeps the server's wording of a failed audit (snapshot applied by now).
    const audit = (context: string) =>
      page.locator(`tr[data-device="ace2"][data-context="${context}"] [data-field="audit"]`).innerText();
    expect(await audit('Admin')).toMatch(/^never audited successfully \(last attempt: .+, SSH auth failure\)$/);
    expect(await audit('VC_WEB')).toMatch(/^last attempt failed: .+, SSH auth failure$/);
    await page.screenshot({ path: join(ARTIFACTS, 'overview-attention-390.png'), fullPage: true });
    await page.close();
    expect(problems).toEqual([]);
  }, 60_000);
});
