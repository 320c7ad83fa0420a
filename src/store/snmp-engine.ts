/**
 * SNMP engine state kept in the database:
 * - snmpEngineBoots of acesync's own engine (RFC 3414 §2.2.2: it must survive restarts and
 *   grow at each; in memory only, every start would be boot 1 again and an inform captured in
 *   an earlier run would be timely once more);
 * - the latest boots/time accepted from each trap sender (RFC 3414 §2.3), so a trap captured
 *   before a restart is not a first contact after it.
 */
import type { Database } from 'better-sqlite3';
import { storeWriteError } from './database.js';
import { preparedFor } from './statements.js';

/** RFC 3414 §2.2.2: boots latches at 2^31-1 (the engine is then never in the time window). */
const MAX_BOOTS = 2 ** 31 - 1;

const SQL = {
  nextBoots: `INSERT INTO snmp_engine (engine_id, boots, booted_at) VALUES (?, 1, ?)
    ON CONFLICT(engine_id) DO UPDATE SET boots = MIN(boots + 1, ${MAX_BOOTS}), booted_at = excluded.booted_at
    RETURNING boots`,
  loadRemote:
    'SELECT engine_id AS engineId, boots, time, seen_at AS at FROM snmp_remote_engines ORDER BY seen_at DESC LIMIT ?',
  // Only ever forward: a stored notion is replaced by a later one, never by an older one.
  saveRemote: `INSERT INTO snmp_remote_engines (engine_id, boots, time, seen_at) VALUES (?, ?, ?, ?)
    ON CONFLICT(engine_id) DO UPDATE SET boots = excluded.boots, time = excluded.time, seen_at = excluded.seen_at
    WHERE excluded.boots > boots OR (excluded.boots = boots AND excluded.time > time)`,
} as const;

/** Increment and return this engine's boots (1 on its first start), in one statement. */
export function nextSnmpEngineBoots(db: Database, engineId: string, now: number, path = '(store)'): number {
  try {
    const row = preparedFor(db, SQL).nextBoots.get(engineId.toLowerCase(), now) as { boots: number };
    return row.boots;
  } catch (err) {
    throw storeWriteError(err, path);
  }
}

/** Our notion of one trap sender's engine clock. */
export interface RemoteEngineRow {
  engineId: string;
  boots: number;
  time: number;
  /** Local clock (ms) when `time` was received. */
  at: number;
}

/** The remembered trap senders, most recently advanced first, at most `limit`. */
export function loadRemoteEngines(db: Database, limit: number): RemoteEngineRow[] {
  return preparedFor(db, SQL).loadRemote.all(limit) as RemoteEngineRow[];
}

/** Upsert notions in one transaction. */
export function saveRemoteEngines(db: Database, rows: RemoteEngineRow[], path = '(store)'): void {
  if (rows.length === 0) return;
  try {
    const upsert = preparedFor(db, SQL).saveRemote;
    db.transaction(() => {
      for (const r of rows) upsert.run(r.engineId, r.boots, r.time, r.at);
    })();
  } catch (err) {
    throw storeWriteError(err, path);
  }
}
