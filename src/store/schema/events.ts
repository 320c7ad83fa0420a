/** Relevant events as they arrived (noise is counted, not stored, unless configured). */
export const EVENTS_V1 = `
CREATE TABLE events (
  id           INTEGER PRIMARY KEY,
  received_at  INTEGER NOT NULL,
  kind         TEXT NOT NULL,
  msg_id       TEXT,
  device       TEXT,
  context      TEXT,
  body         TEXT NOT NULL
) STRICT;
CREATE INDEX events_received ON events(received_at);
`;
