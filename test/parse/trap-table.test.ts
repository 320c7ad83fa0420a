import { describe, expect, it } from 'vitest';
import { decodeTrap } from '../../src/parse/trap-decode.js';
import { CCM, CES, CLM, CLOG, CLR, CMV, SLB, STD } from '../../src/parse/trap-oids.js';
import { RED_STATE, TRAP_TABLE } from '../../src/parse/trap-table.js';
import { classifyRserverChange } from '../../src/parse/trap-slb.js';
import { parseAceBody } from '../../src/parse/syslog.js';
import { FT_STATES } from '../../src/core/events.js';
import { s, T, v1, v2, type Vb } from './trap-helpers.js';

const SRC = '192.0.2.10';
const decode = (oid: string, vbs: Vb[] = []) => decodeTrap(v2(oid, vbs), SRC, 1000);

/** `len.c1.c2...` as an SMI string index. */
const idx = (text: string): string => [text.length, ...[...text].map((c) => c.charCodeAt(0))].join('.');

describe('clogMessageGenerated: the syslog body parser decides', () => {
  const clog = (name: string, text: string, sev = 6) =>
    decode(CLOG.clogMessageGenerated, [
      [`${CLOG.clogHistFacility}.17`, T.OctetString, s('ACE')],
      [`${CLOG.clogHistSeverity}.17`, T.Integer, sev],
      [`${CLOG.clogHistMsgName}.17`, T.OctetString, s(name)],
      [`${CLOG.clogHistMsgText}.17`, T.OctetString, s(text)],
      [`${CLOG.clogHistTimestamp}.17`, T.TimeTicks, 5000],
    ]);

  it('727012 inside a trap is the event the syslog line is', () => {
    const text = 'ace-a: HA: FT Group 1 changed state to FSM_FT_STATE_ACTIVE. Reason: peer unreachable.';
    const e = clog('727012', text, 6);
    const syslog = parseAceBody(5, '727012', text);
    for (const [k, v] of Object.entries(syslog)) expect(e[k as keyof typeof e], k).toEqual(v);
    expect(e).toMatchObject({
      kind: 'ha-state',
      ftGroup: 1,
      state: 'ACTIVE',
      severity: 5,
      notification: 'clogMessageGenerated',
      transport: 'snmp',
    });
  });

  it('111008 inside a trap carries user and command', () => {
    const text = "User 'admin' executed the 'rserver host RS1' command.";
    const e = clog('111008', text, 6);
    const syslog = parseAceBody(5, '111008', text);
    for (const [k, v] of Object.entries(syslog)) expect(e[k as keyof typeof e], k).toEqual(v);
    expect(e).toMatchObject({ kind: 'config-change', user: 'admin', command: 'rserver host RS1', id: '111008' });
  });

  it('a full %ACE-<sev>-<id>: body in the text wins over name and severity', () => {
    const e = clog('SYS', "%ACE-5-111008: User 'ops' executed the 'no rserver RS2' command.", 8);
    expect(e).toMatchObject({
      kind: 'config-change',
      id: '111008',
      severity: 5,
      user: 'ops',
      command: 'no rserver RS2',
    });
  });

  it('message names like ACE-5-111008 are understood', () => {
    const e = clog('ACE-5-111008', "User 'x' executed the 'logging host 10.0.0.9' command.");
    expect(e.id).toBe('111008');
    expect(e.kind).toBe(parseAceBody(5, '111008', "User 'x' executed the 'logging host 10.0.0.9' command.").kind);
  });

  it('a noise id stays noise; the 254-byte truncation marker is removed and flagged', () => {
    expect(
      clog('302022', 'Built TCP connection 0x1 for vlan1:1.1.1.1/1 (1.1.1.1/1) to vlan2:2.2.2.2/80 (2.2.2.2/80)').kind,
    ).toBe('noise');
    const long = "User 'admin' executed the '" + 'x'.repeat(260) + "' command.";
    const cut = long.slice(0, 254) + '*';
    const e = clog('111008', cut);
    expect(e.data).toMatchObject({ textTruncated: true });
    expect(e.command?.endsWith('*')).toBe(false);
  });
});

describe('clrRedundancyStateChange', () => {
  it('maps every CiscoL4L7RedState to an FT state name and takes the group from the instance', () => {
    for (const [n, name] of Object.entries(RED_STATE)) {
      const e = decode(CLR.clrRedundancyStateChange, [
        [`${CLR.clrRedState}.22.7`, T.Integer, Number(n)],
        [`${CLR.clrRedStateChangeTime}.22.7`, T.TimeTicks, 100],
        [`${CLR.clrPeerId}.22.7`, T.Gauge, 1],
      ]);
      expect(e).toMatchObject({
        kind: 'ha-state',
        ftGroup: 7,
        state: name,
        peerId: 1,
        notification: 'clrRedundancyStateChange',
      });
      expect(FT_STATES).toContain(e.state);
    }
  });

  it('uses the same names as syslog for the same state', () => {
    const trap = decode(CLR.clrRedundancyStateChange, [[`${CLR.clrRedState}.1.3`, T.Integer, 9]]);
    const sys = parseAceBody(5, '727012', 'FT Group 3 changed state to FSM_FT_STATE_STANDBY_HOT. Reason: x.');
    expect(trap.state).toBe(sys.state);
    expect(trap.ftGroup).toBe(sys.ftGroup);
  });

  it('an out-of-range state is UNKNOWN with the raw value kept', () => {
    const e = decode(CLR.clrRedundancyStateChange, [[`${CLR.clrRedState}.1.2`, T.Integer, 99]]);
    expect(e).toMatchObject({ state: 'UNKNOWN', ftGroup: 2, data: { redState: 99 } });
  });
});

describe('cmVirtContextAdded / Removed', () => {
  it('context from cmNotifVirtContextName by prefix, change added/removed', () => {
    expect(
      decode(CMV.cmVirtContextAdded, [[`${CMV.cmNotifVirtContextName}.0`, T.OctetString, s('VC_NEW')]]),
    ).toMatchObject({ kind: 'context-lifecycle', change: 'added', context: 'VC_NEW' });
    expect(decode(CMV.cmVirtContextRemoved, [[CMV.cmNotifVirtContextName, T.OctetString, s('VC_OLD')]])).toMatchObject({
      kind: 'context-lifecycle',
      change: 'removed',
      context: 'VC_OLD',
    });
  });

  it('same fields as syslog 504001', () => {
    const trap = decode(CMV.cmVirtContextAdded, [[`${CMV.cmNotifVirtContextName}.5`, T.OctetString, s('VC_X')]]);
    const sys = parseAceBody(5, '504001', 'Security context VC_X was added to the system');
    expect({ kind: trap.kind, change: trap.change, context: trap.context }).toEqual({
      kind: sys.kind,
      change: sys.change,
      context: sys.context,
    });
  });
});

describe('rserver state notifications', () => {
  const rsIdx = `1.${idx('RS1')}`;
  it('user no inservice (admin outOfService) is a config change', () => {
    const e = decode(`${CES.notifications}.5`, [
      [CES.cesRealServerName, T.OctetString, s('RS1')],
      [`${CES.cesRserverAdminStatus}.${rsIdx}`, T.Integer, 2],
      [`${CES.cesRserverOperStatus}.${rsIdx}`, T.Integer, 1],
      [`${CES.cesRserverIpAddressType}.${rsIdx}`, T.Integer, 1],
      [`${CES.cesRserverIpAddress}.${rsIdx}`, T.OctetString, Buffer.from([10, 1, 1, 5])],
    ]);
    expect(e).toMatchObject({
      kind: 'config-change',
      command: 'no inservice',
      notification: 'cesRserverStateDown',
      data: { rserver: 'RS1', ip: '10.1.1.5', adminStatus: 'outOfService', heuristic: 'admin-out-of-service' },
    });
  });

  it('a probe failure is noise, with the name taken from the index when cesRealServerName is absent', () => {
    const e = decode(`${CES.notifications}.6`, [
      [`${CES.cesRserverAdminStatus}.${rsIdx}`, T.Integer, 1],
      [`${CES.cesRserverOperStatus}.${rsIdx}`, T.Integer, 9],
      [`${CES.cesRserverStatechangeDescr}.${rsIdx}`, T.OctetString, s('Probe PING failed')],
      [CES.cesProbeName, T.OctetString, s('PING')],
    ]);
    expect(e).toMatchObject({
      kind: 'noise',
      notification: 'cesRserverStateChange',
      data: { rserver: 'RS1', operStatus: 'probeFailed', probe: 'PING', heuristic: 'probe-driven' },
    });
  });

  it('a description naming the user is a config change; a bare Up is noise', () => {
    const byUser = decode(`${CES.notifications}.4`, [
      [`${CES.cesRserverAdminStatus}.${rsIdx}`, T.Integer, 1],
      [`${CES.cesRserverOperStatus}.${rsIdx}`, T.Integer, 2],
      [`${CES.cesRserverStatechangeDescr}.${rsIdx}`, T.OctetString, s('User initiated inservice')],
    ]);
    expect(byUser).toMatchObject({ kind: 'config-change', command: 'inservice', text: 'User initiated inservice' });
    const bare = decode(`${CES.notifications}.4`, [
      [`${CES.cesRserverAdminStatus}.${rsIdx}`, T.Integer, 1],
      [`${CES.cesRserverOperStatus}.${rsIdx}`, T.Integer, 2],
    ]);
    expect(bare.kind).toBe('noise');
  });

  it('serverfarm rows (cesRealServerState*) decode farm and rserver from the index', () => {
    const farmIdx = `1.${idx('SF_WEB')}.${idx('RS9')}.80`;
    const e = decode(`${CES.notifications}.2`, [
      [`${CES.cesServerFarmRserverAdminStatus}.${farmIdx}`, T.Integer, 2],
      [`${CES.cesServerFarmRserverOperStatus}.${farmIdx}`, T.Integer, 1],
      [`${CES.cesServerFarmRserverBackupPort}.${farmIdx}`, T.Integer, 0],
    ]);
    expect(e).toMatchObject({
      kind: 'config-change',
      notification: 'cesRealServerStateDown',
      data: { serverfarm: 'SF_WEB', rserver: 'RS9' },
    });
    expect(decode(`${CES.notifications}.1`, []).notification).toBe('cesRealServerStateUp');
    expect(decode(`${CES.notifications}.3`, []).notification).toBe('cesRealServerStateChange');
  });

  it('heuristic rules, one by one', () => {
    expect(classifyRserverChange({ admin: 3, oper: 16 }).kind).toBe('config-change');
    expect(classifyRserverChange({ admin: 3, oper: 16, probe: 'HTTP' }).kind).toBe('noise');
    expect(classifyRserverChange({ admin: 1, oper: 15, descr: 'ARP failed' }).kind).toBe('noise');
    expect(classifyRserverChange({ admin: 1, oper: 1, descr: 'user configured no inservice' })).toMatchObject({
      kind: 'config-change',
      command: 'no inservice',
    });
    expect(classifyRserverChange({ admin: 1, oper: 2, descr: 'admin inservice after probe failure' }).kind).toBe(
      'noise',
    );
  });
});

describe('virtual servers', () => {
  it('operational VIP state changes are noise; a description naming a person is a config change', () => {
    const vsIdx = '1.5';
    const op = decode(SLB.ciscoSlbVServerVIPStateChange, [
      [`${SLB.slbVServerState}.${vsIdx}`, T.Integer, 1],
      [`${SLB.slbVServerStateChangeDescr}.${vsIdx}`, T.OctetString, s('all real servers failed')],
      [`${SLB.slbVServerClassMap}.${vsIdx}`, T.OctetString, s('VIP_WEB')],
      [`${SLB.slbVServerPolicyMap}.${vsIdx}`, T.OctetString, s('PM_MULTI')],
      [`${SLB.slbVServerIpAddress}.${vsIdx}`, T.OctetString, Buffer.from([10, 9, 9, 9])],
    ]);
    expect(op).toMatchObject({
      kind: 'noise',
      notification: 'ciscoSlbVServerVIPStateChange',
      data: { classMap: 'VIP_WEB', vserverState: 'outOfService', vip: '10.9.9.9' },
    });
    // An InetAddress whose bytes happen to be printable is still an address.
    const printable = decode(SLB.ciscoSlbVServerVIPStateChange, [
      [`${SLB.slbVServerIpAddress}.${vsIdx}`, T.OctetString, Buffer.from([65, 66, 67, 68])],
    ]);
    expect(printable.data).toMatchObject({ vip: '65.66.67.68' });
    const cfg = decode(SLB.ciscoSlbVServerStateChange, [
      [`${SLB.slbVServerState}.${vsIdx}`, T.Integer, 1],
      [`${SLB.slbVServerStateChangeDescr}.${vsIdx}`, T.OctetString, s('Config: vip taken out of service by user')],
    ]);
    expect(cfg).toMatchObject({
      kind: 'config-change',
      command: 'no loadbalance vip inservice',
      notification: 'ciscoSlbVServerStateChange',
    });
  });
});

describe('standard notifications', () => {
  it('coldStart / warmStart -> device-restart; authenticationFailure -> auth-failure', () => {
    expect(decode(STD.coldStart)).toMatchObject({
      kind: 'device-restart',
      reason: 'coldStart',
      notification: 'coldStart',
    });
    expect(decode(STD.warmStart)).toMatchObject({
      kind: 'device-restart',
      reason: 'warmStart',
      notification: 'warmStart',
    });
    expect(decode(STD.authenticationFailure)).toMatchObject({
      kind: 'auth-failure',
      notification: 'authenticationFailure',
    });
  });

  it('linkUp / linkDown -> link-state with the interface', () => {
    const down = decode(STD.linkDown, [
      [`${STD.ifIndex}.3`, T.Integer, 3],
      [`${STD.ifAdminStatus}.3`, T.Integer, 1],
      [`${STD.ifOperStatus}.3`, T.Integer, 2],
      [`${STD.ifDescr}.3`, T.OctetString, s('vlan100')],
    ]);
    expect(down).toMatchObject({
      kind: 'link-state',
      state: 'DOWN',
      interface: 'vlan100',
      data: { ifIndex: 3, operStatus: 'down' },
    });
    const up = decode(STD.linkUp, [[`${STD.ifOperStatus}.12`, T.Integer, 1]]);
    expect(up).toMatchObject({ kind: 'link-state', state: 'UP', interface: 'ifIndex 12' });
  });
});

describe('license notifications', () => {
  it('each license trap is kind license with its reason and the feature from the index', () => {
    const cases: Array<[string, string, string]> = [
      [CLM.clmLicenseExpiryNotify, 'clmLicenseExpiryNotify', 'expired'],
      [CLM.clmNoLicenseForFeatureNotify, 'clmNoLicenseForFeatureNotify', 'no-license'],
      [CLM.clmLicenseFileMissingNotify, 'clmLicenseFileMissingNotify', 'file-missing'],
      [CLM.clmLicenseExpiryWarningNotify, 'clmLicenseExpiryWarningNotify', 'expiry-warning'],
    ];
    for (const [oid, name, reason] of cases) {
      const e = decode(oid, [
        [
          `${CLM.clmLicenseExpiryDate}.${idx('ACE-VIRT-020')}`,
          T.OctetString,
          Buffer.from([0x07, 0xea, 1, 31, 0, 0, 0, 0]),
        ],
      ]);
      expect(e).toMatchObject({ kind: 'license', reason, notification: name, data: { feature: 'ACE-VIRT-020' } });
    }
  });
});

describe('ciscoConfigManEvent', () => {
  const ev = (src: number, dst: number, user?: string) =>
    decode(CCM.ciscoConfigManEvent, [
      [`${CCM.ccmHistoryEventCommandSource}.12`, T.Integer, 1],
      [`${CCM.ccmHistoryEventConfigSource}.12`, T.Integer, src],
      [`${CCM.ccmHistoryEventConfigDestination}.12`, T.Integer, dst],
      ...(user ? ([[`${CCM.ccmHistoryEventTerminalUser}.12`, T.OctetString, s(user)]] as Vb[]) : []),
    ]);
  it('running config changed from the command source is a config change, with the user', () => {
    expect(ev(2, 3, 'admin')).toMatchObject({
      kind: 'config-change',
      user: 'admin',
      notification: 'ciscoConfigManEvent',
      data: { configSource: 'commandSource', configDestination: 'running' },
    });
  });
  it('copying running to startup (write memory) is noise', () => {
    expect(ev(3, 4).kind).toBe('noise');
  });
  it('ccmCLIRunningConfigChanged is a config change', () => {
    expect(
      decode(CCM.ccmCLIRunningConfigChanged, [[`${CCM.ccmHistoryEventTerminalUser}.1`, T.OctetString, s('ops')]]),
    ).toMatchObject({ kind: 'config-change', user: 'ops' });
  });
});

describe('the table as a whole', () => {
  it('every entry decodes an empty notification without throwing and names it', () => {
    for (const [oid, entry] of TRAP_TABLE) {
      const e = decode(oid);
      expect(e.notification).toBe(entry.name);
      expect(e.trapOid).toBe(oid);
      expect(e.kind).not.toBe('malformed');
    }
  });

  it('every entry is reachable from its SNMPv1 form (RFC 3584)', () => {
    for (const [oid, entry] of TRAP_TABLE) {
      let input;
      const std = /^1\.3\.6\.1\.6\.3\.1\.1\.5\.(\d)$/.exec(oid);
      if (std) input = v1('1.3.6.1.4.1.9.1.824', Number(std[1]) - 1, 0);
      else {
        const m = /^(.*)\.0\.(\d+)$/.exec(oid)!;
        input = v1(m[1]!, 6, Number(m[2]));
      }
      const e = decodeTrap(input, SRC);
      expect(e.notification, oid).toBe(entry.name);
      expect(e.trapOid).toBe(oid);
    }
  });
});
