/**
 * With devices configured but `poller.expected_logging.hosts` empty, silenced syslog would go
 * unnoticed: the service says so at start (log warn), in /readyz (a detail, still ready) and on
 * the page. With hosts listed, none of the three says it.
 */
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { buildApp, type App } from '../../src/app/app.js';
import { configSchema } from '../../src/config/schema.js';
import { pino } from 'pino';
import { DEFAULT_RULES, tempDir } from './helpers.js';

let app: App | undefined;
afterEach(async () => {
  await app?.stop();
  app = undefined;
});

async function started(hosts: string[]): Promise<{ app: App; logs: string[] }> {
  const dir = tempDir('acesync-drift-');
  const config = configSchema.parse({
    rules: DEFAULT_RULES,
    store: { path: join(dir, 'state.db') },
    syslog: { udp: { enabled: false }, tcp: { enabled: false } },
    snmp: { enabled: false },
    http: { host: '127.0.0.1', port: 0 },
    engine: { watch_rules: false, jobs: { workers: false } },
    poller: { enabled: true, expected_logging: { hosts } },
    devices: [{ name: 'ace1', host: '192.0.2.1', contexts: [{ name: 'VC_WEB' }] }],
  });
  const out = new PassThrough();
  const logs: string[] = [];
  out.on('data', (c: Buffer) => logs.push(...c.toString('utf8').split('\n').filter(Boolean)));
  const a = buildApp({
    loaded: { config, baseDir: dir, file: join(dir, 'acesync.yaml') },
    logger: pino({ level: 'warn' }, out),
  });
  app = a;
  await a.start();
  return { app: a, logs };
}

describe('logging drift not checked', () => {
  it('warns at start, in /readyz and on the page when expected_logging.hosts is empty', async () => {
    const { app: a, logs } = await started([]);
    await new Promise((r) => setImmediate(r));
    const warn = logs
      .map((l) => JSON.parse(l) as { level: number; msg: string })
      .find((l) => /NOT checked/.test(l.msg));
    expect(warn?.level).toBe(40);
    const ready = await a.web!.inject('/readyz');
    expect(ready.statusCode).toBe(200);
    const body = ready.json() as { ready: boolean; checks: Record<string, unknown> };
    expect(body.ready).toBe(true);
    expect(String(body.checks.logging_drift)).toContain('poller.expected_logging.hosts is empty');
    const pageHtml = (await a.web!.inject('/')).body;
    expect(pageHtml).toMatch(/<li data-notice><strong>Warning<\/strong>: logging drift is NOT checked/);
  });

  it('says nothing when the hosts are listed', async () => {
    const { app: a, logs } = await started(['192.0.2.10']);
    await new Promise((r) => setImmediate(r));
    expect(logs.some((l) => l.includes('NOT checked'))).toBe(false);
    const body = (await a.web!.inject('/readyz')).json() as { checks: Record<string, unknown> };
    expect(body.checks.logging_drift).toBeUndefined();
    expect((await a.web!.inject('/')).body).not.toContain('data-notice');
  });
});
