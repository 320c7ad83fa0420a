/**
 * What the engine decided and why, one row per state change, action, matched rule,
 * throttled rule, met or expired expectation, or learnt fact. `acesync explain` reads it.
 */
export const DECISIONS_V1 = `
CREATE TABLE decisions (
  id          INTEGER PRIMARY KEY,
  at          INTEGER NOT NULL,
  event_id    INTEGER,
  rule        TEXT,
  kind        TEXT NOT NULL,
  device      TEXT,
  context     TEXT,
  from_state  TEXT,
  to_state    TEXT,
  action      TEXT,
  due         INTEGER,
  reason      TEXT,
  detail      TEXT
) STRICT;
CREATE INDEX decisions_target ON decisions(device, context, id);
CREATE INDEX decisions_at ON decisions(at);
CREATE INDEX decisions_event ON decisions(event_id) WHERE event_id IS NOT NULL;
`;
