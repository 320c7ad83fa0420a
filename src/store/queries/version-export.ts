/** Every stored configuration version with its text, oldest first (for `acesync export git`). Read-only. */
import type { Database } from 'better-sqlite3';
import { toVersion, type ConfigVersion, type ConfigVersionRow } from '../config-versions.js';

export function allVersions(db: Database): ConfigVersion[] {
  return (db.prepare('SELECT * FROM config_versions ORDER BY first_seen, id').all() as ConfigVersionRow[]).map(
    toVersion,
  );
}
