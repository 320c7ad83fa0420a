/** Every distinct normalised configuration seen per context, and which one is ANM's copy. */
export const CONFIG_VERSIONS_V1 = `
CREATE TABLE config_versions (
  id          INTEGER PRIMARY KEY,
  device      TEXT NOT NULL,
  context     TEXT NOT NULL,
  hash        TEXT NOT NULL,
  text        TEXT,
  first_seen  INTEGER NOT NULL,
  last_seen   INTEGER NOT NULL,
  seen_count  INTEGER NOT NULL DEFAULT 1,
  is_anm      INTEGER NOT NULL DEFAULT 0,
  UNIQUE (device, context, hash)
) STRICT;
CREATE INDEX config_versions_recent ON config_versions(device, context, last_seen);
`;
