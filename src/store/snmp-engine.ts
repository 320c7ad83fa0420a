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
