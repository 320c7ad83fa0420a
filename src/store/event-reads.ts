/**
 * Reads over the append-only tables that readers above the store follow by an id cursor:
 * the newest event and decision ids, and the events of some kinds in an id window (the
 * notifier's resolution signals).
 */
import type { Database } from 'better-sqlite3';
import { prepareAll, type Statements } from './statements.js';

const SQL = {
  maxEventId: 'SELECT MAX(id) AS m FROM events',
  maxDecisionId: 'SELECT MAX(id) AS m FROM decisions',
  eventsOfKinds: `SELECT received_at, kind, device, context, body FROM events
    WHERE id > ? AND id <= ? AND kind IN (SELECT value FROM json_each(?))`,
} as const;

export interface EventRow {
  received_at: number;
  kind: string;
  device: string | null;
  context: string | null;
  body: string;
}

export class EventReads {
  readonly #s: Statements<typeof SQL>;

  constructor(db: Database) {
    this.#s = prepareAll(db, SQL);
  }

  /** Id of the newest event (0 when there is none). */
  maxEventId(): number {
    return (this.#s.maxEventId.get() as { m: number | null }).m ?? 0;
  }

  /** Id of the newest decision row (0 when there is none). */
  maxDecisionId(): number {
    return (this.#s.maxDecisionId.get() as { m: number | null }).m ?? 0;
  }

  /** Events with `afterId < id <= upToId` whose kind is one of `kinds`, in id order. */
  eventsOfKinds(afterId: number, upToId: number, kinds: readonly string[]): EventRow[] {
    return this.#s.eventsOfKinds.all(afterId, upToId, JSON.stringify(kinds)) as EventRow[];
  }
}
