/**
 * snmpEngineBoots of acesync's SNMP engine, kept in the database (RFC 3414 §2.2.2: it must
 * survive restarts and grow at each; in memory only, every start would be boot 1 again and
 * an inform captured in an earlier run would be timely once more).
 */
import type { Database } from 'better-sqlite3';
import { storeWriteError } from './database.js';

/** RFC 3414 §2.2.2: boots latches at 2^31-1 (the engine is then never in the time window). */
const MAX_BOOTS = 2 ** 31 - 1;

/** Increment and return this engine's boots (1 on its first start), in one statement. */
export function nextSnmpEngineBoots(db: Database, engineId: string, now: number, path = '(store)'): number {
  try {
    const row = db
      .prepare(
        `INSERT INTO snmp_engine (engine_id, boots, booted_at) VALUES (?, 1, ?)
         ON CONFLICT(engine_id) DO UPDATE SET boots = MIN(boots + 1, ${MAX_BOOTS}), booted_at = excluded.booted_at
         RETURNING boots`,
      )
      .get(engineId.toLowerCase(), now) as { boots: number };
    return row.boots;
  } catch (err) {
    throw storeWriteError(err, path);
  }
}

/** Our notion of one trap sender's engine clock (RFC 3414 §2.3). */
export interface RemoteEngineRow {
  engineId: string;
  boots: number;
  time: number;
  /** Local clock (ms) when `time` was received. */
  at: number;
}

/** The remembered trap senders, most recently advanced first, at most `limit`. */
export function loadRemoteEngines(db: Database, limit: number): RemoteEngineRow[] {
  return db
    .prepare(
      'SELECT engine_id AS engineId, boots, time, seen_at AS at FROM snmp_remote_engines ORDER BY seen_at DESC LIMIT ?',
    )
    .all(limit) as RemoteEngineRow[];
}

/** Upsert notions in one transaction (only ever forward: a row is replaced by a later one). */
export function saveRemoteEngines(db: Database, rows: RemoteEngineRow[], path = '(store)'): void {
  if (rows.length === 0) return;
  try {
    const upsert = db.prepare(
      `INSERT INTO snmp_remote_engines (engine_id, boots, time, seen_at) VALUES (?, ?, ?, ?)
       ON CONFLICT(engine_id) DO UPDATE SET boots = excluded.boots, time = excluded.time, seen_at = excluded.seen_at
       WHERE excluded.boots > boots OR (excluded.boots = boots AND excluded.time > time)`,
    );
    db.transaction(() => {
      for (const r of rows) upsert.run(r.engineId, r.boots, r.time, r.at);
    })();
  } catch (err) {
    throw storeWriteError(err, path);
  }
}
