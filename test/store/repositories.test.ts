/**
 * The store's one door to SQL: the statement-map helpers, and the repository methods that took over the
 * SQL notify/ and web/ used to prepare themselves (event/decision cursors, the signals window, the outbox's
 * clean-up of unconfigured webhooks and its shutdown refund). Real SQLite files.
 */
import { join } from 'node:path';
import type { Database } from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/store/database.js';
import { AlertStore } from '../../src/store/alerts.js';
import { EventReads } from '../../src/store/event-reads.js';
import { MetricsReads } from '../../src/store/metrics-reads.js';
import { OutboxStore } from '../../src/store/outbox.js';
import { FilteredStatements, filteredFor, prepareAll, preparedFor } from '../../src/store/statements.js';
import { T0, tempDir } from '../engine/helpers.js';

let db: Database | undefined;
afterEach(() => {
  db?.close();
  db = undefined;
});

function open(): Database {
  db = openDatabase({ path: join(tempDir(), 'state.db'), now: T0 });
  return db;
}

function insertEvent(d: Database, kind: string, device: string | null, body: object): number {
  const r = d
    .prepare('INSERT INTO events (received_at, kind, msg_id, device, context, body) VALUES (?, ?, NULL, ?, ?, ?)')
    .run(T0, kind, device, 'VC_1', JSON.stringify(body));
  return Number(r.lastInsertRowid);
}

describe('statement maps', () => {
  it('prepareAll prepares one statement per key of the table', () => {
    const d = open();
    const s = prepareAll(d, { one: 'SELECT 1 AS v', two: 'SELECT 2 AS v' } as const);
    expect(Object.keys(s).sort()).toEqual(['one', 'two']);
    expect(s.one.get()).toEqual({ v: 1 });
    expect(s.two.get()).toEqual({ v: 2 });
    expect(() => prepareAll(d, { bad: 'SELECT * FROM no_such_table' } as const)).toThrow(/no_such_table/);
  });

  it('preparedFor and filteredFor prepare once per database', () => {
    const d = open();
    const table = { one: 'SELECT 1 AS v' } as const;
    expect(preparedFor(d, table).one).toBe(preparedFor(d, table).one);
    expect(filteredFor(d)).toBe(filteredFor(d));
    const f = new FilteredStatements(d, 2);
    const a = f.get('SELECT 1');
    expect(f.get('SELECT 1')).toBe(a);
    f.get('SELECT 2');
    f.get('SELECT 3'); // over the bound: the cache starts again
    expect(f.get('SELECT 1')).not.toBe(a);
  });
});

describe('event and decision cursors', () => {
  it('reads the newest ids and the events of some kinds inside an id window', () => {
    const d = open();
    const reads = new EventReads(d);
    const metrics = new MetricsReads(d);
    expect(reads.maxEventId()).toBe(0);
    expect(reads.maxDecisionId()).toBe(0);
    const a = insertEvent(d, 'logging-drift', 'ace1', { data: { missing: [] } });
    insertEvent(d, 'config-change', 'ace1', {});
    const c = insertEvent(d, 'crypto-parity', 'ace2', { data: { ok: true } });
    const e = insertEvent(d, 'logging-drift', 'ace2', {});
    expect(reads.maxEventId()).toBe(e);
    expect(metrics.maxId('events')).toBe(e);
    const rows = reads.eventsOfKinds(a, c, ['logging-drift', 'crypto-parity']);
    expect(rows.map((r) => [r.kind, r.device])).toEqual([['crypto-parity', 'ace2']]);
    expect(reads.eventsOfKinds(0, e, ['logging-drift']).map((r) => r.device)).toEqual(['ace1', 'ace2']);
    expect(metrics.eventsByKind(a).sort((x, y) => x.kind.localeCompare(y.kind))).toEqual([
      { kind: 'config-change', n: 1, m: a + 1 },
      { kind: 'crypto-parity', n: 1, m: c },
      { kind: 'logging-drift', n: 1, m: e },
    ]);
  });
});

describe('outbox clean-up', () => {
  function delivery(outbox: OutboxStore, webhook: string): number {
    return outbox.enqueueDelivery({
      webhook,
      groupKey: 'g',
      alertStatus: 'firing',
      items: [],
      body: '{}',
      maxAttempts: 5,
      at: T0,
    });
  }

  it('fails undelivered notifications and drops groups of webhooks no longer configured', () => {
    const d = open();
    const outbox = new OutboxStore(d, new AlertStore(d));
    const kept = delivery(outbox, 'kept');
    const gone = delivery(outbox, 'gone');
    for (const webhook of ['kept', 'gone'])
      outbox.putGroup({
        webhook,
        groupKey: 'g',
        groupLabels: {},
        createdAt: T0,
        nextFlushAt: T0,
        lastItems: [],
      });
    outbox.dropUnconfigured(new Set(['kept']), T0 + 1);
    expect(outbox.delivery(kept)?.status).toBe('pending');
    expect(outbox.delivery(gone)).toMatchObject({ status: 'failed', lastError: 'webhook no longer configured' });
    expect(outbox.groups('kept')).toHaveLength(1);
    expect(outbox.groups('gone')).toHaveLength(0);
  });

  it('gives back the attempt a shutdown interrupted, never below zero', () => {
    const d = open();
    const outbox = new OutboxStore(d, new AlertStore(d));
    const id = delivery(outbox, 'w');
    expect(outbox.markSending(id, T0)).toBe(true);
    expect(outbox.delivery(id)?.attempts).toBe(1);
    outbox.refundAttempt(id);
    expect(outbox.delivery(id)?.attempts).toBe(0);
    outbox.refundAttempt(id);
    expect(outbox.delivery(id)?.attempts).toBe(0);
  });
});
