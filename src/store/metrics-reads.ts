/**
 * What the /metrics collectors read from tables at scrape time: configured devices with
 * their first-seen time, and rows added to events and decisions after an id cursor.
 */
import type { Database } from 'better-sqlite3';
import { prepareAll, type Statements } from './statements.js';

const SQL = {
  configuredDevices: 'SELECT name, first_seen FROM devices WHERE configured = 1',
  maxEventId: 'SELECT MAX(id) AS m FROM events',
  maxDecisionId: 'SELECT MAX(id) AS m FROM decisions',
  eventsByKind: 'SELECT kind, COUNT(*) AS n, MAX(id) AS m FROM events WHERE id > ? GROUP BY kind',
  decisionsByKind: `SELECT kind, rule, action, COUNT(*) AS n, MAX(id) AS m FROM decisions WHERE id > ?
    GROUP BY kind, rule, action`,
} as const;

export interface DecisionTally {
  kind: string;
  rule: string | null;
  action: string | null;
  /** Rows in the group. */
  n: number;
  /** Highest id among them. */
  m: number;
}

export class MetricsReads {
  readonly #s: Statements<typeof SQL>;

  constructor(db: Database) {
    this.#s = prepareAll(db, SQL);
  }

  configuredDevices(): Array<{ name: string; first_seen: number }> {
    return this.#s.configuredDevices.all() as Array<{ name: string; first_seen: number }>;
  }

  /** Id of the newest row of events or decisions (0 when there is none). */
  maxId(table: 'events' | 'decisions'): number {
    const s = table === 'events' ? this.#s.maxEventId : this.#s.maxDecisionId;
    return (s.get() as { m: number | null }).m ?? 0;
  }

  /** Events after `afterId`, counted per kind, with the highest id of each kind. */
  eventsByKind(afterId: number): Array<{ kind: string; n: number; m: number }> {
    return this.#s.eventsByKind.all(afterId) as Array<{ kind: string; n: number; m: number }>;
  }

  /** Decisions after `afterId`, counted per (kind, rule, action). */
  decisionsByKind(afterId: number): DecisionTally[] {
    return this.#s.decisionsByKind.all(afterId) as DecisionTally[];
  }
}
