/**
 * After a configuration reload the page, API and readiness describe the new configuration, not the one the web
 * server was built with: the logging-drift detail of /readyz follows `poller.expected_logging.hosts`, and the ANM
 * section of /api/v1/anm/unknown and the transport warnings follow `anm.*` (real buildApp, real HTTP on loopback).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { buildApp, type App } from '../../src/app/app.js';
import { configReloader } from '../../src/app/reload.js';
import { loadConfigFile } from '../../src/config/load.js';
import { silentLogger } from '../../src/core/log.js';
import { freeTcpPort } from '../helpers/wait.js';
import { tempDir } from '../engine/helpers.js';

let app: App | undefined;
afterEach(async () => {
  await app?.stop();
  app = undefined;
});

const ENV = { ANM_PASSWORD: 'anm-secret-0123456789' };

function yaml(httpPort: number, o: { hosts: string[]; anm: boolean }): string {
  return [
    'syslog: { udp: { host: 127.0.0.1, port: 0 }, tcp: { enabled: false } }',
    'snmp: { enabled: false }',
    `http: { enabled: true, host: 127.0.0.1, port: ${httpPort} }`,
    `poller: { interval_ms: 600000, expected_logging: { hosts: [${o.hosts.join(', ')}] } }`,
    'store: { path: ./state.db }',
    'engine: { watch_rules: false, jobs: { workers: false } }',
    o.anm
      ? 'anm: { enabled: true, url: "https://127.0.0.1:9", username: acesync, password_env: ANM_PASSWORD, insecure: true }'
      : 'anm: { enabled: false }',
    'devices:',
    '  - { name: ace-a, host: 127.0.0.2, contexts: [{ name: VC_WEB }] }',
    '',
  ].join('\n');
}

describe('reload: the web server describes the configuration in effect', () => {
  it('readiness and the ANM API follow a reload', { timeout: 30_000 }, async () => {
    const dir = tempDir('acesync-reload-web-');
    const file = join(dir, 'acesync.yaml');
    const port = await freeTcpPort();
    const base = `http://127.0.0.1:${port}`;
    const get = async (path: string): Promise<Record<string, unknown>> =>
      (await (await fetch(base + path, { signal: AbortSignal.timeout(5_000) })).json()) as Record<string, unknown>;
    writeFileSync(file, yaml(port, { hosts: [], anm: false }));
    const loaded = loadConfigFile(file, ENV);
    app = buildApp({ loaded, logger: silentLogger, env: ENV });
    const reloader = configReloader(app, loaded, ENV);
    await app.start();

    const before = await get('/readyz');
    expect((before.checks as Record<string, unknown>).logging_drift).toMatch(/logging drift is NOT checked/);
    expect(before.warnings).toBeUndefined();
    expect((await get('/api/v1/anm/unknown')).enabled).toBe(false);

    writeFileSync(file, yaml(port, { hosts: ['192.0.2.10'], anm: true }));
    const r = await reloader.reload('test');
    expect(r.problems).toEqual([]);
    expect(r.ok).toBe(true);

    const after = await get('/readyz');
    expect((after.checks as Record<string, unknown>).logging_drift).toBeUndefined();
    expect(after.warnings).toEqual([expect.stringMatching(/insecure/)]);
    expect((await get('/api/v1/anm/unknown')).enabled).toBe(true);
  });
});
