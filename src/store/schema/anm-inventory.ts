/** What the last reconcile with ANM's inventory found: the run, and the contexts ANM does not know. */
export const ANM_INVENTORY_V5 = `
CREATE TABLE anm_reconcile (
  id          INTEGER PRIMARY KEY CHECK (id = 1),
  at          INTEGER NOT NULL,
  ok          INTEGER NOT NULL,
  error       TEXT,
  matched     INTEGER NOT NULL DEFAULT 0,
  anm_only    INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE TABLE anm_unknown_contexts (
  device      TEXT NOT NULL,
  context     TEXT NOT NULL,
  host        TEXT NOT NULL,
  first_seen  INTEGER NOT NULL,
  last_seen   INTEGER NOT NULL,
  PRIMARY KEY (device, context)
) STRICT;
`;
