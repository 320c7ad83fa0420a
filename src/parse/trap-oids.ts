/**
 * Notification and object OIDs the trap decoder knows (reference ace-device.md §3), and
 * the RFC 3584 mapping of SNMPv1 Trap-PDUs to SNMPv2 notification OIDs so one table
 * serves every version.
 */

/** SNMPv2-MIB / RFC 3584 objects that frame every notification. */
export const SNMP = {
  sysUpTime: '1.3.6.1.2.1.1.3.0',
  snmpTrapOID: '1.3.6.1.6.3.1.1.4.1.0',
  snmpTrapEnterprise: '1.3.6.1.6.3.1.1.4.3.0',
  snmpTrapAddress: '1.3.6.1.6.3.18.1.3.0',
  /** snmpTraps: generic-trap g maps to snmpTraps.(g+1). */
  snmpTraps: '1.3.6.1.6.3.1.1.5',
} as const;

/** Standard notifications (SNMPv2-MIB, IF-MIB). */
export const STD = {
  coldStart: '1.3.6.1.6.3.1.1.5.1',
  warmStart: '1.3.6.1.6.3.1.1.5.2',
  linkDown: '1.3.6.1.6.3.1.1.5.3',
  linkUp: '1.3.6.1.6.3.1.1.5.4',
  authenticationFailure: '1.3.6.1.6.3.1.1.5.5',
  egpNeighborLoss: '1.3.6.1.6.3.1.1.5.6',
  ifIndex: '1.3.6.1.2.1.2.2.1.1',
  ifDescr: '1.3.6.1.2.1.2.2.1.2',
  ifAdminStatus: '1.3.6.1.2.1.2.2.1.7',
  ifOperStatus: '1.3.6.1.2.1.2.2.1.8',
  ifName: '1.3.6.1.2.1.31.1.1.1.1',
} as const;

/** CISCO-SYSLOG-MIB. The origin objects are appended by ACE to every notification. */
export const CLOG = {
  clogMessageGenerated: '1.3.6.1.4.1.9.9.41.2.0.1',
  clogHistFacility: '1.3.6.1.4.1.9.9.41.1.2.3.1.2',
  clogHistSeverity: '1.3.6.1.4.1.9.9.41.1.2.3.1.3',
  clogHistMsgName: '1.3.6.1.4.1.9.9.41.1.2.3.1.4',
  clogHistMsgText: '1.3.6.1.4.1.9.9.41.1.2.3.1.5',
  clogHistTimestamp: '1.3.6.1.4.1.9.9.41.1.2.3.1.6',
  clogOriginIDType: '1.3.6.1.4.1.9.9.41.1.1.6',
  clogOriginID: '1.3.6.1.4.1.9.9.41.1.1.7',
} as const;

/** clogOriginIDType values. */
export const ORIGIN_ID_TYPE = {
  none: 1,
  other: 2,
  hostName: 3,
  ipv4Address: 4,
  contextName: 5,
  userDefined: 6,
} as const;

/** CISCO-L4L7MODULE-REDUNDANCY-MIB. */
export const CLR = {
  clrRedundancyStateChange: '1.3.6.1.4.1.9.9.650.0.1',
  clrPeerId: '1.3.6.1.4.1.9.9.650.1.1.3.1.2',
  clrRedState: '1.3.6.1.4.1.9.9.650.1.1.3.1.6',
  clrRedStateChangeTime: '1.3.6.1.4.1.9.9.650.1.1.3.1.7',
  clrRedContext: '1.3.6.1.4.1.9.9.650.1.1.3.1.8',
} as const;

/** CISCO-MODULE-VIRTUALIZATION-MIB. */
export const CMV = {
  cmVirtContextAdded: '1.3.6.1.4.1.9.9.472.0.1',
  cmVirtContextRemoved: '1.3.6.1.4.1.9.9.472.0.2',
  cmNotifVirtContextName: '1.3.6.1.4.1.9.9.472.1.3.1',
} as const;

/** CISCO-ENHANCED-SLB-MIB. */
export const CES = {
  notifications: '1.3.6.1.4.1.9.9.470.0',
  cesRealServerName: '1.3.6.1.4.1.9.9.470.1.5.1',
  cesProbeName: '1.3.6.1.4.1.9.9.470.1.5.2',
  cesServerFarmName: '1.3.6.1.4.1.9.9.470.1.5.3',
  cesRserverIpAddressType: '1.3.6.1.4.1.9.9.470.1.1.1.1.3',
  cesRserverIpAddress: '1.3.6.1.4.1.9.9.470.1.1.1.1.4',
  cesRserverAdminStatus: '1.3.6.1.4.1.9.9.470.1.1.1.1.12',
  cesRserverOperStatus: '1.3.6.1.4.1.9.9.470.1.1.1.1.13',
  cesRserverStatechangeDescr: '1.3.6.1.4.1.9.9.470.1.1.1.1.14',
  cesServerFarmRserverAdminStatus: '1.3.6.1.4.1.9.9.470.1.1.3.1.6',
  cesServerFarmRserverOperStatus: '1.3.6.1.4.1.9.9.470.1.1.3.1.7',
  cesServerFarmRserverStateDescr: '1.3.6.1.4.1.9.9.470.1.1.3.1.8',
  cesServerFarmRserverBackupPort: '1.3.6.1.4.1.9.9.470.1.1.3.1.10',
} as const;

/** CISCO-SLB-MIB (virtual servers). */
export const SLB = {
  ciscoSlbVServerStateChange: '1.3.6.1.4.1.9.9.161.2.0.5',
  ciscoSlbVServerVIPStateChange: '1.3.6.1.4.1.9.9.161.2.0.6',
  slbVServerClassMap: '1.3.6.1.4.1.9.9.161.1.4.2.1.2',
  slbVServerPolicyMap: '1.3.6.1.4.1.9.9.161.1.4.2.1.3',
  slbVServerState: '1.3.6.1.4.1.9.9.161.1.4.2.1.4',
  slbVServerStateChangeDescr: '1.3.6.1.4.1.9.9.161.1.4.2.1.5',
  slbVServerIpAddressType: '1.3.6.1.4.1.9.9.161.1.4.3.1.2',
  slbVServerIpAddress: '1.3.6.1.4.1.9.9.161.1.4.3.1.3',
  slbVServerProtocol: '1.3.6.1.4.1.9.9.161.1.4.3.1.5',
} as const;

/** CISCO-LICENSE-MGR-MIB (ciscoMgmt 369). Columns of clmLicenseFeatureUsageEntry, index = feature name. */
export const CLM = {
  clmLicenseExpiryNotify: '1.3.6.1.4.1.9.9.369.3.0.1',
  clmNoLicenseForFeatureNotify: '1.3.6.1.4.1.9.9.369.3.0.2',
  clmLicenseFileMissingNotify: '1.3.6.1.4.1.9.9.369.3.0.3',
  clmLicenseExpiryWarningNotify: '1.3.6.1.4.1.9.9.369.3.0.4',
  clmLicenseFeatureUsageEntry: '1.3.6.1.4.1.9.9.369.1.3.4.1',
  clmNoOfMissingUsageLicenses: '1.3.6.1.4.1.9.9.369.1.3.4.1.4',
  clmLicenseExpiryDate: '1.3.6.1.4.1.9.9.369.1.3.4.1.6',
  clmLicenseGracePeriod: '1.3.6.1.4.1.9.9.369.1.3.4.1.7',
  clmLicenseGracePeriodLeft: '1.3.6.1.4.1.9.9.369.1.3.4.1.9',
} as const;

/** CISCO-CONFIG-MAN-MIB (not in ACE's support lists; decoded if it comes). */
export const CCM = {
  ciscoConfigManEvent: '1.3.6.1.4.1.9.9.43.2.0.1',
  ccmCLIRunningConfigChanged: '1.3.6.1.4.1.9.9.43.2.0.2',
  ccmHistoryRunningLastChanged: '1.3.6.1.4.1.9.9.43.1.1.1',
  ccmHistoryEventCommandSource: '1.3.6.1.4.1.9.9.43.1.1.6.1.3',
  ccmHistoryEventConfigSource: '1.3.6.1.4.1.9.9.43.1.1.6.1.4',
  ccmHistoryEventConfigDestination: '1.3.6.1.4.1.9.9.43.1.1.6.1.5',
  ccmHistoryEventTerminalType: '1.3.6.1.4.1.9.9.43.1.1.6.1.6',
  ccmHistoryEventTerminalUser: '1.3.6.1.4.1.9.9.43.1.1.6.1.8',
} as const;

/**
 * The SNMPv2 notification OID of an SNMPv1 trap (RFC 3584 §3.1): generic 0-5 map to
 * snmpTraps.(generic+1); enterpriseSpecific(6) to `enterprise.0.specific`. Undefined when
 * the fields cannot form one.
 */
export function v1NotificationOid(
  enterprise: string | undefined,
  generic: number,
  specific: number,
): string | undefined {
  if (!Number.isInteger(generic)) return undefined;
  if (generic >= 0 && generic <= 5) return `${SNMP.snmpTraps}.${generic + 1}`;
  if (generic !== 6 || enterprise === undefined || !Number.isInteger(specific) || specific < 0) return undefined;
  return `${enterprise}.0.${specific}`;
}

/**
 * Agents that already put the `.0` into the enterprise field (a common v1 bug) produce
 * `X.0.0.N`; the table is tried with `X.0.N` as a fallback.
 */
export function v1FallbackOid(enterprise: string | undefined, specific: number): string | undefined {
  return enterprise !== undefined && enterprise.endsWith('.0') ? `${enterprise}.${specific}` : undefined;
}
