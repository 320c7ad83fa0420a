/**
 * The newcomer's view, in a real browser: the built-in demo runs as a child process
 * (`acesync demo`, what `npm start` runs), Debian's chromium (driven by playwright-core)
 * loads the overview, `acesync demo change` types a change on the simulated active over
 * SSH, and the VC_WEB cells go suspect -> ... -> in-sync on screen WITHOUT a reload (the
 * page updates over server-sent events). Then the context's page: the explanation chain,
 * the configuration history and a diff between two versions. Screenshots go to
 * test-artifacts/ (gitignored).
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../helpers/chromium.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, runCli, startCli, waitStarted, type Running } from '../helpers/cli.js';
import { freeTcpPort, freeUdpPort } from '../helpers/wait.js';

const ARTIFACTS = join(ROOT, 'test-artifacts');

// Page-side globals for the functions playwright runs in the browser (no DOM lib here).
declare const document: any;

/** The state badges of a context's cells, in the order they appear (one per peer). */
async function badges(page: Page, context: string): Promise<string[]> {
  return page.evaluate((c: string) => {
    const rows: any[] = Array.from(document.querySelectorAll(`tr[data-context="${c}"] [data-field="sync"] .badge`));
    return rows.map((b) => String(b.getAttribute('data-state')));
  }, context);
}

describe('the demo in a real browser', () => {
  let cwd: string;
  let env: NodeJS.ProcessEnv;
  let demo: Running | undefined;
  let browser: Browser | undefined;
  let base: string;

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    cwd = mkdtempSync(join(tmpdir(), 'acesync-browser-demo-'));
    const httpPort = await freeTcpPort();
    env = {
      ACESYNC_DEMO_SYSLOG_PORT: String(await freeUdpPort()),
      ACESYNC_DEMO_SNMP_PORT: String(await freeUdpPort()),
      ACESYNC_DEMO_HTTP_PORT: String(httpPort),
    };
    base = `http://127.0.0.1:${httpPort}`;
    demo = startCli(['demo'], { cwd, env });
    await waitStarted(demo, 30_000);
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await demo?.stop('SIGTERM');
    rmSync(cwd, { recursive: true, force: true });
  });

  it('shows a demo change go suspect -> in-sync live, then the chain, history and diff', async () => {
    const page = await browser!.newPage({ viewport: { width: 1280, height: 900 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(base + '/');
    // The seed: every context in sync once ANM holds a copy.
    await page.waitForFunction(
      () => {
        const all: any[] = Array.from(document.querySelectorAll('tr[data-context] [data-field="sync"] .badge'));
        return all.length >= 6 && all.every((b) => b.getAttribute('data-state') === 'in-sync');
      },
      undefined,
      { timeout: 30_000 },
    );

    // Record every state the VC_WEB cells show from now on, without reloading.
    await page.evaluate(() => {
      const w = globalThis as any;
      w.__seen = [];
      const note = (): void => {
        for (const b of Array.from(
          document.querySelectorAll('tr[data-context="VC_WEB"] [data-field="sync"] .badge'),
        ) as any[])
          w.__seen.push(b.getAttribute('data-state'));
      };
      new w.MutationObserver(note).observe(document.body, {
        subtree: true,
        childList: true,
        attributes: true,
        characterData: true,
      });
    });
    const navigations: string[] = [];
    page.on('framenavigated', (f) => navigations.push(f.url()));

    const r = await runCli(['demo', 'change'], { cwd, env, timeoutMs: 20_000 });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('VC_WEB');

    await page.waitForFunction(() => ((globalThis as any).__seen as string[]).includes('suspect'), undefined, {
      timeout: 15_000,
    });
    await page.screenshot({ path: join(ARTIFACTS, 'demo-change-suspect.png'), fullPage: true });
    await page.waitForFunction(
      () => {
        const seen = (globalThis as any).__seen as string[];
        const now: any[] = Array.from(
          document.querySelectorAll('tr[data-context="VC_WEB"] [data-field="sync"] .badge'),
        );
        return (
          seen.lastIndexOf('suspect') < seen.lastIndexOf('in-sync') &&
          now.length === 2 &&
          now.every((b) => b.getAttribute('data-state') === 'in-sync')
        );
      },
      undefined,
      { timeout: 30_000 },
    );
    const seen = (await page.evaluate(() => (globalThis as any).__seen)) as string[];
    // It went through the audit and the upload on screen: suspect, then stale or syncing, then in-sync.
    expect(seen).toContain('suspect');
    expect(seen.some((s) => s === 'stale' || s === 'syncing')).toBe(true);
    expect(await badges(page, 'VC_WEB')).toEqual(['in-sync', 'in-sync']);
    expect(navigations).toEqual([]);
    await page.screenshot({ path: join(ARTIFACTS, 'demo-change-in-sync.png'), fullPage: true });

    // The context's page: why it is in sync, what changed.
    await page.locator('a[href*="/contexts/ace-a/VC_WEB"]').first().click();
    await page.waitForURL(/\/contexts\/ace-a\/VC_WEB/);
    const body = (await page.locator('main').innerText()).toLowerCase();
    expect(body).toContain('audit');
    expect(body).toContain('upload');
    // History: the version before the change and the one after; the diff shows the change.
    const options = await page
      .locator('select#diff-from option')
      .evaluateAll((os: any[]) => os.map((o) => String(o.value)));
    expect(options.length).toBeGreaterThanOrEqual(2);
    await page.selectOption('select#diff-from', options[1]!);
    await page.selectOption('select#diff-to', options[0]!);
    await page.getByRole('button', { name: 'Show the diff' }).click();
    await page.waitForSelector('pre.diff');
    const diffText = (await page.locator('pre.diff').innerText()) + '';
    expect(diffText).toMatch(/^\+.*rserver host DEMO-/m);
    await page.screenshot({ path: join(ARTIFACTS, 'demo-context-page.png'), fullPage: true });
    expect(errors).toEqual([]);
    await page.close();
  });
});
