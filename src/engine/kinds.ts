import { INTERNAL_KINDS, WIRE_KINDS, type EventKind } from '../core/events.js';

/** Every event kind, wire and internal (rules may name any of them in `on`). */
export const EVENT_KINDS_ALL = [...WIRE_KINDS, ...INTERNAL_KINDS] as [EventKind, ...EventKind[]];
