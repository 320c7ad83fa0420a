/**
 * Queries over the alert tables (schema/alerts.ts): alert rows keyed by fingerprint and
 * what each webhook was told about each (the outbox itself is notify/outbox.ts).
 * Synchronous and atomic like the rest of the store (single process, single writer); the
 * notifier is the only writer, the web layer reads.
 */
import type { Database } from 'better-sqlite3';
import { FilteredStatements, prepareAll, type Statements } from './statements.js';

export type AlertStatus = 'firing' | 'resolved';

/** Open alerts kept at most; beyond it new alerts are refused (counted, logged) until some resolve. */
export const MAX_FIRING_ALERTS = 10_000;
/** Resolved alerts are kept this long, and at most this many. */
export const ALERT_RETENTION_MS = 30 * 86_400_000;
export const MAX_RESOLVED_ALERTS = 20_000;

export interface AlertRecord {
  id: number;
  fingerprint: string;
  alertname: string;
  severity: string;
  /** '' when the alert names no device. */
  device: string;
  context: string;
  /** Kind of the event that raised it (decides how it resolves). */
  eventKind?: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  status: AlertStatus;
  startsAt: number;
  endsAt?: number;
  lastFiredAt: number;
  fireCount: number;
  eventId?: number;
  jobId?: number;
  resolvedReason?: string;
  updatedAt: number;
}

/** An alert firing: the identifying fields of an AlertRecord, plus when and how often. */
export interface NewAlert extends Pick<
  AlertRecord,
  | 'fingerprint'
  | 'alertname'
  | 'severity'
  | 'device'
  | 'context'
  | 'eventKind'
  | 'labels'
  | 'annotations'
  | 'eventId'
  | 'jobId'
> {
  /** How many requests this firing stands for (a merged job counts each). */
  count?: number;
  at: number;
}

/** One alert in one notification: which alert, in which of its lives, in which status. */
export interface NoticeItem {
  alertId: number;
  startsAt: number;
  status: AlertStatus;
  /**
   * The alert's `revision` annotation, when it has one: a manual procedure alert whose run
   * gained a context is news again (the receiver must get the whole list), though it is
   * the same alert in the same life.
   */
  rev?: string;
}

export const itemKey = (i: NoticeItem): string =>
  `${i.alertId}@${i.startsAt}:${i.status}${i.rev !== undefined ? `#${i.rev}` : ''}`;

/** An alert with what one webhook was last told about it. */
export type NoticedAlert = AlertRecord & { notice?: AlertStatus; noticeStartsAt?: number };

interface AlertRow {
  id: number;
  fingerprint: string;
  alertname: string;
  severity: string;
  device: string;
  context: string;
  event_kind: string | null;
  labels: string;
  annotations: string;
  status: string;
  starts_at: number;
  ends_at: number | null;
  last_fired_at: number;
  fire_count: number;
  event_id: number | null;
  job_id: number | null;
  resolved_reason: string | null;
  updated_at: number;
  notice?: string | null;
  notice_at?: number | null;
}

function toAlert(r: AlertRow): NoticedAlert {
  const a: NoticedAlert = {
    id: r.id,
    fingerprint: r.fingerprint,
    alertname: r.alertname,
    severity: r.severity,
    device: r.device,
    context: r.context,
    eventKind: r.event_kind ?? undefined,
    labels: JSON.parse(r.labels) as Record<string, string>,
    annotations: JSON.parse(r.annotations) as Record<string, string>,
    status: r.status as AlertStatus,
    startsAt: r.starts_at,
    endsAt: r.ends_at ?? undefined,
    lastFiredAt: r.last_fired_at,
    fireCount: r.fire_count,
    eventId: r.event_id ?? undefined,
    jobId: r.job_id ?? undefined,
    resolvedReason: r.resolved_reason ?? undefined,
    updatedAt: r.updated_at,
  };
  if (r.notice) a.notice = r.notice as AlertStatus;
  if (r.notice_at !== undefined && r.notice_at !== null) a.noticeStartsAt = r.notice_at;
  return a;
}

export interface AlertFilter {
  status?: AlertStatus;
  device?: string;
  context?: string;
  /** Only alerts with an id below this (pagination, newest first). */
  beforeId?: number;
  limit?: number;
}

const SQL = {
  byFp: 'SELECT * FROM alerts WHERE fingerprint = ?',
  get: 'SELECT * FROM alerts WHERE id = ?',
  insert: `INSERT INTO alerts (fingerprint, alertname, severity, device, context, event_kind, labels, annotations,
    status, starts_at, last_fired_at, fire_count, event_id, job_id, updated_at)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'firing', ?, ?, ?, ?, ?, ?)`,
  refire: `UPDATE alerts SET annotations = ?, severity = ?, event_kind = COALESCE(?, event_kind),
    last_fired_at = ?, fire_count = fire_count + ?, event_id = COALESCE(?, event_id),
    job_id = COALESCE(?, job_id), updated_at = ? WHERE id = ?`,
  reopen: `UPDATE alerts SET status = 'firing', starts_at = ?, ends_at = NULL, resolved_reason = NULL,
    annotations = ?, severity = ?, event_kind = COALESCE(?, event_kind), last_fired_at = ?,
    fire_count = fire_count + ?, event_id = COALESCE(?, event_id), job_id = COALESCE(?, job_id), updated_at = ?
    WHERE id = ?`,
  resolve: `UPDATE alerts SET status = 'resolved', ends_at = ?, resolved_reason = ?, updated_at = ?
    WHERE id = ? AND status = 'firing'`,
  countFiring: "SELECT COUNT(*) AS n FROM alerts WHERE status = 'firing'",
  firing: "SELECT * FROM alerts WHERE status = 'firing' ORDER BY id LIMIT ?",
  firingNoticed: `SELECT a.*, n.status AS notice, n.at AS notice_at FROM alerts a
    LEFT JOIN alert_notices n ON n.alert_id = a.id AND n.webhook = ? WHERE a.status = 'firing' ORDER BY a.id LIMIT ?`,
  resolvedToTell: `SELECT a.*, n.status AS notice, n.at AS notice_at FROM alerts a
    LEFT JOIN alert_notices n ON n.alert_id = a.id AND n.webhook = ?
    WHERE a.status = 'resolved' AND a.ends_at >= ? AND (n.status IS NULL OR n.status = 'firing') ORDER BY a.id LIMIT ?`,
  notice: `INSERT INTO alert_notices (webhook, alert_id, status, at) VALUES (?, ?, ?, ?)
    ON CONFLICT(webhook, alert_id) DO UPDATE SET status = excluded.status, at = excluded.at`,
  getState: 'SELECT value FROM notifier_state WHERE key = ?',
  setState: `INSERT INTO notifier_state (key, value) VALUES (?, ?)
    ON CONFLICT(key) DO UPDATE SET value = excluded.value`,
  pruneResolved: "DELETE FROM alerts WHERE status = 'resolved' AND ends_at < ?",
  resolvedCut: "SELECT id FROM alerts WHERE status = 'resolved' ORDER BY id DESC LIMIT 1 OFFSET ?",
  pruneResolvedUpTo: "DELETE FROM alerts WHERE status = 'resolved' AND id <= ?",
} as const;

export class AlertStore {
  readonly #db: Database;
  readonly #filtered: FilteredStatements;
  readonly #s: Statements<typeof SQL>;

  constructor(db: Database) {
    this.#db = db;
    this.#filtered = new FilteredStatements(db);
    this.#s = prepareAll(db, SQL);
  }

  get db(): Database {
    return this.#db;
  }

  /**
   * An alert fired: a new row, or the existing row of that fingerprint updated (re-opened
   * with a new `startsAt` when it had resolved). Undefined when MAX_FIRING_ALERTS are open.
   */
  fire(a: NewAlert): { alert: AlertRecord; created: boolean; reopened: boolean } | undefined {
    const count = Math.max(1, a.count ?? 1);
    const ann = JSON.stringify(a.annotations);
    const old = this.#s.byFp.get(a.fingerprint) as AlertRow | undefined;
    if (old && old.status === 'firing') {
      this.#s.refire.run(
        ann,
        a.severity,
        a.eventKind ?? null,
        a.at,
        count,
        a.eventId ?? null,
        a.jobId ?? null,
        a.at,
        old.id,
      );
      return { alert: this.get(old.id)!, created: false, reopened: false };
    }
    if (this.countFiring() >= MAX_FIRING_ALERTS) return undefined;
    if (old) {
      this.#s.reopen.run(
        a.at,
        ann,
        a.severity,
        a.eventKind ?? null,
        a.at,
        count,
        a.eventId ?? null,
        a.jobId ?? null,
        a.at,
        old.id,
      );
      return { alert: this.get(old.id)!, created: false, reopened: true };
    }
    const r = this.#s.insert.run(
      a.fingerprint,
      a.alertname,
      a.severity,
      a.device,
      a.context,
      a.eventKind ?? null,
      JSON.stringify(a.labels),
      ann,
      a.at,
      a.at,
      count,
      a.eventId ?? null,
      a.jobId ?? null,
      a.at,
    );
    return { alert: this.get(Number(r.lastInsertRowid))!, created: true, reopened: false };
  }

  resolve(id: number, at: number, reason: string): boolean {
    return this.#s.resolve.run(at, reason.slice(0, 500), at, id).changes > 0;
  }

  get(id: number): AlertRecord | undefined {
    const r = this.#s.get.get(id) as AlertRow | undefined;
    return r ? toAlert(r) : undefined;
  }

  byFingerprint(fp: string): AlertRecord | undefined {
    const r = this.#s.byFp.get(fp) as AlertRow | undefined;
    return r ? toAlert(r) : undefined;
  }

  countFiring(): number {
    return (this.#s.countFiring.get() as { n: number }).n;
  }

  firing(limit = MAX_FIRING_ALERTS): AlertRecord[] {
    return (this.#s.firing.all(limit) as AlertRow[]).map(toAlert);
  }

  /** Firing alerts with what `webhook` was last told about each. */
  firingFor(webhook: string, limit = MAX_FIRING_ALERTS): NoticedAlert[] {
    return (this.#s.firingNoticed.all(webhook, limit) as AlertRow[]).map(toAlert);
  }

  /** Resolved alerts (ended at or after `since`) that `webhook` has not been told are resolved. */
  resolvedFor(webhook: string, since: number, limit = MAX_FIRING_ALERTS): NoticedAlert[] {
    return (this.#s.resolvedToTell.all(webhook, since, limit) as AlertRow[]).map(toAlert);
  }

  /** Newest first. */
  list(filter: AlertFilter = {}): AlertRecord[] {
    const where: string[] = [];
    const args: unknown[] = [];
    if (filter.status) {
      where.push('status = ?');
      args.push(filter.status);
    }
    if (filter.device !== undefined) {
      where.push('device = ?');
      args.push(filter.device);
    }
    if (filter.context !== undefined) {
      where.push('context = ?');
      args.push(filter.context);
    }
    if (filter.beforeId !== undefined) {
      where.push('id < ?');
      args.push(filter.beforeId);
    }
    const sql = `SELECT * FROM alerts ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY id DESC LIMIT ?`;
    return (this.#filtered.get(sql).all(...args, Math.min(Math.max(1, filter.limit ?? 100), 1000)) as AlertRow[]).map(
      toAlert,
    );
  }

  recordNotice(webhook: string, item: NoticeItem, at: number): void {
    this.#s.notice.run(webhook, item.alertId, item.status, at);
  }

  state(key: string): string | undefined {
    return (this.#s.getState.get(key) as { value: string } | undefined)?.value;
  }

  setState(key: string, value: string): void {
    this.#s.setState.run(key, value);
  }

  /** Retention: old resolved alerts (their notices cascade). */
  prune(now: number): number {
    return this.#db.transaction(() => {
      let n = this.#s.pruneResolved.run(now - ALERT_RETENTION_MS).changes;
      const cut = this.#s.resolvedCut.get(MAX_RESOLVED_ALERTS) as { id: number } | undefined;
      if (cut) n += this.#s.pruneResolvedUpTo.run(cut.id).changes;
      return n;
    })();
  }
}
