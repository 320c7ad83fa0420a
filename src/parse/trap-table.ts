/**
 * The notification table: SNMPv2 notification OID -> MIB name and a decoder that turns
 * the varbinds into event fields. v1 traps are mapped to the same OIDs first
 * (trap-oids.ts), so every version goes through one table.
 *
 * Decoders are pure and get a TrapView; they return the kind and the fields the syslog
 * parser would have produced for the same fact (same names: context, change, ftGroup,
 * state, peerId, user, command, interface, ...). Details without a syslog field go in `data`.
 */
import { normaliseFtState, type AceEvent } from '../core/events.js';
import { CCM, CES, CLM, CLOG, CLR, CMV, SLB, STD } from './trap-oids.js';
import { decodeClog } from './trap-clog.js';
import { decodeRserver, decodeVserver, stripUndefined } from './trap-slb.js';
import { field, indexString, type TrapView } from './trap-view.js';

export interface TrapEntry {
  /** MIB name of the notification (`notification` in events). */
  readonly name: string;
  readonly decode: (v: TrapView) => AceEvent;
}

/**
 * CiscoL4L7RedState -> the FT state names syslog and `show ft group` use. negotiation is
 * the CLI's ELECT; other(1) has no FT counterpart.
 */
export const RED_STATE: Readonly<Record<number, string>> = {
  1: 'UNKNOWN',
  2: 'NON_REDUNDANT',
  3: 'INIT',
  4: 'ELECT',
  5: 'ACTIVE',
  6: 'STANDBY_COLD',
  7: 'STANDBY_CONFIG',
  8: 'STANDBY_BULK',
  9: 'STANDBY_HOT',
  10: 'STANDBY_WARM',
};

/** HistoryEventMedium (CISCO-CONFIG-MAN-MIB). */
export const CONFIG_MEDIUM: Readonly<Record<number, string>> = {
  1: 'erase',
  2: 'commandSource',
  3: 'running',
  4: 'startup',
  5: 'local',
  6: 'networkTftp',
  7: 'networkRcp',
  8: 'networkFtp',
  9: 'networkScp',
};

const COMMAND_SOURCE: Readonly<Record<number, string>> = { 1: 'commandLine', 2: 'snmp' };
const IF_STATUS: Readonly<Record<number, string>> = {
  1: 'up',
  2: 'down',
  3: 'testing',
  4: 'unknown',
  5: 'dormant',
  6: 'notPresent',
  7: 'lowerLayerDown',
};

function enumName(map: Readonly<Record<number, string>>, v: number | undefined): string | undefined {
  return v === undefined ? undefined : (map[v] ?? `unknown(${v})`);
}

function redundancyStateChange(v: TrapView): AceEvent {
  const raw = v.int(CLR.clrRedState);
  const inst = v.instance(CLR.clrRedState);
  // Row index entPhysicalIndex.clrRedGroupId: the FT group is the last sub-identifier.
  const group = inst !== undefined && inst.length > 0 ? inst[inst.length - 1] : undefined;
  const peerId = v.int(CLR.clrPeerId);
  const context = field(v.text(CLR.clrRedContext), 64);
  const state = raw === undefined ? undefined : (RED_STATE[raw] ?? 'UNKNOWN');
  return {
    kind: 'ha-state',
    ...(group !== undefined && Number.isSafeInteger(group) ? { ftGroup: group } : {}),
    ...(state !== undefined ? { state: normaliseFtState(state) } : {}),
    ...(peerId !== undefined ? { peerId } : {}),
    ...(context !== undefined ? { context } : {}),
    ...(raw !== undefined && RED_STATE[raw] === undefined ? { data: { redState: raw } } : {}),
  };
}

function contextLifecycle(change: 'added' | 'removed') {
  return (v: TrapView): AceEvent => {
    // The instance suffix of cmNotifVirtContextName is unspecified: match it by prefix.
    const context = field(v.text(CMV.cmNotifVirtContextName), 64);
    return { kind: 'context-lifecycle', change, ...(context !== undefined ? { context } : {}) };
  };
}

/** linkUp/linkDown: `state` UP/DOWN (upper-case like the FT states), `interface` ifDescr/ifName or `ifIndex N`. */
function link(state: 'UP' | 'DOWN') {
  return (v: TrapView): AceEvent => {
    const ifIndex = v.int(STD.ifIndex) ?? v.instance(STD.ifOperStatus)?.[0] ?? v.instance(STD.ifAdminStatus)?.[0];
    const name = field(v.text(STD.ifDescr)) ?? field(v.text(STD.ifName));
    const iface = name ?? (ifIndex !== undefined ? `ifIndex ${ifIndex}` : undefined);
    const data = stripUndefined({
      ifIndex,
      adminStatus: enumName(IF_STATUS, v.int(STD.ifAdminStatus)),
      operStatus: enumName(IF_STATUS, v.int(STD.ifOperStatus)),
    });
    return {
      kind: 'link-state',
      state,
      ...(iface !== undefined ? { interface: iface } : {}),
      ...(Object.keys(data).length > 0 ? { data } : {}),
    };
  };
}

function license(reason: string) {
  return (v: TrapView): AceEvent => {
    // Objects are columns of clmLicenseFeatureUsageEntry, indexed by the feature name.
    let feature: string | undefined;
    for (const vb of v.varbinds) {
      if (!vb.oid.startsWith(CLM.clmLicenseFeatureUsageEntry + '.')) continue;
      const sub = vb.oid
        .slice(CLM.clmLicenseFeatureUsageEntry.length + 1)
        .split('.')
        .map(Number);
      feature = indexString(sub, 1)?.text;
      if (feature !== undefined) break;
    }
    const data = stripUndefined({
      feature,
      expiryDate: v.find(CLM.clmLicenseExpiryDate)?.value ?? undefined,
      gracePeriodLeft: v.int(CLM.clmLicenseGracePeriodLeft),
      missingLicenses: v.int(CLM.clmNoOfMissingUsageLicenses),
    });
    return { kind: 'license', reason, ...(Object.keys(data).length > 0 ? { data } : {}) };
  };
}

/**
 * ciscoConfigManEvent: a change whose destination is the running config (from the
 * command line, or copied in from startup/a file/the network) is a config change; copies
 * out of running (`write memory`, backups) are noise.
 */
function configManEvent(v: TrapView): AceEvent {
  const cmdSource = v.int(CCM.ccmHistoryEventCommandSource);
  const src = v.int(CCM.ccmHistoryEventConfigSource);
  const dst = v.int(CCM.ccmHistoryEventConfigDestination);
  const user = field(v.text(CCM.ccmHistoryEventTerminalUser), 64);
  const changesRunning = dst === 3 && src !== undefined && src !== 3;
  const data = stripUndefined({
    commandSource: enumName(COMMAND_SOURCE, cmdSource),
    configSource: enumName(CONFIG_MEDIUM, src),
    configDestination: enumName(CONFIG_MEDIUM, dst),
  });
  return { kind: changesRunning ? 'config-change' : 'noise', ...(user !== undefined ? { user } : {}), data };
}

function runningConfigChanged(v: TrapView): AceEvent {
  const user = field(v.text(CCM.ccmHistoryEventTerminalUser), 64);
  return { kind: 'config-change', ...(user !== undefined ? { user } : {}) };
}

const fixed =
  (kind: AceEvent['kind'], extra: Partial<AceEvent> = {}) =>
  (): AceEvent => ({ kind, ...extra });

const rserver = (v: TrapView): AceEvent => decodeRserver(v, false);
const realServer = (v: TrapView): AceEvent => decodeRserver(v, true);

const ENTRIES: Array<[string, TrapEntry]> = [
  [CLOG.clogMessageGenerated, { name: 'clogMessageGenerated', decode: decodeClog }],
  [CLR.clrRedundancyStateChange, { name: 'clrRedundancyStateChange', decode: redundancyStateChange }],
  [CMV.cmVirtContextAdded, { name: 'cmVirtContextAdded', decode: contextLifecycle('added') }],
  [CMV.cmVirtContextRemoved, { name: 'cmVirtContextRemoved', decode: contextLifecycle('removed') }],
  [`${CES.notifications}.1`, { name: 'cesRealServerStateUp', decode: realServer }],
  [`${CES.notifications}.2`, { name: 'cesRealServerStateDown', decode: realServer }],
  [`${CES.notifications}.3`, { name: 'cesRealServerStateChange', decode: realServer }],
  [`${CES.notifications}.4`, { name: 'cesRserverStateUp', decode: rserver }],
  [`${CES.notifications}.5`, { name: 'cesRserverStateDown', decode: rserver }],
  [`${CES.notifications}.6`, { name: 'cesRserverStateChange', decode: rserver }],
  [`${CES.notifications}.7`, { name: 'cesRserverStateUpRev1', decode: rserver }],
  [`${CES.notifications}.8`, { name: 'cesRserverStateDownRev1', decode: rserver }],
  [`${CES.notifications}.9`, { name: 'cesRserverStateChangeRev1', decode: rserver }],
  [`${CES.notifications}.10`, { name: 'cesRserverLocalityChange', decode: fixed('noise') }],
  [SLB.ciscoSlbVServerStateChange, { name: 'ciscoSlbVServerStateChange', decode: decodeVserver }],
  [SLB.ciscoSlbVServerVIPStateChange, { name: 'ciscoSlbVServerVIPStateChange', decode: decodeVserver }],
  [STD.coldStart, { name: 'coldStart', decode: fixed('device-restart', { reason: 'coldStart' }) }],
  [STD.warmStart, { name: 'warmStart', decode: fixed('device-restart', { reason: 'warmStart' }) }],
  [STD.authenticationFailure, { name: 'authenticationFailure', decode: fixed('auth-failure') }],
  [STD.linkDown, { name: 'linkDown', decode: link('DOWN') }],
  [STD.linkUp, { name: 'linkUp', decode: link('UP') }],
  [STD.egpNeighborLoss, { name: 'egpNeighborLoss', decode: fixed('noise') }],
  [CLM.clmLicenseExpiryNotify, { name: 'clmLicenseExpiryNotify', decode: license('expired') }],
  [CLM.clmNoLicenseForFeatureNotify, { name: 'clmNoLicenseForFeatureNotify', decode: license('no-license') }],
  [CLM.clmLicenseFileMissingNotify, { name: 'clmLicenseFileMissingNotify', decode: license('file-missing') }],
  [CLM.clmLicenseExpiryWarningNotify, { name: 'clmLicenseExpiryWarningNotify', decode: license('expiry-warning') }],
  [CCM.ciscoConfigManEvent, { name: 'ciscoConfigManEvent', decode: configManEvent }],
  [CCM.ccmCLIRunningConfigChanged, { name: 'ccmCLIRunningConfigChanged', decode: runningConfigChanged }],
];

/** Notification OID -> entry. */
export const TRAP_TABLE: ReadonlyMap<string, TrapEntry> = new Map(ENTRIES);
