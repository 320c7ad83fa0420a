import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { AcesyncError } from '../../src/core/errors.js';
import { Inventory } from '../../src/inventory/inventory.js';
import { silentLogger } from '../../src/core/log.js';
import { EffectApplier } from '../../src/engine/apply-effects.js';
import { Processor } from '../../src/engine/processor.js';
import type { Ruleset } from '../../src/engine/types.js';
import { openDatabase } from '../../src/store/database.js';
import { MIGRATIONS, SCHEMA_VERSION, schemaVersion } from '../../src/store/migrations.js';
import { Store } from '../../src/store/store.js';
import { change, harness, PAIR_DEVICES, T0, tempDir, testConfig, type Harness } from '../engine/helpers.js';

const DAY = 86_400_000;
let h: Harness | undefined;
afterEach(() => {
  h?.close();
  h = undefined;
});

function open(path: string, devices = PAIR_DEVICES, clock = new ManualClock(T0)): Store {
  const config = testConfig({ devices });
  return Store.open({
    path,
    inventory: Inventory.fromConfig(config),
    clock,
    retention: config.store.retention,
    engine: config.engine,
  });
}

describe('migrations', () => {
  it('migrates an empty database, creates the folder, and re-opens an existing one without re-applying', () => {
    const path = join(tempDir(), 'nested', 'deeper', 'state.db');
    const s1 = open(path);
    expect(existsSync(path)).toBe(true);
    expect(schemaVersion(s1.db)).toBe(SCHEMA_VERSION);
    expect(s1.db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(s1.db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(s1.db.pragma('synchronous', { simple: true })).toBe(1); // NORMAL
    const tables = (
      s1.db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as Array<{
        name: string;
      }>
    ).map((r) => r.name);
    expect(tables).toEqual(
      expect.arrayContaining([
        'contexts',
        'decisions',
        'devices',
        'events',
        'ft_roles',
        'jobs',
        'timers',
        'config_versions',
        'throttles',
        'poll_cadence',
        'schema_version',
      ]),
    );
    s1.insertEvent({ kind: 'config-change', device: 'ace1', context: 'VC_WEB' }, T0);
    s1.close();
    const s2 = open(path);
    expect((s2.db.prepare('SELECT COUNT(*) AS n FROM schema_version').get() as { n: number }).n).toBe(
      MIGRATIONS.length,
    );
    expect(s2.event(1)!.kind).toBe('config-change');
    s2.close();
  });

  it('refuses a database from a newer acesync with a clear error', () => {
    const path = join(tempDir(), 'state.db');
    open(path).close();
    const raw = new BetterSqlite3(path);
    raw.prepare('INSERT INTO schema_version (version, name, applied_at) VALUES (999, ?, 0)').run('future');
    raw.close();
    expect(() => open(path)).toThrow(/schema version 999, newer than this acesync knows/);
  });

  it('a file that is not a database, or is empty, gives ACESYNC_STORE_UNSAFE and is left as it was', () => {
    for (const content of ['this is not sqlite, just text that is long enough to be read as a header........', '']) {
      const path = join(tempDir(), 'state.db');
      writeFileSync(path, content);
      try {
        open(path);
        expect.unreachable();
      } catch (err) {
        expect(err).toBeInstanceOf(AcesyncError);
        expect((err as AcesyncError).code).toBe('ACESYNC_STORE_UNSAFE');
        expect((err as Error).message).toMatch(content ? /is not an SQLite database/ : /is empty \(0 bytes\)/);
        expect((err as Error).message).toMatch(/host keys trusted on first use.*ANM baseline/);
      }
      expect(readFileSync(path, 'utf8')).toBe(content);
    }
  });

  it('a read-only database file gives ACESYNC_STORE_OPEN naming the file (non-root) ', () => {
    // root ignores file modes; test/store/read-only.test.ts covers it with a child process
    if (process.getuid?.() === 0) return;
    const path = join(tempDir(), 'state.db');
    open(path).close();
    chmodSync(path, 0o444);
    expect(() => open(path)).toThrow(/read-only/);
  });
});

describe('inventory reconciliation', () => {
  it('keeps the history of contexts that left the configuration and marks them not configured', () => {
    const path = join(tempDir(), 'state.db');
    const s1 = open(path);
    expect(s1.reconciled.contextsAdded).toBe(8);
    s1.close();
    const fewer = PAIR_DEVICES.map((d) => ({ ...d, contexts: d.contexts.filter((c) => c.name !== 'VC_DB') }));
    const s2 = open(path, fewer);
    expect(s2.reconciled.contextsUnconfigured).toBe(2);
    expect(s2.context('ace1', 'VC_DB')!.configured).toBe(false);
    expect(s2.context('ace1', 'VC_WEB')!.configured).toBe(true);
    expect(s2.view.groupContexts('ace1', 3)).toBeUndefined();
    expect(s2.view.groupContexts('ace1', 2)).toEqual(['VC_APP', 'VC_WEB']);
    s2.close();
  });
});

describe('transactions', () => {
  it('a failing apply leaves nothing half-written, in the database or in memory', () => {
    h = harness();
    const { store } = h;
    const before = store.decisions({ limit: 1000 }).length;
    expect(() =>
      store.transaction(() => {
        new EffectApplier(store).apply(
          {
            at: T0,
            facts: [{ kind: 'role', device: 'ace1', group: 2, role: 'ACTIVE' }],
            outcomes: [],
            effects: [
              { kind: 'mark', rule: 'r', device: 'ace1', context: 'VC_WEB', to: 'stale', reason: 'x' },
              {
                kind: 'job',
                rule: 'r',
                job: 'audit',
                device: 'ace1',
                context: 'VC_WEB',
                payload: {},
                priority: 10,
                dedupe: '',
                reason: 'x',
              },
              {
                kind: 'settle',
                rule: 'r',
                ruleHash: 'h',
                job: 'audit',
                device: 'ace2',
                context: 'VC_WEB',
                settleMs: 5000,
                maxWaitMs: 60000,
                priority: 10,
                payload: {},
                reason: 'x',
              },
            ],
          },
          {},
        );
        throw new Error('boom in the middle');
      }),
    ).toThrow('boom in the middle');
    expect(store.context('ace1', 'VC_WEB')!.sync).toBe('unknown');
    expect(store.view.role('ace1', 2)).toBeUndefined();
    expect(store.timers()).toHaveLength(0);
    expect(store.jobs.counts().pending).toBe(0);
    expect(store.decisions({ limit: 1000 })).toHaveLength(before);
    const row = store.db.prepare("SELECT sync FROM contexts WHERE device = 'ace1' AND name = 'VC_WEB'").get() as {
      sync: string;
    };
    expect(row.sync).toBe('unknown');
  });

  it('an event whose evaluation throws is stored, counted, and does not take the batch with it', () => {
    h = harness();
    const boom: Ruleset = {
      ...h.processor.ruleset,
      rules: [
        {
          name: 'explodes',
          file: 'x.yaml',
          priority: 0,
          order: 0,
          hash: 'h',
          kinds: new Set(['config-change']),
          when: {
            test: (e) => {
              if (e.context === 'VC_APP') throw new Error('rule bug');
              return false;
            },
            trace: () => ({ test: 'x', ok: false }),
          },
          actions: [],
        },
        ...h.processor.ruleset.rules,
      ],
    };
    h.processor.reload(boom);
    h.feed(change('ace1', 'VC_APP', 'a'), change('ace1', 'VC_WEB', 'b'));
    expect(h.processor.stats.errors).toBe(1);
    expect(h.processor.stats.stored).toBe(2);
    expect(h.sync('ace1', 'VC_APP')).toBe('unknown');
    expect(h.sync('ace1', 'VC_WEB')).toBe('suspect');
    expect(h.store.event(1)!.context).toBe('VC_APP');
  });

  it('a full disk is ACESYNC_STORE_WRITE, and the batch is not half-kept', () => {
    h = harness({ path: join(tempDir(), 'full.db') });
    const { store, processor } = h;
    const pages = store.db.pragma('page_count', { simple: true }) as number;
    store.db.pragma(`max_page_count = ${pages + 3}`);
    const big = Array.from({ length: 400 }, (_, i) => ({
      ...change('ace1', 'VC_WEB', `rserver host r${i}`),
      raw: 'x'.repeat(4000),
    }));
    let err: unknown;
    try {
      processor.handle(big);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(AcesyncError);
    expect((err as AcesyncError).code).toBe('ACESYNC_STORE_WRITE');
    expect((err as Error).message).toMatch(/full/);
    expect((store.db.prepare('SELECT COUNT(*) AS n FROM events').get() as { n: number }).n).toBe(0);
    expect(store.context('ace1', 'VC_WEB')!.sync).toBe('unknown');
  });

  it('a database that turned read-only while running is ACESYNC_STORE_WRITE', () => {
    h = harness({ path: join(tempDir(), 'ro.db') });
    h.store.db.pragma('query_only = ON');
    expect(() => h!.processor.handle([change('ace1', 'VC_WEB', 'x')])).toThrow(
      expect.objectContaining({ code: 'ACESYNC_STORE_WRITE', message: expect.stringMatching(/read-only/) }),
    );
  });
});

describe('retention', () => {
  it('prunes every growing table to its bound and keeps what must stay', () => {
    const config = testConfig({
      store: { retention: { events_days: 1, decisions_days: 2, jobs_days: 1, config_versions: 2, max_events: 1000 } },
    });
    h = harness({ config });
    const { store, clock } = h;
    // Old history...
    h.feed(change('ace1', 'VC_WEB', 'old'));
    h.advance(6000, 1000);
    const oldJob = store.jobs.claim({ types: ['audit'], limit: 1 })[0]!;
    store.jobs.complete(oldJob.id);
    for (let i = 0; i < 4; i++) store.versions.record('ace1', 'VC_WEB', `h${i}`, `v${i}`, clock.now() + i);
    store.recordAnmCopy('ace1', 'VC_WEB', 'h0', 'v0');
    store.db.prepare('INSERT INTO throttles (rule, key, until) VALUES (?, ?, ?)').run('r', 'k', clock.now() + 1000);
    // ... then 3 days later, new history and a flood of events beyond max_events.
    clock.advance(3 * DAY);
    const flood = Array.from({ length: 1200 }, (_, i) => change('ace2', 'VC_APP', `c${i}`));
    h.feed(...flood);
    const eventsBefore = (store.db.prepare('SELECT COUNT(*) AS n FROM events').get() as { n: number }).n;
    expect(eventsBefore).toBe(1201);
    const counts = store.prune(clock.now());
    const n = (t: string): number => (store.db.prepare(`SELECT COUNT(*) AS n FROM ${t}`).get() as { n: number }).n;
    expect(n('events')).toBe(1000);
    expect(counts.events).toBe(201);
    expect(store.event(1)).toBeUndefined();
    expect(counts.decisions).toBeGreaterThan(0);
    expect((store.db.prepare('SELECT MIN(at) AS m FROM decisions').get() as { m: number }).m).toBeGreaterThanOrEqual(
      clock.now() - 2 * DAY,
    );
    expect(store.jobs.get(oldJob.id)).toBeUndefined();
    // Newest two versions plus ANM's copy (the oldest) survive.
    expect(
      store.versions
        .list('ace1', 'VC_WEB')
        .map((v) => v.hash)
        .sort(),
    ).toEqual(['h0', 'h2', 'h3']);
    expect(store.anmCopy('ace1', 'VC_WEB')!.hash).toBe('h0');
    expect(n('throttles')).toBe(0);
    // Pending work is never pruned.
    expect(store.jobs.counts().pending).toBeGreaterThan(0);
  });

  it('the async pass gives the same result', async () => {
    h = harness();
    h.feed(change('ace1', 'VC_WEB', 'x'));
    h.clock.advance(100 * DAY);
    const counts = await h.store.pruneAsync(h.clock.now());
    expect(counts.events).toBe(1);
    expect(counts.decisions).toBeGreaterThan(0);
  });
});

describe('configuration history and ANM copy', () => {
  it('records versions, the ANM copy (one per context), and diffs any two', () => {
    h = harness();
    const { store } = h;
    store.versions.record('ace1', 'VC_WEB', 'a', 'line1\nline2\nline3\n', T0);
    store.versions.record('ace1', 'VC_WEB', 'b', 'line1\nline2 changed\nline3\n', T0 + 1);
    store.versions.record('ace1', 'VC_WEB', 'a', undefined, T0 + 2);
    store.recordAnmCopy('ace1', 'VC_WEB', 'a');
    store.recordAnmCopy('ace1', 'VC_WEB', 'b');
    expect(store.anmCopy('ace1', 'VC_WEB')!.hash).toBe('b');
    expect(store.context('ace1', 'VC_WEB')!.anmHash).toBe('b');
    expect(store.versions.list('ace1', 'VC_WEB').filter((v) => v.isAnm)).toHaveLength(1);
    expect(store.versions.get('ace1', 'VC_WEB', 'a')!.seenCount).toBe(3);
    expect(store.versions.diff('ace1', 'VC_WEB', 'a', 'b')).toBe(
      '--- ace1/VC_WEB@a\n+++ ace1/VC_WEB@b\n@@ -1,3 +1,3 @@\n line1\n-line2\n+line2 changed\n line3\n',
    );
    expect(store.versions.diff('ace1', 'VC_WEB', 'a', 'missing')).toBeUndefined();
  });
});

describe('read-only access for commands', () => {
  it('opens without writing and refuses an empty file', () => {
    const path = join(tempDir(), 'state.db');
    const s = open(path);
    s.close();
    const ro = openDatabase({ path, readonly: true });
    expect(() => ro.prepare('DELETE FROM events').run()).toThrow(/readonly/);
    ro.close();
    const empty = join(tempDir(), 'empty.db');
    new BetterSqlite3(empty).close();
    expect(() => openDatabase({ path: empty, readonly: true })).toThrow(/holds no acesync state/);
  });
});

describe('processor bookkeeping', () => {
  it('counts noise without storing it unless configured', () => {
    const config = testConfig();
    const clock = new ManualClock(T0);
    const store = Store.open({
      path: ':memory:',
      inventory: Inventory.fromConfig(config),
      clock,
      retention: config.store.retention,
      engine: config.engine,
    });
    const p1 = new Processor({ store, ruleset: harnessRules(), clock, logger: silentLogger });
    p1.handle([{ kind: 'noise', id: '302022' }, change('ace1', 'VC_WEB', 'x')]);
    expect(p1.stats.noise).toBe(1);
    expect(p1.stats.stored).toBe(1);
    const p2 = new Processor({ store, ruleset: harnessRules(), clock, logger: silentLogger, storeNoise: true });
    p2.handle([{ kind: 'noise', id: '302022' }]);
    expect(p2.stats.stored).toBe(1);
    expect((store.db.prepare("SELECT COUNT(*) AS n FROM events WHERE kind = 'noise'").get() as { n: number }).n).toBe(
      1,
    );
    store.close();
  });
});

function harnessRules(): Ruleset {
  const hh = harness();
  const r = hh.processor.ruleset;
  hh.close();
  return r;
}

describe('bounds on what events can create', () => {
  it('refuses bad context names and more than MAX_CONTEXTS_PER_DEVICE rows per device', async () => {
    const { MAX_CONTEXTS_PER_DEVICE } = await import('../../src/store/state-writes.js');
    h = harness();
    h.feed({
      kind: 'context-lifecycle',
      device: 'ace1',
      source: '10.0.0.1',
      context: 'bad name; drop table',
      change: 'added',
    });
    expect(h.store.context('ace1', 'bad name; drop table')).toBeUndefined();
    expect(h.records.some((r) => r.kind === 'note' && /bad name/.test(r.reason ?? ''))).toBe(true);
    const flood = Array.from({ length: MAX_CONTEXTS_PER_DEVICE + 50 }, (_, i) => ({
      kind: 'context-lifecycle' as const,
      transport: 'poll' as const,
      device: 'ace1',
      context: `VC_F${i}`,
      change: 'discovered' as const,
    }));
    h.feed(...flood);
    expect(h.store.contexts().filter((c) => c.device === 'ace1')).toHaveLength(MAX_CONTEXTS_PER_DEVICE);
    // Reaching the cap is said, naming what was refused, and alerted (once per 10 minutes).
    const refused = h.store.db
      .prepare("SELECT body FROM events WHERE kind = 'lifecycle-refused' ORDER BY id")
      .all() as Array<{ body: string }>;
    expect(refused).toHaveLength(54);
    expect(JSON.parse(refused[0]!.body).data).toMatchObject({
      reason: 'context-cap',
      target: `VC_F${MAX_CONTEXTS_PER_DEVICE - 4}`,
      limit: MAX_CONTEXTS_PER_DEVICE,
    });
    expect(h.actions('alert').filter((r) => r.rule === 'context-creation-refused')).toHaveLength(1);
  });
});

describe('stored event bodies', () => {
  it('are bounded: raw is cut first, then data fields too big to keep, then data as a whole', async () => {
    const { eventBody, MAX_EVENT_BYTES } = await import('../../src/store/store.js');
    const base = { kind: 'audit-result' as const, device: 'ace1', context: 'VC_APP' };
    const small = { ...base, raw: 'r'.repeat(100), data: { outcome: 'differs', hash: 'h1' } };
    expect(JSON.parse(eventBody(small))).toEqual(small);
    const bigRaw = JSON.parse(eventBody({ ...small, raw: 'r'.repeat(40_000) })) as { raw: string; data: unknown };
    expect(bigRaw.raw).toHaveLength(1025);
    expect(bigRaw.data).toEqual(small.data);
    const config = JSON.parse(
      eventBody({
        ...base,
        data: { outcome: 'differs', hash: 'h1', config: 'c'.repeat(40_000), diff: 'd'.repeat(2000) },
      }),
    ) as { data: unknown };
    expect(config.data).toEqual({
      outcome: 'differs',
      hash: 'h1',
      truncated: true,
      truncatedFields: ['config', 'diff'],
    });
    // Many small fields that together exceed the bound: nothing of data is kept.
    const many = Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`f${i}`, 'x'.repeat(500)]));
    const body = eventBody({ ...base, data: many });
    expect(body.length).toBeLessThanOrEqual(MAX_EVENT_BYTES);
    expect((JSON.parse(body) as { data: unknown }).data).toEqual({ truncated: true });
  });
});
