/**
 * Events leave the parser with their fields in one fixed order and without `undefined` keys,
 * so `JSON.stringify` output is stable (golden files, `acesync parse`, diffs between runs).
 *
 * Written out field by field on purpose: every event then gets the same hidden-class chain,
 * which is several times faster on the receive path than a loop over key names.
 */
import type { AceEvent } from '../core/events.js';

/** The order of the parser's output fields (issue "Foundation"). */
export const FIELD_ORDER = [
  'kind',
  'id',
  'severity',
  'pri',
  'facility',
  'timestamp',
  'deviceId',
  'relayHostname',
  'relayOriginIp',
  'user',
  'command',
  'context',
  'ftGroup',
  'state',
  'prevState',
  'reason',
  'peerId',
  'interface',
  'error',
  'change',
  'text',
  'raw',
] as const satisfies ReadonlyArray<keyof AceEvent>;

/** Copy the parser fields of `e` in FIELD_ORDER, dropping undefined ones. */
export function shapeEvent(e: Partial<AceEvent> & Pick<AceEvent, 'kind'>): AceEvent {
  const out: AceEvent = { kind: e.kind };
  if (e.id !== undefined) out.id = e.id;
  if (e.severity !== undefined) out.severity = e.severity;
  if (e.pri !== undefined) out.pri = e.pri;
  if (e.facility !== undefined) out.facility = e.facility;
  if (e.timestamp !== undefined) out.timestamp = e.timestamp;
  if (e.deviceId !== undefined) out.deviceId = e.deviceId;
  if (e.relayHostname !== undefined) out.relayHostname = e.relayHostname;
  if (e.relayOriginIp !== undefined) out.relayOriginIp = e.relayOriginIp;
  if (e.user !== undefined) out.user = e.user;
  if (e.command !== undefined) out.command = e.command;
  if (e.context !== undefined) out.context = e.context;
  if (e.ftGroup !== undefined) out.ftGroup = e.ftGroup;
  if (e.state !== undefined) out.state = e.state;
  if (e.prevState !== undefined) out.prevState = e.prevState;
  if (e.reason !== undefined) out.reason = e.reason;
  if (e.peerId !== undefined) out.peerId = e.peerId;
  if (e.interface !== undefined) out.interface = e.interface;
  if (e.error !== undefined) out.error = e.error;
  if (e.change !== undefined) out.change = e.change;
  if (e.text !== undefined) out.text = e.text;
  if (e.raw !== undefined) out.raw = e.raw;
  return out;
}
