/**
 * acesync's own SNMP engine: snmpEngineBoots per engine ID (RFC 3414 §2.2), incremented at
 * every start so informs captured before a restart are outside the time window after it.
 */
export const SNMP_ENGINE_V4 = `
CREATE TABLE snmp_engine (
  engine_id   TEXT PRIMARY KEY,
  boots       INTEGER NOT NULL,
  booted_at   INTEGER NOT NULL
) STRICT;
`;
