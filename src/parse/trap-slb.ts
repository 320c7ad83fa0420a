/**
 * Real-server and virtual-server notifications (CISCO-ENHANCED-SLB-MIB, CISCO-SLB-MIB).
 *
 * Only a person's `inservice` / `no inservice` changes what ANM holds (ANM keeps the
 * admin state of rservers and VIPs); probe-driven operational flaps do not. The MIB
 * does not say who caused a change, so this is a heuristic:
 *
 * 1. admin status outOfService(2): the rserver was taken out of rotation by
 *    configuration (`no inservice`); probes never change admin status -> config-change.
 * 2. admin status inServiceStandby(3) with oper standby(16)/inService(2) and no probe
 *    involved -> config-change (`inservice standby`).
 * 3. the state-change description names a person or a command (user, admin, CLI,
 *    configured, inservice, ...) and names no probe/failure -> config-change.
 * 4. anything else (probe failed/recovered, ARP failed, throttles, a plain Up with no
 *    description) -> noise, kept with its details. A user's `inservice` that comes
 *    back as a bare Up is therefore noise: the 111008 syslog line for the command is
 *    the reliable signal for that direction.
 *
 * Virtual servers: their state follows the real servers behind them, so changes are
 * noise unless the description names a person/command (rule 3), which is what
 * `[no] loadbalance vip inservice` would produce.
 */
import type { AceEvent } from '../core/events.js';
import { CES, SLB } from './trap-oids.js';
import { field, indexString, inetAddress, type TrapView } from './trap-view.js';

/** CiscoRserverAdminStatus. */
export const RSERVER_ADMIN: Readonly<Record<number, string>> = {
  1: 'inService',
  2: 'outOfService',
  3: 'inServiceStandby',
};

/** SlbRealServerState. */
export const RSERVER_OPER: Readonly<Record<number, string>> = {
  1: 'outOfService',
  2: 'inService',
  3: 'failed',
  4: 'readyToTest',
  5: 'testing',
  6: 'maxConnsThrottle',
  7: 'maxClientsThrottle',
  8: 'dfpThrottle',
  9: 'probeFailed',
  10: 'probeTesting',
  11: 'operWait',
  12: 'testWait',
  13: 'inbandProbeFailed',
  14: 'returnCodeFailed',
  15: 'arpFailed',
  16: 'standby',
  17: 'inactive',
  18: 'maxLoad',
};

/** SlbVirtualServState. */
export const VSERVER_STATE: Readonly<Record<number, string>> = {
  1: 'outOfService',
  2: 'inService',
  3: 'standby',
  4: 'inOperReal',
  5: 'stbInOperReal',
  6: 'testReal',
  7: 'outOfMemory',
};

const PERSON =
  /\b(?:user|users|admin|administrat\w*|operator|cli|manual\w*|config\w*|command|inservice|in-service|no inservice)\b/i;
const MACHINE =
  /\b(?:probe\w*|health|arp|inband|return[- ]?code|fail\w*|timeout|timed out|unreachable|throttl\w*|max ?conn\w*|dfp)\b/i;

/** Does a state-change description read as a person's action? */
export function describesPerson(descr: string | undefined): boolean {
  return descr !== undefined && PERSON.test(descr) && !MACHINE.test(descr);
}

function enumName(map: Readonly<Record<number, string>>, v: number | undefined): string | undefined {
  return v === undefined ? undefined : (map[v] ?? `unknown(${v})`);
}

export interface RserverFacts {
  admin?: number;
  oper?: number;
  descr?: string;
  probe?: string;
}

/** The heuristic above. `rule` names which line decided, for `data.heuristic`. */
export function classifyRserverChange(f: RserverFacts): {
  kind: 'config-change' | 'noise';
  rule: string;
  command?: string;
} {
  const probeInvolved = f.probe !== undefined || (f.descr !== undefined && MACHINE.test(f.descr));
  if (f.admin === 2) return { kind: 'config-change', rule: 'admin-out-of-service', command: 'no inservice' };
  if (f.admin === 3 && (f.oper === 16 || f.oper === 2) && !probeInvolved)
    return { kind: 'config-change', rule: 'admin-standby', command: 'inservice standby' };
  if (describesPerson(f.descr) && f.probe === undefined)
    return {
      kind: 'config-change',
      rule: 'description-names-person',
      command: /\bno\b/i.test(f.descr!) || f.oper === 1 ? 'no inservice' : 'inservice',
    };
  return { kind: 'noise', rule: probeInvolved ? 'probe-driven' : 'operational' };
}

/**
 * cesRserverState* (rserver rows, index slbEntity.len.name) and cesRealServerState*
 * (serverfarm rows, index slbEntity.len.farm.len.rserver.port).
 */
export function decodeRserver(v: TrapView, farmRows: boolean): AceEvent {
  const adminCol = farmRows ? CES.cesServerFarmRserverAdminStatus : CES.cesRserverAdminStatus;
  const operCol = farmRows ? CES.cesServerFarmRserverOperStatus : CES.cesRserverOperStatus;
  const descrCol = farmRows ? CES.cesServerFarmRserverStateDescr : CES.cesRserverStatechangeDescr;
  const admin = v.int(adminCol);
  const oper = v.int(operCol);
  const descr = field(v.text(descrCol), 255);
  const probe = field(v.text(CES.cesProbeName));

  // ACE 4710 A3(1.0) does not implement cesRealServerName: fall back to the row index.
  let rserver = field(v.text(CES.cesRealServerName));
  let serverfarm = field(v.text(CES.cesServerFarmName));
  const inst = v.instance(adminCol) ?? v.instance(operCol);
  if (inst) {
    const first = indexString(inst, 1);
    if (farmRows) {
      serverfarm ??= first?.text;
      const second = first ? indexString(inst, first.next) : undefined;
      rserver ??= second?.text;
    } else rserver ??= first?.text;
  }
  const ip = inetAddress(v.bytes(CES.cesRserverIpAddress));
  const port = farmRows ? v.int(CES.cesServerFarmRserverBackupPort) : undefined;

  const verdict = classifyRserverChange({ admin, oper, descr, probe });
  const data: Record<string, unknown> = {
    rserver,
    serverfarm,
    ip,
    port,
    adminStatus: enumName(RSERVER_ADMIN, admin),
    operStatus: enumName(RSERVER_OPER, oper),
    probe,
    heuristic: verdict.rule,
  };
  return {
    kind: verdict.kind,
    ...(verdict.kind === 'config-change' && verdict.command ? { command: verdict.command } : {}),
    ...(descr !== undefined ? { text: descr } : {}),
    data: stripUndefined(data),
  };
}

/** ciscoSlbVServerStateChange / ciscoSlbVServerVIPStateChange. */
export function decodeVserver(v: TrapView): AceEvent {
  const state = v.int(SLB.slbVServerState);
  const descr = field(v.text(SLB.slbVServerStateChangeDescr), 255);
  const person = describesPerson(descr);
  const data: Record<string, unknown> = {
    classMap: field(v.text(SLB.slbVServerClassMap)),
    policyMap: field(v.text(SLB.slbVServerPolicyMap)),
    vserverState: enumName(VSERVER_STATE, state),
    vip: inetAddress(v.bytes(SLB.slbVServerIpAddress)),
    protocol: v.int(SLB.slbVServerProtocol),
    heuristic: person ? 'description-names-person' : 'operational',
  };
  return {
    kind: person ? 'config-change' : 'noise',
    ...(person ? { command: state === 1 ? 'no loadbalance vip inservice' : 'loadbalance vip inservice' } : {}),
    ...(descr !== undefined ? { text: descr } : {}),
    data: stripUndefined(data),
  };
}

export function stripUndefined(o: Record<string, unknown>): Record<string, unknown> {
  for (const k of Object.keys(o)) if (o[k] === undefined) delete o[k];
  return o;
}
