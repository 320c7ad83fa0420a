/** Devices, contexts (with their sync state), FT roles and FT group membership, poll cadence. */
export const INVENTORY_V1 = `
CREATE TABLE devices (
  name        TEXT PRIMARY KEY,
  host        TEXT NOT NULL DEFAULT '',
  peer        TEXT,
  configured  INTEGER NOT NULL DEFAULT 1,
  first_seen  INTEGER NOT NULL,
  updated_at  INTEGER NOT NULL
) STRICT;

-- One row per (device, context): where its copy in ANM stands, since when, and why.
CREATE TABLE contexts (
  device              TEXT NOT NULL REFERENCES devices(name),
  name                TEXT NOT NULL,
  configured          INTEGER NOT NULL DEFAULT 0,
  ft_group            INTEGER,
  sync                TEXT NOT NULL DEFAULT 'unknown'
                      CHECK (sync IN ('unknown','in-sync','suspect','stale','syncing','failed','removed')),
  since               INTEGER NOT NULL,
  reasons             TEXT NOT NULL DEFAULT '[]',
  last_audit_at       INTEGER,
  last_audit_outcome  TEXT,
  last_audit_hash     TEXT,
  last_upload_at      INTEGER,
  last_upload_outcome TEXT,
  anm_hash            TEXT,
  first_seen          INTEGER NOT NULL,
  updated_at          INTEGER NOT NULL,
  PRIMARY KEY (device, name)
) STRICT;

CREATE TABLE ft_roles (
  device      TEXT NOT NULL,
  ft_group    INTEGER NOT NULL,
  role        TEXT NOT NULL,
  prev_role   TEXT,
  since       INTEGER NOT NULL,
  updated_at  INTEGER NOT NULL,
  PRIMARY KEY (device, ft_group)
) STRICT;

-- source: 'config' (ft_group in the configuration) or 'learned' (show ft group).
CREATE TABLE ft_group_contexts (
  device      TEXT NOT NULL,
  ft_group    INTEGER NOT NULL,
  context     TEXT NOT NULL,
  source      TEXT NOT NULL,
  updated_at  INTEGER NOT NULL,
  PRIMARY KEY (device, ft_group, context)
) STRICT;

-- Set by rules (fast polling for a while); read by the poller.
CREATE TABLE poll_cadence (
  device      TEXT PRIMARY KEY,
  mode        TEXT NOT NULL,
  until       INTEGER NOT NULL,
  rule        TEXT,
  reason      TEXT,
  set_at      INTEGER NOT NULL
) STRICT;
`;

/**
 * Version 4: the `unconfirmed` sync state (a context learnt from a device message that
 * `show context` has not listed yet). SQLite cannot alter a CHECK: the table is rebuilt
 * (nothing references `contexts`, so the rebuild needs no foreign-key dance).
 */
export const CONTEXTS_UNCONFIRMED_V4 = `
CREATE TABLE contexts_v4 (
  device              TEXT NOT NULL REFERENCES devices(name),
  name                TEXT NOT NULL,
  configured          INTEGER NOT NULL DEFAULT 0,
  ft_group            INTEGER,
  sync                TEXT NOT NULL DEFAULT 'unknown'
                      CHECK (sync IN ('unknown','in-sync','suspect','stale','syncing','failed','removed','unconfirmed')),
  since               INTEGER NOT NULL,
  reasons             TEXT NOT NULL DEFAULT '[]',
  last_audit_at       INTEGER,
  last_audit_outcome  TEXT,
  last_audit_hash     TEXT,
  last_upload_at      INTEGER,
  last_upload_outcome TEXT,
  anm_hash            TEXT,
  first_seen          INTEGER NOT NULL,
  updated_at          INTEGER NOT NULL,
  PRIMARY KEY (device, name)
) STRICT;
INSERT INTO contexts_v4 SELECT device, name, configured, ft_group, sync, since, reasons, last_audit_at, last_audit_outcome,
  last_audit_hash, last_upload_at, last_upload_outcome, anm_hash, first_seen, updated_at FROM contexts;
DROP TABLE contexts;
ALTER TABLE contexts_v4 RENAME TO contexts;
`;
