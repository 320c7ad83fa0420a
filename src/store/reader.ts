/**
 * Read-only access to the state database, for commands and pages that run beside the
 * service (`acesync explain`): WAL lets them read while the service writes.
 */
import type { Database } from 'better-sqlite3';
import type { AceEvent } from '../core/events.js';
import type { Job } from './job-queue.js';
import type { ContextState, TimerRow } from '../core/state.js';
import type { DecisionRecord } from './state-writes.js';
import { openDatabase } from './database.js';
import { contextFromRow, timerFromRow, type TimerDbRow } from './mirror.js';
import { decisionFromRow } from './store.js';
import { prepareAll, type Statements } from './statements.js';

const SQL = {
  context: 'SELECT * FROM contexts WHERE device = ? AND name = ?',
  contextsOf: 'SELECT name FROM contexts WHERE device = ? ORDER BY name',
  devices: 'SELECT name FROM devices ORDER BY name',
  peerOf: 'SELECT peer FROM devices WHERE name = ?',
  role: 'SELECT role, prev_role, since FROM ft_roles WHERE device = ? AND ft_group = ?',
  event: 'SELECT body FROM events WHERE id = ?',
  decisions: 'SELECT * FROM decisions WHERE device = ? AND context = ? ORDER BY id DESC LIMIT ?',
  decisionsOfEvent: 'SELECT * FROM decisions WHERE event_id = ? ORDER BY id LIMIT 500',
  timers: 'SELECT * FROM timers WHERE device = ? AND context = ? ORDER BY due',
  jobs: `SELECT id, type, state, attempts, next_run_at, last_error, requests FROM jobs
    WHERE device = ? AND context = ? ORDER BY id DESC LIMIT ?`,
} as const;

export class StoreReader {
  readonly db: Database;
  readonly #s: Statements<typeof SQL>;

  constructor(db: Database) {
    this.db = db;
    this.#s = prepareAll(db, SQL);
  }

  static open(path: string): StoreReader {
    return new StoreReader(openDatabase({ path, readonly: true }));
  }

  context(device: string, context: string): ContextState | undefined {
    const r = this.#s.context.get(device, context);
    return r ? contextFromRow(r as Parameters<typeof contextFromRow>[0]) : undefined;
  }

  contextsOf(device: string): string[] {
    return (this.#s.contextsOf.all(device) as Array<{ name: string }>).map((r) => r.name);
  }

  devices(): string[] {
    return (this.#s.devices.all() as Array<{ name: string }>).map((r) => r.name);
  }

  peerOf(device: string): string | undefined {
    return (this.#s.peerOf.get(device) as { peer: string | null } | undefined)?.peer ?? undefined;
  }

  role(device: string, group: number): { role: string; prevRole?: string; since: number } | undefined {
    const r = this.#s.role.get(device, group) as { role: string; prev_role: string | null; since: number } | undefined;
    return r ? { role: r.role, prevRole: r.prev_role ?? undefined, since: r.since } : undefined;
  }

  event(id: number): AceEvent | undefined {
    const r = this.#s.event.get(id) as { body: string } | undefined;
    return r ? (JSON.parse(r.body) as AceEvent) : undefined;
  }

  decisions(device: string, context: string, limit: number): Array<DecisionRecord & { id: number }> {
    const rows = this.#s.decisions.all(device, context, limit);
    return (rows as Parameters<typeof decisionFromRow>[0][]).map(decisionFromRow).reverse();
  }

  /** Decisions of one event (the rule matches that explain a state change). */
  decisionsOfEvent(eventId: number): Array<DecisionRecord & { id: number }> {
    const rows = this.#s.decisionsOfEvent.all(eventId);
    return (rows as Parameters<typeof decisionFromRow>[0][]).map(decisionFromRow);
  }

  timers(device: string, context: string): TimerRow[] {
    return (this.#s.timers.all(device, context) as TimerDbRow[]).map(timerFromRow);
  }

  jobs(
    device: string,
    context: string,
    limit = 20,
  ): Array<Pick<Job, 'id' | 'type' | 'state' | 'attempts' | 'nextRunAt' | 'lastError' | 'requests'>> {
    return (
      this.#s.jobs.all(device, context, limit) as Array<{
        id: number;
        type: Job['type'];
        state: Job['state'];
        attempts: number;
        next_run_at: number;
        last_error: string | null;
        requests: number;
      }>
    ).map((r) => ({
      id: r.id,
      type: r.type,
      state: r.state,
      attempts: r.attempts,
      nextRunAt: r.next_run_at,
      lastError: r.last_error ?? undefined,
      requests: r.requests,
    }));
  }

  close(): void {
    this.db.close();
  }
}
