/**
 * Versioned schema migrations, run at open. Each version is a list of SQL modules (one per
 * table group, under schema/) applied in one transaction and recorded in schema_version.
 * A new version is appended here, never edited once released.
 */
import type { Database } from 'better-sqlite3';
import { AcesyncError } from '../core/errors.js';
import { CONTEXTS_UNCONFIRMED_V4, INVENTORY_V1 } from './schema/inventory.js';
import { EVENTS_V1 } from './schema/events.js';
import { DECISIONS_V1 } from './schema/decisions.js';
import { TIMERS_V1 } from './schema/timers.js';
import { JOBS_V1 } from './schema/jobs.js';
import { CONFIG_VERSIONS_V1 } from './schema/config-versions.js';
import { KNOWN_HOSTS_V3 } from './schema/known-hosts.js';
import { ALERTS_V2 } from './schema/alerts.js';
import { ANM_INVENTORY_V5 } from './schema/anm-inventory.js';
import { SNMP_ENGINE_V6 } from './schema/snmp-engine.js';

export interface Migration {
  version: number;
  name: string;
  sql: string[];
}

export const MIGRATIONS: Migration[] = [
  {
    version: 1,
    name: 'initial schema',
    sql: [INVENTORY_V1, EVENTS_V1, DECISIONS_V1, TIMERS_V1, JOBS_V1, CONFIG_VERSIONS_V1],
  },
  { version: 2, name: 'alerts and webhook outbox', sql: [ALERTS_V2] },
  { version: 3, name: 'ssh host keys trusted on first use', sql: [KNOWN_HOSTS_V3] },
  { version: 4, name: 'unconfirmed contexts (learnt, not yet listed by show context)', sql: [CONTEXTS_UNCONFIRMED_V4] },
  { version: 5, name: 'contexts ANM does not know (inventory reconcile)', sql: [ANM_INVENTORY_V5] },
  { version: 6, name: 'snmp engine boots and trap senders clocks', sql: [SNMP_ENGINE_V6] },
];

export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;

/**
 * The bookkeeping SQL. Prepared where it is used, not up front: before the first migration the
 * schema_version table does not exist, and a statement naming it cannot be prepared yet.
 */
const SQL = {
  // DDL keeps its text byte for byte (sqlite_master stores it): concatenated, not reflowed.
  createVersions:
    'CREATE TABLE IF NOT EXISTS schema_version ' +
    '(version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL) STRICT',
  hasVersions: "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'",
  version: 'SELECT MAX(version) AS v FROM schema_version',
  applied: 'INSERT INTO schema_version (version, name, applied_at) VALUES (?, ?, ?)',
} as const;

/** The schema version of an open database (0: empty). */
export function schemaVersion(db: Database): number {
  const t = db.prepare(SQL.hasVersions).get();
  if (!t) return 0;
  const row = db.prepare(SQL.version).get() as { v: number | null };
  return row.v ?? 0;
}

/** Bring the database to the latest version; returns the versions applied. */
export function migrate(db: Database, now: number): number[] {
  db.exec(SQL.createVersions);
  const current = schemaVersion(db);
  if (current > SCHEMA_VERSION)
    throw new AcesyncError(
      'ACESYNC_STORE_OPEN',
      `the database has schema version ${current}, newer than this acesync knows (${SCHEMA_VERSION}): use a newer acesync or another store.path`,
    );
  const applied: number[] = [];
  for (const m of MIGRATIONS) {
    if (m.version <= current) continue;
    db.transaction(() => {
      for (const sql of m.sql) db.exec(sql);
      db.prepare(SQL.applied).run(m.version, m.name, now);
    })();
    applied.push(m.version);
  }
  return applied;
}
