/**
 * Configuration history per (device, context): every distinct normalised running-config
 * (by SHA-256), when it was first and last seen, and which one is ANM's copy. The poller
 * records what it saw; the upload worker records what ANM now holds; any two versions can
 * be diffed.
 */
import type { Database } from 'better-sqlite3';
import { unifiedDiff } from '../core/diff.js';
import { prepareAll, type Statements } from './statements.js';

/** Largest configuration text kept (an ACE context config is far below this). */
export const MAX_CONFIG_BYTES = 4 * 1024 * 1024;

export interface ConfigVersion {
  id: number;
  device: string;
  context: string;
  hash: string;
  /** Absent when only the hash is known. */
  text?: string;
  firstSeen: number;
  lastSeen: number;
  seenCount: number;
  isAnm: boolean;
}

/** A config_versions row as SQLite returns it. */
export interface ConfigVersionRow {
  id: number;
  device: string;
  context: string;
  hash: string;
  text: string | null;
  first_seen: number;
  last_seen: number;
  seen_count: number;
  is_anm: number;
}

export const toVersion = (r: ConfigVersionRow): ConfigVersion => ({
  id: r.id,
  device: r.device,
  context: r.context,
  hash: r.hash,
  text: r.text ?? undefined,
  firstSeen: r.first_seen,
  lastSeen: r.last_seen,
  seenCount: r.seen_count,
  isAnm: r.is_anm === 1,
});

function bound(text: string | undefined): string | null {
  if (text === undefined) return null;
  return text.length > MAX_CONFIG_BYTES ? text.slice(0, MAX_CONFIG_BYTES) : text;
}

const SQL = {
  upsert: `INSERT INTO config_versions (device, context, hash, text, first_seen, last_seen) VALUES (?, ?, ?, ?, ?, ?)
    ON CONFLICT(device, context, hash) DO UPDATE SET last_seen = excluded.last_seen, seen_count = seen_count + 1,
    text = COALESCE(text, excluded.text)`,
  clearAnm: 'UPDATE config_versions SET is_anm = 0 WHERE device = ? AND context = ? AND is_anm = 1',
  setAnm: 'UPDATE config_versions SET is_anm = 1 WHERE device = ? AND context = ? AND hash = ?',
  get: 'SELECT * FROM config_versions WHERE device = ? AND context = ? AND hash = ?',
  anm: 'SELECT * FROM config_versions WHERE device = ? AND context = ? AND is_anm = 1',
  list: 'SELECT * FROM config_versions WHERE device = ? AND context = ? ORDER BY last_seen DESC, id DESC LIMIT ?',
  latest: 'SELECT * FROM config_versions WHERE device = ? AND context = ? ORDER BY last_seen DESC, id DESC LIMIT 1',
  prune: `DELETE FROM config_versions WHERE is_anm = 0 AND id IN ( SELECT id
    FROM (SELECT id, ROW_NUMBER() OVER (PARTITION BY device, context ORDER BY last_seen DESC, id DESC) AS n
    FROM config_versions) WHERE n > ?)`,
} as const;

export class ConfigVersions {
  readonly #s: Statements<typeof SQL>;
  readonly #db: Database;
  readonly #listeners = new Set<() => void>();

  constructor(db: Database) {
    this.#db = db;
    this.#s = prepareAll(db, SQL);
  }

  /** A configuration seen on the device (audit). */
  record(device: string, context: string, hash: string, text: string | undefined, at: number): void {
    this.#s.upsert.run(device, context, hash, bound(text), at, at);
    this.#recorded();
  }

  /**
   * Call `listener` after each recorded version (maybe inside the transaction that records it: a listener only
   * schedules work, such as the git mirror's pass, and reads once the transaction is over). Returns `off`.
   */
  onRecorded(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #recorded(): void {
    for (const l of this.#listeners) l();
  }

  /**
   * ANM now holds this configuration (after an upload, or an ANM deployment): it becomes
   * the baseline audits compare against. (The store also updates the context's `anmHash`.)
   */
  recordAnmCopy(device: string, context: string, hash: string, text: string | undefined, at: number): void {
    this.#db.transaction(() => {
      this.#s.upsert.run(device, context, hash, bound(text), at, at);
      this.#s.clearAnm.run(device, context);
      this.#s.setAnm.run(device, context, hash);
    })();
    this.#recorded();
  }

  anmCopy(device: string, context: string): ConfigVersion | undefined {
    const r = this.#s.anm.get(device, context) as ConfigVersionRow | undefined;
    return r ? toVersion(r) : undefined;
  }

  get(device: string, context: string, hash: string): ConfigVersion | undefined {
    const r = this.#s.get.get(device, context, hash) as ConfigVersionRow | undefined;
    return r ? toVersion(r) : undefined;
  }

  latest(device: string, context: string): ConfigVersion | undefined {
    const r = this.#s.latest.get(device, context) as ConfigVersionRow | undefined;
    return r ? toVersion(r) : undefined;
  }

  /** Newest first. */
  list(device: string, context: string, limit = 100): ConfigVersion[] {
    return (this.#s.list.all(device, context, Math.min(limit, 10_000)) as ConfigVersionRow[]).map(toVersion);
  }

  /** Unified diff between two stored versions; undefined when either text is not stored. */
  diff(device: string, context: string, fromHash: string, toHash: string): string | undefined {
    const a = this.get(device, context, fromHash);
    const b = this.get(device, context, toHash);
    if (a?.text === undefined || b?.text === undefined) return undefined;
    return unifiedDiff(a.text, b.text, {
      fromName: `${device}/${context}@${fromHash.slice(0, 12)}`,
      toName: `${device}/${context}@${toHash.slice(0, 12)}`,
    });
  }

  /** Keep the newest `keep` versions per context, and ANM's copy always. */
  prune(keep: number): number {
    return this.#s.prune.run(keep).changes;
  }
}
