/**
 * Read-only event queries for the page and the API. The events table is indexed by id and
 * time only (writes on the ingest path stay cheap), so a filtered query walks ids
 * downwards; each call examines at most `SCAN_WINDOW` ids and says where to continue, so a
 * filter that matches nothing in a million events costs a bounded amount per page.
 */
import type { Database } from 'better-sqlite3';
import type { AceEvent } from '../../core/events.js';
import { filteredFor, preparedFor } from '../statements.js';

/** Ids examined per call at most. */
export const SCAN_WINDOW = 50_000;
export const MAX_PAGE = 500;

const SQL = {
  maxId: 'SELECT MAX(id) AS m FROM events',
  maxIdBelow: 'SELECT MAX(id) AS m FROM events WHERE id < ?',
  ofKindAfter: 'SELECT * FROM events WHERE id > ? AND kind = ? ORDER BY id DESC',
} as const;

export interface EventFilter {
  kind?: string;
  device?: string;
  context?: string;
  /** Only events with an id below this (exclusive). */
  cursor?: number;
  limit?: number;
}

export interface StoredEvent {
  id: number;
  receivedAt: number;
  kind: string;
  msgId?: string;
  device?: string;
  context?: string;
  event: AceEvent;
}

export interface EventPage {
  items: StoredEvent[];
  /** Pass as `cursor` for older events; absent when there are no more. */
  nextCursor?: number;
}

interface Row {
  id: number;
  received_at: number;
  kind: string;
  msg_id: string | null;
  device: string | null;
  context: string | null;
  body: string;
}

function toStored(r: Row): StoredEvent {
  let event: AceEvent;
  try {
    event = JSON.parse(r.body) as AceEvent;
  } catch {
    event = { kind: r.kind as AceEvent['kind'] };
  }
  return {
    id: r.id,
    receivedAt: r.received_at,
    kind: r.kind,
    msgId: r.msg_id ?? undefined,
    device: r.device ?? undefined,
    context: r.context ?? undefined,
    event,
  };
}

export function listEvents(db: Database, f: EventFilter): EventPage {
  const limit = Math.min(Math.max(1, f.limit ?? 50), MAX_PAGE);
  const q = preparedFor(db, SQL);
  const newest = ((q.maxId.get() as { m: number | null }).m ?? 0) + 1;
  // Clamped to the real ids: a cursor far above them would otherwise page through empty
  // windows of SCAN_WINDOW ids, one request each, before reaching any event.
  const top = f.cursor === undefined ? newest : Math.min(Math.max(1, Math.trunc(f.cursor)), newest);
  const floor = Math.max(0, top - SCAN_WINDOW);
  const where = ['id < ?', 'id >= ?'];
  const args: unknown[] = [top, floor];
  if (f.kind !== undefined) {
    where.push('kind = ?');
    args.push(f.kind);
  }
  if (f.device !== undefined) {
    where.push('device = ?');
    args.push(f.device);
  }
  if (f.context !== undefined) {
    where.push('context = ?');
    args.push(f.context);
  }
  const rows = filteredFor(db)
    .get(`SELECT * FROM events WHERE ${where.join(' AND ')} ORDER BY id DESC LIMIT ?`)
    .all(...args, limit) as Row[];
  const items = rows.map(toStored);
  if (items.length === limit) return { items, nextCursor: items[items.length - 1]!.id };
  // The window is exhausted: continue below it, if anything is there.
  const older = floor > 0 ? (q.maxIdBelow.get(floor) as { m: number | null }).m : null;
  return older !== null ? { items, nextCursor: floor } : { items };
}

/** The newest event of `kind` per (device, context) among the latest `window` events. */
export function latestOfKind(db: Database, kind: string, window = SCAN_WINDOW): Map<string, StoredEvent> {
  const q = preparedFor(db, SQL);
  const max = (q.maxId.get() as { m: number | null }).m ?? 0;
  const rows = q.ofKindAfter.all(max - window, kind) as Row[];
  const out = new Map<string, StoredEvent>();
  for (const r of rows) {
    const key = `${r.device ?? ''}\u0000${r.context ?? ''}`;
    if (!out.has(key)) out.set(key, toStored(r));
  }
  return out;
}

/** One line that says what an event was about (bounded by the caller). */
export function eventSummary(e: AceEvent): string {
  if (e.command) return `${e.user ? e.user + ': ' : ''}${e.command}`;
  if (e.kind === 'ha-state')
    return `FT group ${e.ftGroup ?? '?'}: ${e.prevState ?? '?'} -> ${e.state ?? '?'}${e.reason ? ` (${e.reason})` : ''}`;
  const d = e.data ?? {};
  if (e.kind === 'audit-result') return `audit: ${String(d.outcome ?? '?')}${e.error ? ` (${e.error})` : ''}`;
  if (e.kind === 'upload-result')
    return `upload: ${String(d.outcome ?? '?')} via ${String(d.strategy ?? '?')}${d.error ? ` (${String(d.error)})` : ''}`;
  if (e.kind === 'logging-drift') {
    const missing = Array.isArray(d.missing) ? d.missing : [];
    const harmful = Array.isArray(d.harmful) ? d.harmful : [];
    return missing.length + harmful.length === 0
      ? 'logging settings complete'
      : `logging drift: missing ${missing.join(', ') || 'nothing'}; harmful ${harmful.join(', ') || 'nothing'}`;
  }
  if (e.kind === 'ingest-loss') return `${String(d.dropped ?? '?')} messages lost`;
  if (e.kind === 'operator') return e.text ?? 'operator action';
  return e.text ?? e.reason ?? e.error ?? e.notification ?? e.kind;
}
