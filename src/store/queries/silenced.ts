/**
 * The contexts whose logging is silenced: those with a firing alert of one of the given
 * names (the web layer names them). One small indexed query (alerts_status), bounded, so
 * the page, the overview and the live updates (every check) can all afford it and agree.
 */
import type { Database } from 'better-sqlite3';
import { filteredFor } from '../statements.js';

export const MAX_SILENCED = 10_000;

/** Keys `device\u0000context` of contexts with a firing alert named in `alertnames`. */
export function silencedTargets(db: Database, alertnames: readonly string[]): Set<string> {
  const names = [...alertnames].slice(0, 20);
  if (names.length === 0) return new Set();
  const rows = filteredFor(db)
    .get(
      `SELECT DISTINCT device, context FROM alerts WHERE status = 'firing' AND context != ''
        AND alertname IN (${names.map(() => '?').join(', ')}) LIMIT ${MAX_SILENCED}`,
    )
    .all(...names) as Array<{ device: string; context: string }>;
  return new Set(rows.map((r) => `${r.device}\u0000${r.context}`));
}
