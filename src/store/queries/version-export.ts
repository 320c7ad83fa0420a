/**
 * Stored configuration versions for the git export (`acesync export git`, `store.git_mirror`): the versions'
 * metadata without their text, oldest first, and one version's text when it is committed. Read-only.
 */
import type { Database } from 'better-sqlite3';
import { toVersion, type ConfigVersion, type ConfigVersionRow } from '../config-versions.js';
import { preparedFor } from '../statements.js';

const META = 'id, device, context, hash, NULL AS text, first_seen, last_seen, seen_count, is_anm';
const SQL = {
  exportable: `SELECT ${META} FROM config_versions WHERE text IS NOT NULL ORDER BY first_seen, id`,
  ofContext: `SELECT ${META} FROM config_versions WHERE device = ? AND context = ? ORDER BY first_seen, id`,
  text: 'SELECT text FROM config_versions WHERE id = ?',
} as const;

/** Every stored version that has its text, oldest first, without the text (it is read one at a time). */
export function exportableVersions(db: Database): ConfigVersion[] {
  return (preparedFor(db, SQL).exportable.all() as ConfigVersionRow[]).map(toVersion);
}

/** Every stored version of one context, without text (the neighbours that say who caused a version). */
export function contextVersions(db: Database, device: string, context: string): ConfigVersion[] {
  return (preparedFor(db, SQL).ofContext.all(device, context) as ConfigVersionRow[]).map(toVersion);
}

/** One version's text; undefined when the version was pruned meanwhile. */
export function versionText(db: Database, id: number): string | undefined {
  const r = preparedFor(db, SQL).text.get(id) as { text: string | null } | undefined;
  return r?.text ?? undefined;
}
