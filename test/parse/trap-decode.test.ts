import { describe, expect, it } from 'vitest';
import { decodeTrap } from '../../src/parse/trap-decode.js';
import { CLOG, CLR, CMV, SNMP, STD, v1NotificationOid } from '../../src/parse/trap-oids.js';
import { VARBIND_LIMITS } from '../../src/parse/trap-varbind.js';
import { WIRE_KINDS } from '../../src/core/events.js';
import { s, T, v1, v2 } from './trap-helpers.js';

const SRC = '192.0.2.10';

describe('SNMPv1 -> SNMPv2 notification OID (RFC 3584)', () => {
  it('generic 0-5 map to snmpTraps.(generic+1)', () => {
    const names = ['coldStart', 'warmStart', 'linkDown', 'linkUp', 'authenticationFailure', 'egpNeighborLoss'];
    names.forEach((name, g) => {
      expect(v1NotificationOid('1.3.6.1.4.1.9.1.824', g, 0)).toBe(`1.3.6.1.6.3.1.1.5.${g + 1}`);
      expect(decodeTrap(v1('1.3.6.1.4.1.9.1.824', g, 0), SRC).notification).toBe(name);
    });
  });

  it('enterprise-specific: enterprise.0.specific', () => {
    const e = decodeTrap(
      v1('1.3.6.1.4.1.9.9.472', 6, 1, [['1.3.6.1.4.1.9.9.472.1.3.1', T.OctetString, s('VC_NEW')]]),
      SRC,
    );
    expect(e).toMatchObject({
      kind: 'context-lifecycle',
      change: 'added',
      context: 'VC_NEW',
      trapOid: CMV.cmVirtContextAdded,
      notification: 'cmVirtContextAdded',
    });
    expect(decodeTrap(v1('1.3.6.1.4.1.9.9.41.2', 6, 1), SRC).trapOid).toBe(CLOG.clogMessageGenerated);
  });

  it('an enterprise that already ends in .0 is tolerated', () => {
    expect(decodeTrap(v1('1.3.6.1.4.1.9.9.650.0', 6, 1), SRC)).toMatchObject({
      trapOid: CLR.clrRedundancyStateChange,
      notification: 'clrRedundancyStateChange',
    });
  });

  it('frames v1 varbinds like a v2 notification: sysUpTime, snmpTrapOID first; agent address and enterprise last', () => {
    const e = decodeTrap(
      v1('1.3.6.1.4.1.9.9.472', 6, 2, [['1.3.6.1.4.1.9.9.472.1.3.1', T.OctetString, s('VC_OLD')]]),
      SRC,
    );
    expect(e.varbinds!.map((v) => v.oid)).toEqual([
      SNMP.sysUpTime,
      SNMP.snmpTrapOID,
      '1.3.6.1.4.1.9.9.472.1.3.1',
      SNMP.snmpTrapAddress,
      SNMP.snmpTrapEnterprise,
    ]);
    expect(e.varbinds![0]!.value).toBe(777);
    expect(e.varbinds![3]!.value).toBe('192.0.2.10');
    expect(e.data).toMatchObject({
      snmpVersion: 'v1',
      v1: { enterprise: '1.3.6.1.4.1.9.9.472', generic: 6, specific: 2 },
    });
  });

  it('generic values outside 0-6 are malformed, not guessed', () => {
    const e = decodeTrap(v1('1.3.6.1.4.1.9', 9, 0), SRC);
    expect(e.kind).toBe('malformed');
    expect(e.error).toMatch(/generic-trap 9/);
  });
});

describe('decodeTrap', () => {
  it('carries the trap fields', () => {
    const e = decodeTrap(v2(STD.coldStart, [], { version: 'v3', user: 'acesync', contextName: 'VC_WEB' }), SRC, 1234);
    expect(e).toMatchObject({
      kind: 'device-restart',
      transport: 'snmp',
      source: SRC,
      receivedAt: 1234,
      trapOid: STD.coldStart,
      notification: 'coldStart',
      data: { snmpVersion: 'v3', pdu: 'trap', securityName: 'acesync', snmpContext: 'VC_WEB' },
    });
    expect(e.varbinds).toHaveLength(2);
  });

  it('informs are marked as such', () => {
    expect(decodeTrap({ ...v2(STD.coldStart), type: 166 }, SRC).data).toMatchObject({ pdu: 'inform' });
  });

  it('a community in the input never reaches the event', () => {
    const e = decodeTrap({ ...v2(STD.coldStart), community: 'sekrit' } as never, SRC);
    expect(JSON.stringify(e)).not.toContain('sekrit');
  });

  it('originating context from clogOriginIDType contextName(5)', () => {
    const e = decodeTrap(
      v2(STD.linkDown, [
        [`${CLOG.clogOriginIDType}.0`, T.Integer, 5],
        [`${CLOG.clogOriginID}.0`, T.OctetString, s('VC_WEB')],
      ]),
      SRC,
    );
    expect(e).toMatchObject({ originContext: 'VC_WEB', context: 'VC_WEB', deviceId: 'VC_WEB' });
  });

  it('a context named by the notification itself is not overwritten by the origin', () => {
    const e = decodeTrap(
      v2(CMV.cmVirtContextAdded, [
        [`${CMV.cmNotifVirtContextName}.1`, T.OctetString, s('VC_NEW')],
        [`${CLOG.clogOriginIDType}.0`, T.Integer, 5],
        [`${CLOG.clogOriginID}.0`, T.OctetString, s('Admin')],
      ]),
      SRC,
    );
    expect(e).toMatchObject({ context: 'VC_NEW', originContext: 'Admin' });
  });

  it('hostName / userDefined origins set deviceId only; none(1) is ignored', () => {
    const host = decodeTrap(
      v2(STD.coldStart, [
        [`${CLOG.clogOriginIDType}.0`, T.Integer, 3],
        [`${CLOG.clogOriginID}.0`, T.OctetString, s('ace-a')],
      ]),
      SRC,
    );
    expect(host.deviceId).toBe('ace-a');
    expect(host.originContext).toBeUndefined();
    expect(host.context).toBeUndefined();
    const none = decodeTrap(
      v2(STD.coldStart, [
        [`${CLOG.clogOriginIDType}.0`, T.Integer, 1],
        [`${CLOG.clogOriginID}.0`, T.OctetString, s('x')],
      ]),
      SRC,
    );
    expect(none.deviceId).toBeUndefined();
  });

  it('unknown notification OIDs: kind unknown, varbinds kept', () => {
    const e = decodeTrap(
      v2('1.3.6.1.4.1.99999.0.7', [['1.3.6.1.4.1.99999.1.1', T.OctetString, Buffer.from([0, 1, 2])]]),
      SRC,
    );
    expect(e).toMatchObject({ kind: 'unknown', trapOid: '1.3.6.1.4.1.99999.0.7' });
    expect(e.notification).toBeUndefined();
    expect(e.varbinds![2]).toEqual({ oid: '1.3.6.1.4.1.99999.1.1', type: 'HexString', value: '000102' });
  });

  it('a v2 notification without snmpTrapOID.0 is malformed', () => {
    const e = decodeTrap({ type: 167, varbinds: [{ oid: SNMP.sysUpTime, type: T.TimeTicks, value: 1 }] }, SRC);
    expect(e.kind).toBe('malformed');
    expect(e.error).toMatch(/snmpTrapOID/);
  });

  it('bounds the number of varbinds and says how many were dropped', () => {
    const many = Array.from(
      { length: 300 },
      (_, i) => [`1.3.6.1.4.1.9.9.1.${i}`, T.Integer, i] as [string, number, number],
    );
    const e = decodeTrap(v2(STD.coldStart, many), SRC);
    expect(e.varbinds).toHaveLength(VARBIND_LIMITS.maxVarbinds);
    expect(e.data).toMatchObject({ varbindsDropped: 302 - VARBIND_LIMITS.maxVarbinds });
  });

  it('hostile values in known fields stay bounded', () => {
    const e = decodeTrap(
      v2(CMV.cmVirtContextAdded, [[CMV.cmNotifVirtContextName, T.OctetString, Buffer.alloc(5000, 0x41)]]),
      SRC,
    );
    expect(e.context!.length).toBeLessThanOrEqual(64);
    const st = decodeTrap(
      v2(CLR.clrRedundancyStateChange, [[`${CLR.clrRedState}.1.99999999999999999999`, T.Integer, 5]]),
      SRC,
    );
    expect(st.kind).toBe('ha-state');
    expect(st.ftGroup).toBeUndefined();
  });
});

describe('fuzz: decodeTrap is total', () => {
  // Deterministic PRNG so a failure reproduces.
  let seed = 0x5eed;
  const rnd = (): number => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
  const pick = <X>(xs: X[]): X => xs[Math.floor(rnd() * xs.length)]!;
  const anyValue = (): unknown =>
    pick<() => unknown>([
      () => Buffer.from(Array.from({ length: Math.floor(rnd() * 40) }, () => Math.floor(rnd() * 256))),
      () => Math.floor(rnd() * 2 ** 33) - 2 ** 32,
      () => pick(['', 'x', '1.3.6', '.1.3', '1..3', '999.999.999.999', 'A'.repeat(3000)]),
      () => null,
      () => undefined,
      () => ({ nested: { deep: 1 } }),
      () => [1, 2, 3],
      () => Number.NaN,
      () => 10n ** 30n,
    ])();
  const oids = [
    SNMP.snmpTrapOID,
    SNMP.sysUpTime,
    CLR.clrRedState + '.1.1',
    CLOG.clogHistMsgText + '.1',
    CLOG.clogOriginIDType + '.0',
    '1.3',
    'garbage',
  ];

  it('10k random inputs: never throws, always a wire kind, always bounded', () => {
    const traps = [
      ...new Set([
        CLOG.clogMessageGenerated,
        CLR.clrRedundancyStateChange,
        CMV.cmVirtContextAdded,
        STD.linkUp,
        '1.3.6.1.4.1.9.9.470.0.6',
        '1.3.6.1.4.1.9.9.161.2.0.6',
        '1.3.6.1.4.1.9.9.369.3.0.1',
        '1.3.6.1.4.1.9.9.43.2.0.1',
      ]),
    ];
    for (let i = 0; i < 10_000; i++) {
      const n = Math.floor(rnd() * 8);
      const varbinds: unknown[] = [{ oid: SNMP.snmpTrapOID, type: T.OID, value: pick([...traps, anyValue()]) }];
      for (let k = 0; k < n; k++)
        varbinds.push(
          rnd() < 0.1
            ? anyValue()
            : {
                oid: pick([...oids, anyValue()]),
                type: pick([2, 4, 6, 64, 65, 67, 70, 3, 200, 'x', undefined]),
                value: anyValue(),
              },
        );
      const input =
        rnd() < 0.2
          ? {
              type: 164,
              enterprise: anyValue(),
              generic: pick([0, 6, -1, 7, anyValue()]),
              specific: anyValue(),
              varbinds,
            }
          : { type: pick([167, 166, 0, anyValue()]), varbinds: rnd() < 0.05 ? anyValue() : varbinds };
      const e = decodeTrap(input as never, SRC);
      expect(WIRE_KINDS).toContain(e.kind);
      expect(JSON.stringify(e).length).toBeLessThan(200_000);
    }
  });

  it('non-object input', () => {
    for (const junk of [null, undefined, 42, 'str', []])
      expect(WIRE_KINDS).toContain(decodeTrap(junk as never, SRC).kind);
  });
});
