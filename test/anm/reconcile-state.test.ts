/**
 * The reconcile with ANM's inventory as state, in the running service against the ANM
 * simulator: at start and on the schedule, the contexts ANM does not know are stored, shown
 * by GET /api/v1/anm/unknown and on the page, and raise ONE alert however many contexts and
 * runs; once ANM imports them they disappear.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type App } from '../../src/app/app.js';
import { configSchema } from '../../src/config/schema.js';
import { silentLogger } from '../../src/core/log.js';
import type { AnmSimulator } from '../../src/sim/anm/server.js';
import { DEFAULT_RULES, tempDir } from '../engine/helpers.js';
import { until } from '../helpers/wait.js';
import { ANM_PW_ENV, ANM_USER, ENV, startSim } from './fixture.js';

let sim: AnmSimulator;
let app: App;

beforeAll(async () => {
  sim = await startSim();
  const dir = tempDir('acesync-anm-reconcile-');
  const config = configSchema.parse({
    rules: DEFAULT_RULES,
    store: { path: join(dir, 'state.db') },
    syslog: { udp: { enabled: false }, tcp: { enabled: false } },
    snmp: { enabled: false },
    http: { host: '127.0.0.1', port: 0 },
    engine: { watch_rules: false, jobs: { workers: false } },
    poller: { enabled: false },
    anm: {
      enabled: true,
      url: sim.url,
      username: ANM_USER,
      password_env: ANM_PW_ENV,
      timeout_ms: 2000,
      reconcile_interval_ms: 1000,
      strategy: { type: 'manual' },
    },
    // ANM (the fixture) knows ace-a at 10.1.1.1 with Admin and VC_WEB only.
    devices: [
      { name: 'ace-a', host: '10.1.1.1', contexts: [{ name: 'VC_WEB' }, { name: 'VC_NEW' }, { name: 'VC_TWO' }] },
    ],
  });
  app = buildApp({ loaded: { config, baseDir: dir, file: join(dir, 'acesync.yaml') }, logger: silentLogger, env: ENV });
  await app.start();
});
afterAll(async () => {
  await app?.stop();
  await sim?.close();
});

const firing = () =>
  app.notifier.alerts.list({ status: 'firing', limit: 100 }).filter((a) => a.alertname === 'AnmUnknownContexts');

describe('reconcile with ANM as state', () => {
  it('stores, shows and alerts once on the contexts ANM does not know', async () => {
    const first = await until('a first reconcile', () => app.store.anmInventory.lastRun(), 10_000);
    expect(first.ok).toBe(true);
    expect(app.store.anmInventory.unknown().map((u) => `${u.device}/${u.context}`)).toEqual([
      'ace-a/VC_NEW',
      'ace-a/VC_TWO',
    ]);
    // A second scheduled run re-raises: still one alert.
    await until('a second reconcile', () => app.store.anmInventory.lastRun()!.at > first.at, 10_000);
    await until('the alert', () => firing().length > 0, 10_000);
    await app.notifier.tick();
    expect(firing()).toHaveLength(1);
    expect(firing()[0]!.annotations.summary).toContain(
      'ANM does not know 2 configured context(s): ace-a/VC_NEW, ace-a/VC_TWO',
    );

    const api = (await app.web!.inject('/api/v1/anm/unknown')).json() as {
      enabled: boolean;
      lastRun: { ok: boolean; matched: number };
      items: Array<{ device: string; context: string; host: string }>;
    };
    expect(api.enabled).toBe(true);
    expect(api.lastRun).toMatchObject({ ok: true, matched: 2 });
    expect(api.items.map((i) => [i.device, i.context, i.host])).toEqual([
      ['ace-a', 'VC_NEW', '10.1.1.1'],
      ['ace-a', 'VC_TWO', '10.1.1.1'],
    ]);
    expect((await app.web!.inject('/')).body).toContain(
      'ANM does not know 2 configured context(s): ace-a/VC_NEW, ace-a/VC_TWO',
    );
  });

  it('forgets them once ANM has imported them', async () => {
    const dev = sim.state.findDevice('ace-a', '10.1.1.1')!;
    sim.state.importContexts(dev, ['VC_NEW', 'VC_TWO']);
    await until('ANM knows them', () => app.store.anmInventory.unknown().length === 0, 10_000);
    const api = (await app.web!.inject('/api/v1/anm/unknown')).json() as { items: unknown[] };
    expect(api.items).toEqual([]);
    expect((await app.web!.inject('/')).body).not.toContain('data-notice><strong>Warning</strong>: ANM does not know');
    // The one alert resolves by itself: a later reconcile found nothing missing.
    await until('the alert resolved', async () => (await app.notifier.tick(), firing().length === 0), 10_000);
    const resolved = app.notifier.alerts
      .list({ status: 'resolved', limit: 10 })
      .find((a) => a.alertname === 'AnmUnknownContexts');
    expect(resolved).toBeDefined();
  });
});
