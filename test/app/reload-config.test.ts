/**
 * Whole-configuration reload of a real `acesync start` (the built CLI as a child process):
 * a real SIGHUP and `POST /api/v1/reload` (token), a refused file keeps the old
 * configuration running, the metric says which, inventory changes reach the database.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { StoreReader } from '../../src/store/reader.js';
import type { ReloadResult } from '../../src/app/reload.js';
import { startCli, waitStarted, type Running } from '../helpers/cli.js';
import { tempDir } from '../engine/helpers.js';

const running: Running[] = [];
afterEach(async () => {
  for (const r of running.splice(0)) if (r.child.exitCode === null) await r.stop('SIGKILL');
});

const TOKEN = 'reload-test-token-0123456789';

function yaml(devices: string[], extra = ''): string {
  return [
    'syslog: { udp: { host: 127.0.0.1, port: 0 }, tcp: { enabled: false } }',
    'snmp: { enabled: false }',
    'http: { host: 127.0.0.1, port: 0, token_env: ACESYNC_T_TOKEN }',
    'poller: { enabled: false }',
    'anm: { enabled: false }',
    'store: { path: ./state.db }',
    'engine: { jobs: { workers: false } }',
    extra,
    'devices:',
    ...devices.map((d) => `  - ${d}`),
    '',
  ].join('\n');
}

describe('acesync start: reloading the whole configuration', () => {
  it(
    'SIGHUP applies inventory changes, refuses a bad file loudly, and the API reloads too',
    { timeout: 60_000 },
    async () => {
      const dir = tempDir('acesync-reload-cfg-');
      const cfg = join(dir, 'acesync.yaml');
      writeFileSync(cfg, yaml(['{ name: ace1, host: 192.0.2.1, contexts: [{ name: VC_WEB }, { name: VC_OLD }] }']));
      const r = startCli(['start', '--config', cfg], { env: { ACESYNC_T_TOKEN: TOKEN } });
      running.push(r);
      const listeners = await waitStarted(r);
      const http = listeners.find((l) => l.transport === 'http')!;
      const base = `http://127.0.0.1:${http.port}`;
      const metric = async (): Promise<string | undefined> =>
        /^acesync_config_last_reload_successful (\d)$/m.exec(await (await fetch(`${base}/metrics`)).text())?.[1];
      expect(await metric()).toBe('1');

      // 1. A good edit, by SIGHUP: ace2 added (with VC_APP), ace1 loses VC_OLD, a webhook appears.
      expect(await (await fetch(`${base}/metrics`)).text()).not.toContain('webhook="ops"');
      writeFileSync(
        cfg,
        yaml(
          [
            '{ name: ace1, host: 192.0.2.1, contexts: [{ name: VC_WEB }] }',
            '{ name: ace2, host: 192.0.2.2, contexts: [{ name: VC_APP }] }',
          ],
          'webhooks: [{ name: ops, url: "http://127.0.0.1:9/hook" }]',
        ),
      );
      r.child.kill('SIGHUP');
      const ok = await r.waitForLog((l) => l.msg === 'configuration reloaded');
      expect(ok).toMatchObject({
        trigger: 'SIGHUP',
        devicesAdded: ['ace2'],
        devicesRemoved: [],
        contextsRemoved: ['ace1/VC_OLD'],
      });
      expect(ok.contextsAdded).toEqual(expect.arrayContaining(['ace2/Admin', 'ace2/VC_APP']));
      expect(ok.webhooks).toEqual(['ops']);
      expect(ok.restartNeeded).toEqual([]);
      expect(await (await fetch(`${base}/metrics`)).text()).toContain(
        'acesync_webhook_deliveries_total{webhook="ops",outcome="sent"} 0',
      );
      const reader = StoreReader.open(join(dir, 'state.db'));
      try {
        expect(reader.context('ace2', 'VC_APP')?.sync).toBe('unknown');
        const gone = reader.db
          .prepare("SELECT configured FROM contexts WHERE device = 'ace1' AND name = 'VC_OLD'")
          .get() as {
          configured: number;
        };
        expect(gone.configured).toBe(0);
        const audit = reader.db
          .prepare("SELECT state FROM jobs WHERE device = 'ace2' AND type = 'audit'")
          .all() as Array<{ state: string }>;
        expect(audit.map((a) => a.state)).toEqual(['pending']);
      } finally {
        reader.close();
      }
      const overview = (await (await fetch(`${base}/api/v1/devices`)).json()) as unknown;
      expect(JSON.stringify(overview)).toContain('ace2');

      // 2. A bad edit: refused at the key, the old configuration keeps running, the metric says 0.
      writeFileSync(
        cfg,
        yaml(['{ name: ace3, host: 192.0.2.3, contexts: [{ name: VC_X }] }'], 'pollr: { interval_ms: 1000 }'),
      );
      r.child.kill('SIGHUP');
      const refused = await r.waitForLog(
        (l) => l.msg === 'configuration refused; the previous configuration keeps running',
      );
      expect(JSON.stringify(refused.problems)).toMatch(
        /acesync\.yaml:8:1 \(top level\): unknown key 'pollr' \(did you mean 'poller'\?\)/,
      );
      expect(refused.level).toBe('error');
      expect(await metric()).toBe('0');
      const still = (await (await fetch(`${base}/api/v1/devices`)).json()) as unknown;
      expect(JSON.stringify(still)).toContain('ace2');
      expect(JSON.stringify(still)).not.toContain('ace3');
      expect(r.child.exitCode).toBeNull();
      const pageHtml = await (await fetch(`${base}/`)).text();
      expect(pageHtml).toContain('<strong>Configuration reload refused</strong> (SIGHUP');
      expect(pageHtml).toMatch(/unknown key &#39;pollr&#39;/);

      // 3. Through the API: the token is required; the web server's port needs a restart, the poller interval not.
      writeFileSync(
        cfg,
        yaml(['{ name: ace1, host: 192.0.2.1, contexts: [{ name: VC_WEB }] }'])
          .replace('http: { host: 127.0.0.1, port: 0,', 'http: { host: 127.0.0.1, port: 1,')
          // The audit interval is applied live: no restart needed for it.
          .replace('poller: { enabled: false }', 'poller: { enabled: false, interval_ms: 120000 }'),
      );
      expect((await fetch(`${base}/api/v1/reload`, { method: 'POST' })).status).toBe(401);
      const res = await fetch(`${base}/api/v1/reload`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TOKEN}` },
      });
      expect(res.status).toBe(200);
      const body = (await res.json()) as ReloadResult;
      expect(body.ok).toBe(true);
      expect(body.devicesRemoved).toEqual(['ace2']);
      // The removed device's jobs, its device-level audit (context '') included, are cancelled.
      expect(body.jobsCancelled).toBeGreaterThanOrEqual(1);
      const after = StoreReader.open(join(dir, 'state.db'));
      try {
        const jobs = after.db.prepare("SELECT context, state FROM jobs WHERE device = 'ace2'").all() as Array<{
          context: string;
          state: string;
        }>;
        expect(jobs).toEqual([{ context: '', state: 'cancelled' }]);
      } finally {
        after.close();
      }
      expect(body.restartNeeded).toEqual(['http.port']);
      expect(body.applied).toEqual(expect.arrayContaining(['devices', 'poller.interval_ms']));
      expect(body.applied).not.toContain('http.port');
      const warned = await r.waitForLog((l) => l.key === 'http.port' && String(l.msg).includes('after a restart'));
      expect(String(warned.why)).toMatch(/web server/);
      expect(await metric()).toBe('1');
      expect(await (await fetch(`${base}/`)).text()).not.toContain('config-refused');
      expect(await r.stop('SIGTERM')).toBe(0);
    },
  );
});
