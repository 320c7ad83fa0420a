/**
 * Host keys trusted on first use, kept in the database: after a restart a device must
 * present the same key it presented the first time (in memory only, every restart would
 * be a new first use, which an attacker in the path could exploit).
 */
import type { Database, Statement } from 'better-sqlite3';
import type { Clock } from '../core/clock.js';

/** Implements devices/known-hosts.ts `KnownHosts` structurally (store/ imports nothing above it). */
export class StoreKnownHosts {
  readonly #get: Statement;
  readonly #set: Statement;
  readonly #clock: Clock;

  constructor(db: Database, clock: Clock) {
    this.#clock = clock;
    this.#get = db.prepare('SELECT fingerprint FROM known_hosts WHERE device = ?');
    // First use only: a recorded key is never replaced here (an operator pins or deletes it).
    this.#set = db.prepare(
      'INSERT INTO known_hosts (device, fingerprint, first_seen) VALUES (?, ?, ?) ON CONFLICT(device) DO NOTHING',
    );
  }

  get(device: string): string | undefined {
    return (this.#get.get(device) as { fingerprint: string } | undefined)?.fingerprint;
  }

  set(device: string, fingerprint: string): void {
    this.#set.run(device, fingerprint.slice(0, 200), this.#clock.now());
  }
}
