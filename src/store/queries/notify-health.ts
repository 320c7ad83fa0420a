/**
 * Which webhook receivers are failing now: a receiver whose latest attempted notification
 * did not go through (retrying, given up, or superseded after failing). Read-only; the
 * page's "Notifications failing" panel and the notifications metric use it. The table is
 * bounded by the outbox's retention (MAX_FINISHED_DELIVERIES), so the scan is too.
 */
import type { Database } from 'better-sqlite3';

export interface FailingReceiver {
  webhook: string;
  deliveryId: number;
  status: string;
  attempts: number;
  maxAttempts: number;
  lastError: string;
  lastHttpStatus?: number;
  at: number;
  /** Undelivered notifications of this receiver (pending or being sent). */
  waiting: number;
}

interface Row {
  webhook: string;
  id: number;
  status: string;
  attempts: number;
  max_attempts: number;
  last_error: string | null;
  last_http_status: number | null;
  updated_at: number;
  waiting: number;
}

export function failingReceivers(db: Database): FailingReceiver[] {
  const rows = db
    .prepare(
      `SELECT d.webhook, d.id, d.status, d.attempts, d.max_attempts, d.last_error, d.last_http_status, d.updated_at,
              (SELECT COUNT(*) FROM webhook_deliveries w WHERE w.webhook = d.webhook AND w.status IN ('pending','sending')) AS waiting
         FROM webhook_deliveries d
         JOIN (SELECT webhook, MAX(id) AS id FROM webhook_deliveries WHERE attempts > 0 GROUP BY webhook) m ON m.id = d.id
        WHERE d.status <> 'sent'
        ORDER BY d.webhook`,
    )
    .all() as Row[];
  return rows.map((r) => ({
    webhook: r.webhook,
    deliveryId: r.id,
    status: r.status,
    attempts: r.attempts,
    maxAttempts: r.max_attempts,
    lastError: r.last_error ?? 'unknown error',
    lastHttpStatus: r.last_http_status ?? undefined,
    at: r.updated_at,
    waiting: r.waiting,
  }));
}
