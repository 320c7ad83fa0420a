/**
 * `poller.startup_spread_ms` reaches the audit scheduler of a real buildApp, at start and by a reload: with 0 every
 * device is due at once (an operator with a small estate, and the end-to-end tests that wait for first audits);
 * by default first audits are spread at random over min(interval_ms, 30 s).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { buildApp, type App } from '../../src/app/app.js';
import { configReloader } from '../../src/app/reload.js';
import { loadConfigFile } from '../../src/config/load.js';
import { silentLogger } from '../../src/core/log.js';
import { tempDir } from '../engine/helpers.js';

let app: App | undefined;
afterEach(async () => {
  await app?.stop();
  app = undefined;
});

const DEVICES = Array.from({ length: 20 }, (_, i) => `ace-${i}`);

function yaml(spread: number | undefined, devices: string[]): string {
  return [
    'syslog: { udp: { host: 127.0.0.1, port: 0 }, tcp: { enabled: false } }',
    'snmp: { enabled: false }',
    'http: { enabled: false }',
    `poller: { interval_ms: 600000${spread === undefined ? '' : `, startup_spread_ms: ${spread}`} }`,
    'store: { path: ./state.db }',
    'engine: { watch_rules: false, jobs: { workers: false } }',
    'devices:',
    ...devices.map((d, i) => `  - { name: ${d}, host: 127.0.0.${i + 2}, contexts: [{ name: VC_WEB }] }`),
    '',
  ].join('\n');
}

describe('poller.startup_spread_ms', () => {
  it('by default first audits spread over 30 s; 0 makes every device due at start, and an added one at a reload', async () => {
    const dir = tempDir('acesync-spread-');
    const file = join(dir, 'acesync.yaml');
    const due = (): Map<string, number> => new Map(app!.actions.scheduler.status().map((s) => [s.device, s.nextDueAt]));

    writeFileSync(file, yaml(undefined, DEVICES));
    const before = Date.now();
    const loaded = loadConfigFile(file, {});
    app = buildApp({ loaded, logger: silentLogger, env: {} });
    const spread = [...due().values()].map((t) => t - before);
    expect(Math.max(...spread)).toBeLessThanOrEqual(30_000 + (Date.now() - before));
    // 20 devices at random over 30 s: all within 100 ms of the start has a chance of (1/300)^20.
    expect(spread.filter((ms) => ms > 100).length).toBeGreaterThan(0);

    // A reload to 0 that adds a device: that device is due at once.
    await app.start();
    const reloader = configReloader(app, loaded, {});
    writeFileSync(file, yaml(0, [...DEVICES, 'ace-new']));
    const r = await reloader.reload('test');
    expect(r.problems).toEqual([]);
    expect(r.devicesAdded).toEqual(['ace-new']);
    expect(due().get('ace-new')).toBeLessThanOrEqual(Date.now());
    await app.stop();

    // 0 at start: every device due at once.
    writeFileSync(file, yaml(0, DEVICES));
    const at = Date.now();
    app = buildApp({ loaded: loadConfigFile(file, {}), logger: silentLogger, env: {} });
    const now = Date.now();
    for (const t of due().values()) {
      expect(t).toBeGreaterThanOrEqual(at);
      expect(t).toBeLessThanOrEqual(now);
    }
  });
});
