/**
 * The result of the last reconcile with ANM's inventory, as state: when it ran, whether ANM
 * answered, and which configured contexts ANM does not know (with when each was first seen
 * missing, so a context that has been missing for days stands out). One writer (the
 * reconcile loop), many readers (API, page).
 */
import type { Database, Statement } from 'better-sqlite3';

export interface AnmUnknownContext {
  device: string;
  context: string;
  host: string;
  firstSeen: number;
  lastSeen: number;
}

export interface AnmReconcileRun {
  at: number;
  ok: boolean;
  error?: string;
  matched: number;
  /** Contexts ANM lists that acesync's configuration does not have. */
  anmOnly: number;
}

export interface ReconcileOutcome {
  ok: true;
  matched: number;
  anmOnly: number;
  missing: Array<{ device: string; context: string; host: string }>;
}

const MAX_UNKNOWN = 10_000;

export class AnmInventoryStore {
  readonly #db: Database;
  readonly #run: Statement;
  readonly #getRun: Statement;
  readonly #list: Statement;
  readonly #upsert: Statement;
  readonly #clearOld: Statement;

  constructor(db: Database) {
    this.#db = db;
    this.#run = db.prepare(
      'INSERT INTO anm_reconcile (id, at, ok, error, matched, anm_only) VALUES (1, ?, ?, ?, ?, ?) ' +
        'ON CONFLICT(id) DO UPDATE SET at = excluded.at, ok = excluded.ok, error = excluded.error, ' +
        'matched = excluded.matched, anm_only = excluded.anm_only',
    );
    this.#getRun = db.prepare('SELECT at, ok, error, matched, anm_only FROM anm_reconcile WHERE id = 1');
    this.#list = db.prepare(
      'SELECT device, context, host, first_seen, last_seen FROM anm_unknown_contexts ORDER BY device, context LIMIT ?',
    );
    this.#upsert = db.prepare(
      'INSERT INTO anm_unknown_contexts (device, context, host, first_seen, last_seen) VALUES (?, ?, ?, ?, ?) ' +
        'ON CONFLICT(device, context) DO UPDATE SET host = excluded.host, last_seen = excluded.last_seen',
    );
    this.#clearOld = db.prepare('DELETE FROM anm_unknown_contexts WHERE last_seen < ?');
  }

  /** Record a reconcile that ANM answered: the missing set replaces the previous one. */
  recordOutcome(r: ReconcileOutcome, now: number): void {
    this.#db.transaction(() => {
      this.#run.run(now, 1, null, r.matched, r.anmOnly);
      for (const m of r.missing.slice(0, MAX_UNKNOWN)) this.#upsert.run(m.device, m.context, m.host, now, now);
      this.#clearOld.run(now);
    })();
  }

  /** Record a reconcile ANM did not answer: the last known missing set is kept (it is still the best we know). */
  recordFailure(error: string, now: number): void {
    const prev = this.lastRun();
    this.#run.run(now, 0, error.slice(0, 500), prev?.matched ?? 0, prev?.anmOnly ?? 0);
  }

  lastRun(): AnmReconcileRun | undefined {
    const r = this.#getRun.get() as
      { at: number; ok: number; error: string | null; matched: number; anm_only: number } | undefined;
    if (!r) return undefined;
    return {
      at: r.at,
      ok: r.ok === 1,
      ...(r.error !== null ? { error: r.error } : {}),
      matched: r.matched,
      anmOnly: r.anm_only,
    };
  }

  unknown(limit = 1000): AnmUnknownContext[] {
    return (
      this.#list.all(limit) as Array<{
        device: string;
        context: string;
        host: string;
        first_seen: number;
        last_seen: number;
      }>
    ).map((r) => ({
      device: r.device,
      context: r.context,
      host: r.host,
      firstSeen: r.first_seen,
      lastSeen: r.last_seen,
    }));
  }
}
