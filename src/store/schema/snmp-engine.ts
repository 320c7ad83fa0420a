/**
 * acesync's own SNMP engine: snmpEngineBoots per engine ID (RFC 3414 §2.2), incremented at
 * every start so informs captured before a restart are outside the time window after it.
 * snmp_remote_engines: the latest boots/time accepted from each trap sender and when (local
 * ms), so a trap captured before a restart is not a first contact after it.
 */
export const SNMP_ENGINE_V6 = `
CREATE TABLE snmp_engine (
  engine_id   TEXT PRIMARY KEY,
  boots       INTEGER NOT NULL,
  booted_at   INTEGER NOT NULL
) STRICT;
CREATE TABLE snmp_remote_engines (
  engine_id   TEXT PRIMARY KEY,
  boots       INTEGER NOT NULL,
  time        INTEGER NOT NULL,
  seen_at     INTEGER NOT NULL
) STRICT;
`;
