/** SSH host keys trusted on first use (devices whose configuration pins none). */
export const KNOWN_HOSTS_V3 = `
CREATE TABLE known_hosts (
  device       TEXT PRIMARY KEY,
  fingerprint  TEXT NOT NULL,
  first_seen   INTEGER NOT NULL
) STRICT;
`;
