/**
 * Who changed a context's configuration, and how: for each stored version, the 111008
 * config-change events (user, command) of that context received after the observation
 * before it (the previous audit) and up to when the version was first seen. Plus a bounded
 * search across the newest version of every context. Read-only.
 */
import type { Database } from 'better-sqlite3';
import type { ConfigVersion } from '../config-versions.js';

export const MAX_CHANGES_PER_VERSION = 50;
/** The window searched for a version's changes is at most this long. */
export const MAX_WINDOW_MS = 31 * 86_400_000;

export interface VersionChange {
  at: number;
  user?: string;
  command?: string;
}

export interface VersionCause {
  /** The window searched: after `after` (exclusive) up to `until` (inclusive). */
  after: number;
  until: number;
  changes: VersionChange[];
  /** More than MAX_CHANGES_PER_VERSION matched. */
  truncated: boolean;
  /** Distinct users, in order of their first change. */
  users: string[];
}

/**
 * The observation before `v`: the latest time any other version of the context was seen
 * (first or last) before `v` was first seen; -Infinity when `v` is the first one known.
 */
export function windowStart(v: ConfigVersion, all: readonly ConfigVersion[]): number {
  let start = -Infinity;
  for (const u of all) {
    if (u.hash === v.hash) continue;
    if (u.lastSeen < v.firstSeen) start = Math.max(start, u.lastSeen);
    else if (u.firstSeen < v.firstSeen) start = Math.max(start, u.firstSeen);
  }
  return start;
}

export function versionCause(
  db: Database,
  device: string,
  context: string,
  v: ConfigVersion,
  all: readonly ConfigVersion[],
): VersionCause {
  const start = windowStart(v, all);
  // The first version known has no audit before it: nothing says which changes made it.
  if (!Number.isFinite(start)) return { after: start, until: v.firstSeen, changes: [], truncated: false, users: [] };
  const after = Math.max(start, v.firstSeen - MAX_WINDOW_MS);
  const rows = db
    .prepare(
      `SELECT received_at, body FROM events
        WHERE received_at > ? AND received_at <= ? AND kind = 'config-change' AND device = ? AND context = ?
        ORDER BY received_at, id LIMIT ?`,
    )
    .all(after, v.firstSeen, device, context, MAX_CHANGES_PER_VERSION + 1) as Array<{
    received_at: number;
    body: string;
  }>;
  const changes: VersionChange[] = rows.slice(0, MAX_CHANGES_PER_VERSION).map((r) => {
    let e: { user?: unknown; command?: unknown } = {};
    try {
      e = JSON.parse(r.body) as typeof e;
    } catch {
      /* a body that does not parse names nobody */
    }
    return {
      at: r.received_at,
      user: typeof e.user === 'string' ? e.user : undefined,
      command: typeof e.command === 'string' ? e.command : undefined,
    };
  });
  const users = [...new Set(changes.map((c) => c.user).filter((u): u is string => u !== undefined))];
  return { after, until: v.firstSeen, changes, truncated: rows.length > MAX_CHANGES_PER_VERSION, users };
}

export const MAX_SEARCH_QUERY = 200;
export const MAX_SEARCH_CONTEXTS = 100;
export const MAX_SEARCH_LINES = 5;

export interface SearchHit {
  device: string;
  context: string;
  hash: string;
  lastSeen: number;
  /** Matching lines (at most MAX_SEARCH_LINES), with their 1-based numbers. */
  lines: Array<{ n: number; text: string }>;
  /** All matching lines in this version. */
  matches: number;
}

/**
 * Contexts whose newest stored configuration contains `q` (plain text, case-insensitive: no
 * regular expression, so no query can make it slow). At most MAX_SEARCH_CONTEXTS hits.
 */
export function searchLatest(db: Database, q: string): { hits: SearchHit[]; truncated: boolean } {
  const needle = q.slice(0, MAX_SEARCH_QUERY).toLowerCase();
  if (needle.trim() === '') return { hits: [], truncated: false };
  const rows = db
    .prepare(
      `SELECT v.device, v.context, v.hash, v.last_seen, v.text FROM config_versions v
        WHERE v.text IS NOT NULL AND v.id = (
          SELECT id FROM config_versions w WHERE w.device = v.device AND w.context = v.context
           ORDER BY last_seen DESC, id DESC LIMIT 1)
          AND instr(lower(v.text), ?) > 0
        ORDER BY v.device, v.context LIMIT ?`,
    )
    .all(needle, MAX_SEARCH_CONTEXTS + 1) as Array<{
    device: string;
    context: string;
    hash: string;
    last_seen: number;
    text: string;
  }>;
  const hits = rows.slice(0, MAX_SEARCH_CONTEXTS).map((r) => {
    const lines: SearchHit['lines'] = [];
    let matches = 0;
    r.text.split('\n').forEach((line, i) => {
      if (!line.toLowerCase().includes(needle)) return;
      matches++;
      if (lines.length < MAX_SEARCH_LINES) lines.push({ n: i + 1, text: line });
    });
    return { device: r.device, context: r.context, hash: r.hash, lastSeen: r.last_seen, lines, matches };
  });
  return { hits, truncated: rows.length > MAX_SEARCH_CONTEXTS };
}
