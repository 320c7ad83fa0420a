/**
 * Retention: every growing table has a bound (config `store.retention`). Deletes run in
 * chunks so one pass never holds the writer for long; the async form yields to the
 * event loop between chunks.
 */
import type { Database } from 'better-sqlite3';
import type { Config } from '../config/schema.js';
import type { JobQueue } from './job-queue.js';
import type { ConfigVersions } from './config-versions.js';
import { preparedFor, type Statements } from './statements.js';

export type Retention = Config['store']['retention'];

export interface PruneCounts {
  events: number;
  decisions: number;
  jobs: number;
  configVersions: number;
  throttles: number;
  cadence: number;
}

const DAY = 86_400_000;
const CHUNK = 5000;

const SQL = {
  eventsBefore: 'DELETE FROM events WHERE id IN (SELECT id FROM events WHERE received_at < ? ORDER BY id LIMIT ?)',
  eventsCut: 'SELECT id FROM events ORDER BY id DESC LIMIT 1 OFFSET ?',
  eventsUpTo: 'DELETE FROM events WHERE id IN (SELECT id FROM events WHERE id <= ? ORDER BY id LIMIT ?)',
  decisionsBefore: 'DELETE FROM decisions WHERE id IN (SELECT id FROM decisions WHERE at < ? ORDER BY id LIMIT ?)',
  throttles: 'DELETE FROM throttles WHERE until < ?',
  cadence: 'DELETE FROM poll_cadence WHERE until < ?',
} as const;

/** One pass over every table; each yielded step deleted one chunk. */
export function* pruneSteps(
  db: Database,
  jobs: JobQueue,
  versions: ConfigVersions,
  r: Retention,
  now: number,
  counts: PruneCounts,
): Generator<void> {
  const q = preparedFor(db, SQL);
  const chunked = (
    stmt: Statements<typeof SQL>[keyof typeof SQL],
    arg: number,
    key: keyof PruneCounts,
  ): Generator<void> =>
    (function* () {
      for (;;) {
        const n = stmt.run(arg, CHUNK).changes;
        counts[key] += n;
        if (n < CHUNK) return;
        yield;
      }
    })();
  yield* chunked(q.eventsBefore, now - r.events_days * DAY, 'events');
  // Count cap: keep the newest max_events.
  const cut = q.eventsCut.get(r.max_events) as { id: number } | undefined;
  if (cut) yield* chunked(q.eventsUpTo, cut.id, 'events');
  yield* chunked(q.decisionsBefore, now - r.decisions_days * DAY, 'decisions');
  counts.jobs += jobs.prune(now - r.jobs_days * DAY, CHUNK);
  yield;
  counts.configVersions += versions.prune(r.config_versions);
  counts.throttles += q.throttles.run(now).changes;
  counts.cadence += q.cadence.run(now - DAY).changes;
}

export function emptyCounts(): PruneCounts {
  return { events: 0, decisions: 0, jobs: 0, configVersions: 0, throttles: 0, cadence: 0 };
}
