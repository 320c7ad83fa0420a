/** Settle windows and expectation deadlines (rows, so they survive a kill -9), and once_within throttles. */
export const TIMERS_V1 = `
CREATE TABLE timers (
  id          INTEGER PRIMARY KEY,
  key         TEXT NOT NULL UNIQUE,
  kind        TEXT NOT NULL CHECK (kind IN ('settle','expect')),
  due         INTEGER NOT NULL,
  first_at    INTEGER NOT NULL,
  rule        TEXT NOT NULL,
  rule_hash   TEXT NOT NULL,
  device      TEXT NOT NULL,
  context     TEXT NOT NULL,
  payload     TEXT NOT NULL,
  created_at  INTEGER NOT NULL
) STRICT;
CREATE INDEX timers_due ON timers(due, id);

CREATE TABLE throttles (
  rule   TEXT NOT NULL,
  key    TEXT NOT NULL,
  until  INTEGER NOT NULL,
  PRIMARY KEY (rule, key)
) STRICT;
`;
