/**
 * Timers and jobs survive restarts: a settle window armed before a crash fires once after
 * it, in a new Processor on the same file and in a new `acesync start` after a kill -9.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock, systemClock } from '../../src/core/clock.js';
import { Inventory } from '../../src/inventory/inventory.js';
import { silentLogger } from '../../src/core/log.js';
import { loadRules } from '../../src/engine/loader.js';
import { Processor } from '../../src/engine/processor.js';
import { StoreReader } from '../../src/store/reader.js';
import { Store } from '../../src/store/store.js';
import { startCli, waitStarted, type Running } from '../helpers/cli.js';
import { change, DEFAULT_RULES, harness, T0, tempDir, testConfig } from './helpers.js';

const running: Running[] = [];
afterEach(async () => {
  // An exited child (signalled or not) has nothing left to stop.
  for (const r of running.splice(0))
    if (r.child.exitCode === null && r.child.signalCode === null) await r.stop('SIGKILL');
});

describe('restart in the middle of a settle window (same process, new Processor)', () => {
  it('the timer fires once, at its due time, from the new processor', () => {
    const path = join(tempDir(), 'state.db');
    const clock = new ManualClock(T0);
    const a = harness({ path, clock });
    a.feed(change('ace1', 'VC_WEB', 'rserver host r1'));
    a.advance(2000);
    a.feed(change('ace1', 'VC_WEB', 'inservice'));
    expect(a.store.timers().map((t) => t.due)).toEqual([T0 + 7000, T0 + 7000]);
    // "Crash": A is never closed or ticked again. B opens the same file.
    const b = harness({ path, clock: new ManualClock(T0 + 3000) });
    b.advance(3500);
    expect(b.actions('audit')).toHaveLength(0);
    b.advance(1000);
    expect(
      b
        .actions('audit')
        .map((r) => `${r.device}/${r.context}@${r.at - T0}`)
        .sort(),
    ).toEqual(['ace1/VC_WEB@7000', 'ace2/VC_WEB@7000']);
    b.advance(60_000, 1000);
    expect(b.actions('audit')).toHaveLength(2);
    expect(b.store.jobs.list({ type: 'audit' })).toHaveLength(2);
    expect(b.store.timers()).toHaveLength(0);
    b.close();
    a.close();
  });

  it('an expectation armed before the restart expires after it', () => {
    const path = join(tempDir(), 'state.db');
    const a = harness({ path });
    a.feed({ kind: 'ha-state', id: '727012', device: 'ace2', ftGroup: 3, state: 'ACTIVE' });
    a.close();
    const b = harness({ path, clock: new ManualClock(T0 + 20 * 60_000) });
    b.processor.tick();
    expect(
      b.records
        .filter((r) => r.kind === 'expect-expired')
        .map((r) => `${r.device}/${r.context}`)
        .sort(),
    ).toEqual(['ace1/VC_DB', 'ace2/VC_DB']);
    b.close();
  });
});

describe('kill -9 of acesync start in the middle of a window', () => {
  it('the next start fires the timer exactly once and retries the job that was running', async () => {
    const dir = tempDir('acesync-restart-');
    const dbPath = join(dir, 'state.db');
    const cfgPath = join(dir, 'acesync.yaml');
    const devices = [
      { name: 'ace1', host: '127.0.0.1', peer: 'ace2', contexts: [{ name: 'VC_WEB', ft_group: 2 }] },
      { name: 'ace2', host: '127.0.0.2', peer: 'ace1', contexts: [{ name: 'VC_WEB', ft_group: 2 }] },
    ];
    const settleMs = 6000;
    writeFileSync(
      cfgPath,
      JSON.stringify({
        rules: DEFAULT_RULES,
        store: { path: dbPath },
        syslog: { udp: { host: '127.0.0.1', port: 0 }, tcp: { enabled: false } },
        snmp: { enabled: false },
        http: { enabled: false },
        poller: { enabled: false },
        log: { level: 'info' },
        engine: { default_settle_ms: settleMs, watch_rules: false, tick_interval_ms: 50, jobs: { workers: false } },
        devices,
      }),
    );
    // Before the crash: a change arms the settle window; an upload is running.
    const config = testConfig({ devices, engine: { default_settle_ms: settleMs } });
    const store = Store.open({
      path: dbPath,
      inventory: Inventory.fromConfig(config),
      clock: systemClock,
      retention: config.store.retention,
      engine: config.engine,
    });
    const p = new Processor({
      store,
      ruleset: loadRules(DEFAULT_RULES, { engine: config.engine }),
      clock: systemClock,
      logger: silentLogger,
    });
    p.handle([change('ace1', 'VC_WEB', 'serverfarm SF1')]);
    const upload = store.jobs.enqueue({ type: 'upload', device: 'ace1', context: 'VC_WEB', priority: 10 }).job;
    store.jobs.claim({ types: ['upload'], limit: 1 });
    const due = store.timers()[0]!.due;
    store.close();

    const first = startCli(['start', '--config', cfgPath]);
    running.push(first);
    await waitStarted(first);
    first.child.kill('SIGKILL');
    await new Promise((r) => first.child.once('exit', r));
    expect(Date.now()).toBeLessThan(due); // killed inside the window
    let reader = StoreReader.open(dbPath);
    expect(reader.db.prepare('SELECT COUNT(*) AS n FROM timers').get()).toEqual({ n: 2 });
    reader.close();

    const second = startCli(['start', '--config', cfgPath]);
    running.push(second);
    await waitStarted(second);
    await second.waitForLog((l) => l.msg === 'action' && l.action === 'audit' && l.device === 'ace2', 15_000);
    // Let a few more ticks pass: nothing fires twice.
    await new Promise((r) => setTimeout(r, 500));
    expect(await second.stop('SIGTERM')).toBe(0);

    reader = StoreReader.open(dbPath);
    const audits = reader.db
      .prepare("SELECT device, context, state FROM jobs WHERE type = 'audit' ORDER BY device")
      .all();
    expect(audits).toEqual([
      { device: 'ace1', context: 'VC_WEB', state: 'pending' },
      { device: 'ace2', context: 'VC_WEB', state: 'pending' },
    ]);
    expect(
      reader.db.prepare("SELECT COUNT(*) AS n FROM decisions WHERE kind = 'action' AND action = 'audit'").get(),
    ).toEqual({ n: 2 });
    expect(reader.db.prepare('SELECT COUNT(*) AS n FROM timers').get()).toEqual({ n: 0 });
    const fired = reader.db
      .prepare("SELECT at FROM decisions WHERE kind = 'action' AND action = 'audit'")
      .all() as Array<{ at: number }>;
    expect(fired.every((f) => f.at >= due)).toBe(true);
    // The upload that was running at the kill is due again, its attempt counted.
    const u = reader.db.prepare('SELECT state, attempts FROM jobs WHERE id = ?').get(upload.id);
    expect(u).toEqual({ state: 'pending', attempts: 1 });
    reader.close();
  });
});
