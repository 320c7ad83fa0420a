/** Builders for trap decoder inputs shaped like net-snmp's callback `pdu`. */
import type { TrapInput } from '../../src/parse/trap-decode.js';
import { SNMP } from '../../src/parse/trap-oids.js';

export const T = {
  Integer: 2,
  OctetString: 4,
  Null: 5,
  OID: 6,
  IpAddress: 64,
  Counter: 65,
  Gauge: 66,
  TimeTicks: 67,
  Opaque: 68,
  Counter64: 70,
  BitString: 3,
} as const;

export type Vb = [oid: string, type: number, value: unknown];

/** A string value as net-snmp hands it over: a Buffer. */
export const s = (text: string): Buffer => Buffer.from(text, 'utf8');

/** SNMPv2-Trap PDU (167) with sysUpTime.0 and snmpTrapOID.0 in front. */
export function v2(trapOid: string, vbs: Vb[] = [], extra: Partial<TrapInput> = {}): TrapInput {
  return {
    type: 167,
    version: 'v2c',
    varbinds: [
      { oid: SNMP.sysUpTime, type: T.TimeTicks, value: 12345 },
      { oid: SNMP.snmpTrapOID, type: T.OID, value: trapOid },
      ...vbs.map(([oid, type, value]) => ({ oid, type, value })),
    ],
    ...extra,
  };
}

/** SNMPv1 Trap-PDU (164). */
export function v1(enterprise: string, generic: number, specific: number, vbs: Vb[] = []): TrapInput {
  return {
    type: 164,
    version: 'v1',
    enterprise,
    agentAddr: '192.0.2.10',
    generic,
    specific,
    upTime: 777,
    varbinds: vbs.map(([oid, type, value]) => ({ oid, type, value })),
  };
}
