/**
 * Host keys trusted on first use, kept in the database: after a restart a device must
 * present the same key it presented the first time (in memory only, every restart would
 * be a new first use, which an attacker in the path could exploit).
 */
import type { Database } from 'better-sqlite3';
import type { Clock } from '../core/clock.js';
import { prepareAll, type Statements } from './statements.js';

const SQL = {
  get: 'SELECT fingerprint FROM known_hosts WHERE device = ?',
  // First use only: a recorded key is never replaced here (an operator pins or deletes it).
  set: 'INSERT INTO known_hosts (device, fingerprint, first_seen) VALUES (?, ?, ?) ON CONFLICT(device) DO NOTHING',
} as const;

/** Implements devices/known-hosts.ts `KnownHosts` structurally (store/ imports nothing above it). */
export class StoreKnownHosts {
  readonly #s: Statements<typeof SQL>;
  readonly #clock: Clock;

  constructor(db: Database, clock: Clock) {
    this.#clock = clock;
    this.#s = prepareAll(db, SQL);
  }

  get(device: string): string | undefined {
    return (this.#s.get.get(device) as { fingerprint: string } | undefined)?.fingerprint;
  }

  set(device: string, fingerprint: string): void {
    this.#s.set.run(device, fingerprint.slice(0, 200), this.#clock.now());
  }
}
