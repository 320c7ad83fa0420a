import { join } from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/core/log.js';
import {
  BOUND_PAGES,
  DEFAULT_AUTOCHECKPOINT_PAGES,
  WalCheckpointer,
  type CheckpointReport,
} from '../../src/store/checkpointer.js';
import { openDatabase, type Database } from '../../src/store/database.js';
import { until } from '../helpers/wait.js';
import { tempDir } from '../engine/helpers.js';

let db: Database | undefined;
let cp: WalCheckpointer | undefined;
afterEach(async () => {
  await cp?.stop();
  db?.close();
  cp = undefined;
  db = undefined;
});

const autocheckpoint = (d: Database): number => Number(d.pragma('wal_autocheckpoint', { simple: true }));

function setup(): { path: string; reports: CheckpointReport[] } {
  const path = join(tempDir(), 'state.db');
  db = openDatabase({ path, now: 0 });
  db.exec('CREATE TABLE t (x TEXT)');
  const reports: CheckpointReport[] = [];
  cp = new WalCheckpointer({ db, path, logger: silentLogger, intervalMs: 20, onReport: (r) => reports.push(r) });
  return { path, reports };
}

describe('WalCheckpointer', () => {
  it('checkpoints the WAL from its own thread while it runs; commits checkpoint only as a bound', async () => {
    const { reports } = setup();
    expect(autocheckpoint(db!)).toBe(DEFAULT_AUTOCHECKPOINT_PAGES);
    await cp!.start();
    expect(autocheckpoint(db!)).toBe(BOUND_PAGES);
    const insert = db!.prepare('INSERT INTO t VALUES (?)');
    db!.transaction(() => {
      for (let i = 0; i < 2000; i++) insert.run('x'.repeat(200));
    })();
    // Frames this thread's commit wrote reach the database file by the checkpointer's hand.
    const done = await until('a checkpoint that copied the whole WAL', () =>
      reports.find((r) => r.busy === 0 && r.log > 50 && r.checkpointed === r.log),
    );
    expect(done.checkpointed).toBeGreaterThan(50);
    await cp!.stop();
    expect(cp!.worker).toBeUndefined();
    expect(autocheckpoint(db!)).toBe(DEFAULT_AUTOCHECKPOINT_PAGES);
    expect(db!.prepare('SELECT count(*) AS n FROM t').get()).toEqual({ n: 2000 });
  });

  it('a thread that dies gives commits their automatic checkpoint back', async () => {
    setup();
    await cp!.start();
    expect(autocheckpoint(db!)).toBe(BOUND_PAGES);
    await cp!.worker!.terminate();
    await until('the default restored', () => autocheckpoint(db!) === DEFAULT_AUTOCHECKPOINT_PAGES);
    expect(cp!.worker).toBeUndefined();
  });

  it('a checkpoint that keeps failing is logged once a minute, with the count, not at every attempt', async () => {
    const path = join(tempDir(), 'state.db');
    db = openDatabase({ path, now: 0 });
    const lines: Array<Record<string, unknown>> = [];
    const logger = pino({ level: 'warn' }, { write: (l: string) => void lines.push(JSON.parse(l)) });
    cp = new WalCheckpointer({ db, path, logger, intervalMs: 60_000 });
    await cp.start();
    // What the thread posts after each failed attempt (every intervalMs).
    for (let i = 0; i < 5; i++) cp.worker!.emit('message', { type: 'error', message: 'disk I/O error' });
    const failed = lines.filter((l) => l.msg === 'WAL checkpoint failed');
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ failures: 1, err: { message: 'disk I/O error' } });
  });
});
