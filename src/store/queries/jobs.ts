/**
 * Jobs, newest first, with an id cursor (JobQueue.list has no cursor; this is its
 * read-only twin for paging).
 */
import type { Database } from 'better-sqlite3';
import type { Job, JobQueue } from '../job-queue.js';
import { filteredFor, preparedFor } from '../statements.js';

const SQL = {
  depth: 'SELECT type, state, COUNT(*) AS n FROM jobs GROUP BY type, state',
} as const;

export interface JobFilter {
  state?: string;
  type?: string;
  device?: string;
  context?: string;
  cursor?: number;
  limit?: number;
}

export function listJobs(db: Database, queue: JobQueue, f: JobFilter): { items: Job[]; nextCursor?: number } {
  const limit = Math.min(Math.max(1, f.limit ?? 50), 500);
  const where: string[] = [];
  const args: unknown[] = [];
  for (const [col, v] of [
    ['state', f.state],
    ['type', f.type],
    ['device', f.device],
    ['context', f.context],
  ] as const)
    if (v !== undefined) {
      where.push(`${col} = ?`);
      args.push(v);
    }
  if (f.cursor !== undefined) {
    where.push('id < ?');
    args.push(f.cursor);
  }
  const ids = filteredFor(db)
    .get(`SELECT id FROM jobs ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY id DESC LIMIT ?`)
    .all(...args, limit) as Array<{ id: number }>;
  const items = ids.map((r) => queue.get(r.id)).filter((j): j is Job => j !== undefined);
  return items.length === limit ? { items, nextCursor: items[items.length - 1]!.id } : { items };
}

/** Jobs per (type, state): the queue depth the metrics and the page show. */
export function jobDepth(db: Database): Array<{ type: string; state: string; count: number }> {
  return (
    preparedFor(db, SQL).depth.all() as Array<{
      type: string;
      state: string;
      n: number;
    }>
  ).map((r) => ({ type: r.type, state: r.state, count: r.n }));
}
