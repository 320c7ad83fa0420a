/**
 * decodeTrap: one received notification (any SNMP version, any library's PDU shape) ->
 * one AceEvent. Pure and total: hostile input yields a `malformed` or `unknown` event,
 * never an exception, so it can be fuzzed and called from a receive callback.
 */
import type { AceEvent, Varbind } from '../core/events.js';
import { shapeEvent } from './event-shape.js';
import { CLOG, ORIGIN_ID_TYPE, SNMP, v1FallbackOid, v1NotificationOid } from './trap-oids.js';
import { TRAP_TABLE, type TrapEntry } from './trap-table.js';
import { cleanOid, decodeVarbinds, VARBIND_LIMITS } from './trap-varbind.js';
import { field, TrapView } from './trap-view.js';

/** PDU tags (RFC 1157 / 3416). */
export const PDU_TYPE = { trap: 164, informRequest: 166, trapV2: 167 } as const;

/**
 * What the decoder needs from a received notification. Shaped like net-snmp's callback
 * `pdu` (so it can be passed through) but typed loosely: nothing in it is trusted.
 */
export interface TrapInput {
  /** PDU tag: 164 Trap-PDU (SNMPv1), 167 SNMPv2-Trap, 166 InformRequest. */
  type?: unknown;
  /** SNMPv1 only. */
  enterprise?: unknown;
  agentAddr?: unknown;
  generic?: unknown;
  specific?: unknown;
  upTime?: unknown;
  varbinds?: unknown;
  /** SNMPv3: the security name the message was authenticated as. */
  user?: unknown;
  /** SNMPv3 scoped PDU context name. */
  contextName?: unknown;
  /** Set by the receiver: 'v1' | 'v2c' | 'v3'. */
  version?: unknown;
}

function int(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isInteger(v) ? v : undefined;
}

function pduName(type: unknown): string | undefined {
  if (type === PDU_TYPE.trap || type === PDU_TYPE.trapV2) return 'trap';
  return type === PDU_TYPE.informRequest ? 'inform' : undefined;
}

interface Framed {
  oid?: string;
  fallback?: string;
  varbinds: Varbind[];
  bytes: Array<Uint8Array | undefined>;
  dropped: number;
  error?: string;
}

/**
 * The SNMPv2 view of the varbinds and the notification OID: a v1 Trap-PDU gets
 * sysUpTime.0 and snmpTrapOID.0 in front and snmpTrapAddress.0 / snmpTrapEnterprise.0
 * behind (RFC 3584 §3.1; snmpTrapCommunity is left out: it is a secret).
 */
function frame(input: TrapInput): Framed {
  if (input.type === PDU_TYPE.trap) {
    const enterprise = cleanOid(input.enterprise);
    const generic = int(input.generic) ?? Number.NaN;
    const specific = int(input.specific) ?? Number.NaN;
    const oid = v1NotificationOid(enterprise, generic, specific);
    const d = decodeVarbinds(input.varbinds, VARBIND_LIMITS.maxVarbinds - 4);
    const head: Varbind[] = [{ oid: SNMP.sysUpTime, type: 'TimeTicks', value: int(input.upTime) ?? null }];
    if (oid !== undefined) head.push({ oid: SNMP.snmpTrapOID, type: 'OID', value: oid });
    const tail: Varbind[] = [];
    if (typeof input.agentAddr === 'string' && /^\d{1,3}(?:\.\d{1,3}){3}$/.test(input.agentAddr))
      tail.push({ oid: SNMP.snmpTrapAddress, type: 'IpAddress', value: input.agentAddr });
    if (enterprise !== undefined) tail.push({ oid: SNMP.snmpTrapEnterprise, type: 'OID', value: enterprise });
    const varbinds = [...head, ...d.varbinds, ...tail];
    const bytes = [...new Array<undefined>(head.length), ...d.bytes];
    const framed: Framed = { varbinds, bytes, dropped: d.dropped };
    if (oid === undefined)
      framed.error = `SNMPv1 trap with generic-trap ${String(input.generic).slice(0, 32)} and enterprise ${enterprise ?? '(invalid)'} maps to no notification`;
    else {
      framed.oid = oid;
      if (generic === 6) framed.fallback = v1FallbackOid(enterprise, specific);
    }
    return framed;
  }
  const d = decodeVarbinds(input.varbinds);
  const framed: Framed = { varbinds: d.varbinds, bytes: d.bytes, dropped: d.dropped };
  // snmpTrapOID.0 must be the second varbind (RFC 3416 §4.2.6); accept it anywhere.
  const trapOid = d.varbinds.find((vb) => vb.oid === SNMP.snmpTrapOID && vb.type === 'OID');
  const oid = typeof trapOid?.value === 'string' ? cleanOid(trapOid.value) : undefined;
  if (oid === undefined) framed.error = 'notification without snmpTrapOID.0';
  else framed.oid = oid;
  return framed;
}

/**
 * clogOriginIDType/clogOriginID (appended by ACE to every notification): the context
 * when the type is contextName(5); the device-id token otherwise (as the syslog
 * `logging device-id` token would be).
 */
function origin(v: TrapView): { type?: number; id?: string } {
  const type = v.int(CLOG.clogOriginIDType);
  const id = field(v.text(CLOG.clogOriginID), 64);
  return { type, id };
}

/**
 * Decode one notification received from `source`. `receivedAt` is the receive time
 * (injected clock). The result carries the syslog field names plus `trapOid`,
 * `notification` (MIB name) and `varbinds`; attribution to device/context by source
 * address is left to the inventory.
 */
export function decodeTrap(input: TrapInput, source: string, receivedAt?: number): AceEvent {
  let event: AceEvent;
  try {
    event = decode(input ?? {}, source);
  } catch (err) {
    // Defence in depth: decoders are written not to throw, but a hostile PDU must never
    // take the receiver down.
    event = {
      kind: 'malformed',
      transport: 'snmp',
      source,
      error: `trap decoder failed: ${err instanceof Error ? err.message.slice(0, 200) : 'error'}`,
    };
  }
  if (receivedAt !== undefined) event.receivedAt = receivedAt;
  return event;
}

function decode(input: TrapInput, source: string): AceEvent {
  const { oid, fallback, varbinds, bytes, dropped, error } = frame(input);
  let entry: TrapEntry | undefined;
  let notificationOid = oid;
  if (oid !== undefined) {
    entry = TRAP_TABLE.get(oid);
    if (!entry && fallback !== undefined && TRAP_TABLE.has(fallback)) {
      entry = TRAP_TABLE.get(fallback);
      notificationOid = fallback;
    }
  }
  const view = new TrapView(notificationOid ?? '', varbinds, bytes);

  let event: AceEvent;
  if (error !== undefined) event = { kind: 'malformed', error };
  else if (!entry) event = { kind: 'unknown' };
  else event = entry.decode(view);

  const { type: originType, id: originId } = origin(view);
  let originContext = event.originContext;
  if (originId !== undefined && originType !== undefined && originType !== ORIGIN_ID_TYPE.none) {
    if (event.deviceId === undefined) event.deviceId = originId;
    if (originType === ORIGIN_ID_TYPE.contextName) {
      originContext = originId;
      if (event.context === undefined) event.context = originId;
    }
  }

  // Syslog's field order first (stable JSON), then what only traps have. Built by
  // assignment, not spreads: this runs once per received trap.
  const out = shapeEvent(event);
  if (originContext !== undefined) out.originContext = originContext;
  out.transport = 'snmp';
  out.source = source;
  if (notificationOid !== undefined) out.trapOid = notificationOid;
  if (entry) out.notification = entry.name;
  out.varbinds = varbinds;

  const data: Record<string, unknown> = event.data ?? {};
  if (typeof input.version === 'string') data.snmpVersion = input.version.slice(0, 8);
  const pdu = pduName(input.type);
  if (pdu !== undefined) data.pdu = pdu;
  if (input.type === PDU_TYPE.trap)
    data.v1 = { enterprise: cleanOid(input.enterprise), generic: int(input.generic), specific: int(input.specific) };
  if (typeof input.user === 'string') {
    const user = field(input.user, 64);
    if (user !== undefined) data.securityName = user;
  }
  if (typeof input.contextName === 'string') {
    const ctx = field(input.contextName, 64);
    if (ctx !== undefined) data.snmpContext = ctx;
  }
  if (dropped > 0) data.varbindsDropped = dropped;
  for (const _ in data) {
    out.data = data;
    break;
  }
  return out;
}
