/**
 * Alerts and the webhook outbox (issue "Status page, JSON API, webhook alerts"):
 * - `alerts`: one row per alert identity (fingerprint of its labels), firing or resolved;
 *   rules raise them as `alert` jobs, the notifier turns each job into a row here.
 * - `alert_notices`: what each webhook was last told about each alert, so a resolved
 *   notice is sent once and never lost by a restart (Alertmanager #2370).
 * - `alert_groups`: aggregation state per (webhook, group key): when the group may flush
 *   next and what its last notification held (group_wait / group_interval / repeat_interval).
 * - `webhook_deliveries`: the outbox. A row holds the exact body that is signed and sent,
 *   so a retry after a restart sends the same bytes.
 * - `notifier_state`: small key/value cursors (last event scanned for resolution signals).
 */
export const ALERTS_V2 = `
CREATE TABLE alerts (
  id              INTEGER PRIMARY KEY,
  fingerprint     TEXT NOT NULL UNIQUE,
  alertname       TEXT NOT NULL,
  severity        TEXT NOT NULL,
  device          TEXT NOT NULL DEFAULT '',
  context         TEXT NOT NULL DEFAULT '',
  event_kind      TEXT,
  labels          TEXT NOT NULL,
  annotations     TEXT NOT NULL,
  status          TEXT NOT NULL CHECK (status IN ('firing','resolved')),
  starts_at       INTEGER NOT NULL,
  ends_at         INTEGER,
  last_fired_at   INTEGER NOT NULL,
  fire_count      INTEGER NOT NULL DEFAULT 1,
  event_id        INTEGER,
  job_id          INTEGER,
  resolved_reason TEXT,
  updated_at      INTEGER NOT NULL
) STRICT;
CREATE INDEX alerts_status ON alerts(status, id);
CREATE INDEX alerts_target ON alerts(device, context, status);
CREATE INDEX alerts_updated ON alerts(updated_at);

CREATE TABLE alert_notices (
  webhook   TEXT NOT NULL,
  alert_id  INTEGER NOT NULL REFERENCES alerts(id) ON DELETE CASCADE,
  status    TEXT NOT NULL CHECK (status IN ('firing','resolved')),
  at        INTEGER NOT NULL,
  PRIMARY KEY (webhook, alert_id)
) STRICT;
CREATE INDEX alert_notices_alert ON alert_notices(alert_id);

CREATE TABLE alert_groups (
  webhook        TEXT NOT NULL,
  group_key      TEXT NOT NULL,
  group_labels   TEXT NOT NULL,
  created_at     INTEGER NOT NULL,
  next_flush_at  INTEGER NOT NULL,
  last_flush_at  INTEGER,
  last_items     TEXT NOT NULL DEFAULT '[]',
  PRIMARY KEY (webhook, group_key)
) STRICT;

CREATE TABLE webhook_deliveries (
  id               INTEGER PRIMARY KEY,
  webhook          TEXT NOT NULL,
  group_key        TEXT NOT NULL,
  status           TEXT NOT NULL CHECK (status IN ('pending','sending','sent','failed','superseded')),
  alert_status     TEXT NOT NULL CHECK (alert_status IN ('firing','resolved')),
  alert_count      INTEGER NOT NULL,
  items            TEXT NOT NULL,
  body             TEXT NOT NULL,
  attempts         INTEGER NOT NULL DEFAULT 0,
  max_attempts     INTEGER NOT NULL,
  next_attempt_at  INTEGER NOT NULL,
  last_error       TEXT,
  last_http_status INTEGER,
  created_at       INTEGER NOT NULL,
  updated_at       INTEGER NOT NULL,
  sent_at          INTEGER
) STRICT;
CREATE INDEX webhook_deliveries_due ON webhook_deliveries(webhook, id) WHERE status IN ('pending','sending');
CREATE INDEX webhook_deliveries_finished ON webhook_deliveries(updated_at) WHERE status IN ('sent','failed','superseded');

CREATE TABLE notifier_state (
  key    TEXT PRIMARY KEY,
  value  TEXT NOT NULL
) STRICT;
`;
