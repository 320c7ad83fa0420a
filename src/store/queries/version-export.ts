/** Every stored configuration version with its text, oldest first (for `acesync export git`). Read-only. */
import type { Database } from 'better-sqlite3';
import type { ConfigVersion } from '../config-versions.js';

interface Row {
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

export function allVersions(db: Database): ConfigVersion[] {
  return (db.prepare('SELECT * FROM config_versions ORDER BY first_seen, id').all() as Row[]).map((r) => ({
    id: r.id,
    device: r.device,
    context: r.context,
    hash: r.hash,
    text: r.text ?? undefined,
    firstSeen: r.first_seen,
    lastSeen: r.last_seen,
    seenCount: r.seen_count,
    isAnm: r.is_anm === 1,
  }));
}
