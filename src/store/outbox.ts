/**
 * The webhook outbox (tables alert_groups and webhook_deliveries, schema in
 * store/schema/alerts.ts): aggregation state per (webhook, group) and one row per
 * notification, holding the exact body that is signed and sent, so a retry after a restart
 * sends the same bytes. Delivering records, through the AlertStore, what each webhook now
 * knows of each alert.
 */
import type { Database } from 'better-sqlite3';
import type { AlertStatus, AlertStore, NoticeItem } from './alerts.js';
import { FilteredStatements, prepareAll, type Statements } from './statements.js';

export type DeliveryStatus = 'pending' | 'sending' | 'sent' | 'failed' | 'superseded';

/** Finished notifications are kept this long, and at most this many. */
export const DELIVERY_RETENTION_MS = 7 * 86_400_000;
export const MAX_FINISHED_DELIVERIES = 20_000;

export interface DeliveryRecord {
  id: number;
  webhook: string;
  groupKey: string;
  status: DeliveryStatus;
  alertStatus: AlertStatus;
  alertCount: number;
  items: NoticeItem[];
  body: string;
  attempts: number;
  maxAttempts: number;
  nextAttemptAt: number;
  lastError?: string;
  lastHttpStatus?: number;
  createdAt: number;
  updatedAt: number;
  sentAt?: number;
}

export interface GroupState {
  webhook: string;
  groupKey: string;
  groupLabels: Record<string, string>;
  createdAt: number;
  nextFlushAt: number;
  lastFlushAt?: number;
  /** itemKey()s of the last notification created for the group. */
  lastItems: string[];
}

interface DeliveryRow {
  id: number;
  webhook: string;
  group_key: string;
  status: string;
  alert_status: string;
  alert_count: number;
  items: string;
  body: string;
  attempts: number;
  max_attempts: number;
  next_attempt_at: number;
  last_error: string | null;
  last_http_status: number | null;
  created_at: number;
  updated_at: number;
  sent_at: number | null;
}

interface GroupRow {
  webhook: string;
  group_key: string;
  group_labels: string;
  created_at: number;
  next_flush_at: number;
  last_flush_at: number | null;
  last_items: string;
}

function toGroup(r: GroupRow): GroupState {
  return {
    webhook: r.webhook,
    groupKey: r.group_key,
    groupLabels: JSON.parse(r.group_labels) as Record<string, string>,
    createdAt: r.created_at,
    nextFlushAt: r.next_flush_at,
    lastFlushAt: r.last_flush_at ?? undefined,
    lastItems: JSON.parse(r.last_items) as string[],
  };
}

function toDelivery(r: DeliveryRow): DeliveryRecord {
  return {
    id: r.id,
    webhook: r.webhook,
    groupKey: r.group_key,
    status: r.status as DeliveryStatus,
    alertStatus: r.alert_status as AlertStatus,
    alertCount: r.alert_count,
    items: JSON.parse(r.items) as NoticeItem[],
    body: r.body,
    attempts: r.attempts,
    maxAttempts: r.max_attempts,
    nextAttemptAt: r.next_attempt_at,
    lastError: r.last_error ?? undefined,
    lastHttpStatus: r.last_http_status ?? undefined,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    sentAt: r.sent_at ?? undefined,
  };
}

const SQL = {
  group: 'SELECT * FROM alert_groups WHERE webhook = ? AND group_key = ?',
  groups: 'SELECT * FROM alert_groups WHERE webhook = ?',
  putGroup: `INSERT INTO alert_groups (webhook, group_key, group_labels, created_at, next_flush_at, last_flush_at,
    last_items) VALUES (?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT(webhook, group_key) DO UPDATE SET next_flush_at = excluded.next_flush_at,
    last_flush_at = excluded.last_flush_at, last_items = excluded.last_items`,
  deleteGroup: 'DELETE FROM alert_groups WHERE webhook = ? AND group_key = ?',
  insertDelivery: `INSERT INTO webhook_deliveries (webhook, group_key, status, alert_status, alert_count, items, body,
    max_attempts, next_attempt_at, created_at, updated_at)
    VALUES (?, ?, 'pending', ?, ?, ?, ?, ?, ?, ?, ?)`,
  supersede: `UPDATE webhook_deliveries SET status = 'superseded', last_error = ?, updated_at = ?
    WHERE webhook = ? AND group_key = ? AND status = 'pending'`,
  head: "SELECT * FROM webhook_deliveries WHERE webhook = ? AND status IN ('pending', 'sending') ORDER BY id LIMIT 1",
  delivery: 'SELECT * FROM webhook_deliveries WHERE id = ?',
  sending: `UPDATE webhook_deliveries SET status = 'sending', attempts = attempts + 1, updated_at = ?
    WHERE id = ? AND status = 'pending'`,
  sent: `UPDATE webhook_deliveries SET status = 'sent', sent_at = ?, last_http_status = ?,
    last_error = NULL, updated_at = ? WHERE id = ?`,
  retry: `UPDATE webhook_deliveries SET status = 'pending', next_attempt_at = ?, last_error = ?,
    last_http_status = ?, updated_at = ? WHERE id = ?`,
  failed: `UPDATE webhook_deliveries SET status = 'failed', last_error = ?, last_http_status = ?, updated_at = ?
    WHERE id = ?`,
  recover: "UPDATE webhook_deliveries SET status = 'pending', updated_at = ? WHERE status = 'sending'",
  deliveryCounts: 'SELECT webhook, status, COUNT(*) AS n FROM webhook_deliveries GROUP BY webhook, status',
  refundAttempt: 'UPDATE webhook_deliveries SET attempts = MAX(0, attempts - 1) WHERE id = ?',
  undeliveredWebhooks: "SELECT DISTINCT webhook FROM webhook_deliveries WHERE status IN ('pending', 'sending')",
  failUnconfigured: `UPDATE webhook_deliveries SET status = 'failed',
    last_error = 'webhook no longer configured', updated_at = ?
    WHERE webhook = ? AND status IN ('pending', 'sending')`,
  groupWebhooks: 'SELECT DISTINCT webhook FROM alert_groups',
  deleteGroupsOf: 'DELETE FROM alert_groups WHERE webhook = ?',
  pruneFinished: "DELETE FROM webhook_deliveries WHERE status IN ('sent', 'failed', 'superseded') AND updated_at < ?",
  finishedCut: `SELECT id FROM webhook_deliveries WHERE status IN ('sent', 'failed', 'superseded')
    ORDER BY id DESC LIMIT 1 OFFSET ?`,
  pruneFinishedUpTo: "DELETE FROM webhook_deliveries WHERE status IN ('sent', 'failed', 'superseded') AND id <= ?",
} as const;

export class OutboxStore {
  readonly #db: Database;
  readonly #filtered: FilteredStatements;
  readonly #alerts: AlertStore;
  readonly #s: Statements<typeof SQL>;

  constructor(db: Database, alerts: AlertStore) {
    this.#db = db;
    this.#filtered = new FilteredStatements(db);
    this.#alerts = alerts;
    this.#s = prepareAll(db, SQL);
  }

  group(webhook: string, groupKey: string): GroupState | undefined {
    const r = this.#s.group.get(webhook, groupKey) as GroupRow | undefined;
    return r ? toGroup(r) : undefined;
  }

  groups(webhook: string): GroupState[] {
    return (this.#s.groups.all(webhook) as GroupRow[]).map(toGroup);
  }

  putGroup(g: GroupState): void {
    this.#s.putGroup.run(
      g.webhook,
      g.groupKey,
      JSON.stringify(g.groupLabels),
      g.createdAt,
      g.nextFlushAt,
      g.lastFlushAt ?? null,
      JSON.stringify(g.lastItems),
    );
  }

  deleteGroup(webhook: string, groupKey: string): void {
    this.#s.deleteGroup.run(webhook, groupKey);
  }

  /** Queue a notification; older pending ones of the same group are superseded by it (it carries their news too). */
  enqueueDelivery(d: {
    webhook: string;
    groupKey: string;
    alertStatus: AlertStatus;
    items: NoticeItem[];
    body: string;
    maxAttempts: number;
    at: number;
  }): number {
    return this.#db.transaction(() => {
      this.#s.supersede.run('superseded by a newer notification of the same group', d.at, d.webhook, d.groupKey);
      const r = this.#s.insertDelivery.run(
        d.webhook,
        d.groupKey,
        d.alertStatus,
        d.items.length,
        JSON.stringify(d.items),
        d.body,
        d.maxAttempts,
        d.at,
        d.at,
        d.at,
      );
      return Number(r.lastInsertRowid);
    })();
  }

  /** The oldest undelivered notification of a webhook (deliveries go out in order). */
  head(webhook: string): DeliveryRecord | undefined {
    const r = this.#s.head.get(webhook) as DeliveryRow | undefined;
    return r ? toDelivery(r) : undefined;
  }

  delivery(id: number): DeliveryRecord | undefined {
    const r = this.#s.delivery.get(id) as DeliveryRow | undefined;
    return r ? toDelivery(r) : undefined;
  }

  markSending(id: number, at: number): boolean {
    return this.#s.sending.run(at, id).changes > 0;
  }

  /** Delivered: record what the webhook now knows of each alert it carried. */
  markSent(id: number, httpStatus: number, at: number): void {
    this.#db.transaction(() => {
      const d = this.delivery(id);
      if (!d) return;
      this.#s.sent.run(at, httpStatus, at, id);
      for (const item of d.items) if (this.#alerts.get(item.alertId)) this.#alerts.recordNotice(d.webhook, item, at);
    })();
  }

  markRetry(id: number, nextAt: number, error: string, httpStatus: number | undefined, at: number): void {
    this.#s.retry.run(nextAt, error.slice(0, 1000), httpStatus ?? null, at, id);
  }

  /**
   * Given up (dead letter, kept for the operator). Resolved alerts it carried count as told,
   * so a receiver that is gone does not make their resolved notice come back forever.
   */
  markFailed(id: number, error: string, httpStatus: number | undefined, at: number): void {
    this.#db.transaction(() => {
      const d = this.delivery(id);
      if (!d) return;
      this.#s.failed.run(error.slice(0, 1000), httpStatus ?? null, at, id);
      for (const item of d.items)
        if (item.status === 'resolved' && this.#alerts.get(item.alertId))
          this.#alerts.recordNotice(d.webhook, item, at);
    })();
  }

  /** At start: deliveries a crash left in flight are due again (receivers may see one twice). */
  recoverSending(at: number): number {
    return this.#s.recover.run(at).changes;
  }

  deliveries(
    filter: { webhook?: string; status?: DeliveryStatus; beforeId?: number; limit?: number } = {},
  ): DeliveryRecord[] {
    const where: string[] = [];
    const args: unknown[] = [];
    if (filter.webhook !== undefined) {
      where.push('webhook = ?');
      args.push(filter.webhook);
    }
    if (filter.status !== undefined) {
      where.push('status = ?');
      args.push(filter.status);
    }
    if (filter.beforeId !== undefined) {
      where.push('id < ?');
      args.push(filter.beforeId);
    }
    const clause = where.length ? 'WHERE ' + where.join(' AND ') : '';
    const sql = `SELECT * FROM webhook_deliveries ${clause} ORDER BY id DESC LIMIT ?`;
    return (
      this.#filtered.get(sql).all(...args, Math.min(Math.max(1, filter.limit ?? 100), 1000)) as DeliveryRow[]
    ).map(toDelivery);
  }

  deliveryCounts(): Array<{ webhook: string; status: DeliveryStatus; count: number }> {
    return (this.#s.deliveryCounts.all() as Array<{ webhook: string; status: DeliveryStatus; n: number }>).map((r) => ({
      webhook: r.webhook,
      status: r.status,
      count: r.n,
    }));
  }

  /** Shutting down interrupted a POST: the attempt it counted is given back (not the receiver's fault). */
  refundAttempt(id: number): void {
    this.#s.refundAttempt.run(id);
  }

  /** Deliveries and groups of webhooks no longer in the configuration: undelivered ones fail, groups go. */
  dropUnconfigured(configured: ReadonlySet<string>, now: number): void {
    for (const { webhook } of this.#s.undeliveredWebhooks.all() as Array<{ webhook: string }>)
      if (!configured.has(webhook)) this.#s.failUnconfigured.run(now, webhook);
    for (const { webhook } of this.#s.groupWebhooks.all() as Array<{ webhook: string }>)
      if (!configured.has(webhook)) this.#s.deleteGroupsOf.run(webhook);
  }

  /** Retention of finished notifications. */
  prune(now: number): number {
    return this.#db.transaction(() => {
      let n = this.#s.pruneFinished.run(now - DELIVERY_RETENTION_MS).changes;
      const cut = this.#s.finishedCut.get(MAX_FINISHED_DELIVERIES) as { id: number } | undefined;
      if (cut) n += this.#s.pruneFinishedUpTo.run(cut.id).changes;
      return n;
    })();
  }
}
