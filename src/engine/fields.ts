/**
 * What a rule can look at: event fields (the contract of src/events.ts), `data.<path>`
 * for the kind-specific payload, and `state.<name>` for facts about the current state.
 * Unknown names are load errors, not silently-false conditions.
 */
import type { AceEvent } from '../core/events.js';
import { FIELD_ORDER } from '../parse/event-shape.js';

/**
 * The fields the service adds after parsing (attribution, transport, SNMP, payload). The parser's own fields
 * come from its FIELD_ORDER, so a field the parser gains (the relay fields) is nameable by rules at once.
 */
const SERVICE_FIELDS = [
  'device',
  'originContext',
  'source',
  'relay',
  'claimedOrigin',
  'transport',
  'receivedAt',
  'trapOid',
  'notification',
  'varbinds',
  'data',
] as const satisfies ReadonlyArray<keyof AceEvent>;

/** Every top-level field of AceEvent a rule may name. */
export const EVENT_FIELDS = [...FIELD_ORDER, ...SERVICE_FIELDS] as const;

/** A field added to AceEvent but to neither list fails the typecheck here, not silently at rule load. */
type Unnameable = Exclude<keyof AceEvent, (typeof EVENT_FIELDS)[number]>;
export const EVERY_EVENT_FIELD_NAMEABLE: [Unnameable] extends [never] ? true : Unnameable = true;

/**
 * Facts about the current state, computed per event (after the event's own facts, such as
 * a new FT role, are applied):
 * - `role` / `peer_role`: FT role of the event's device / its peer in the relevant FT group
 *   (the event's `ftGroup`, else the group of the event's context).
 * - `sync` / `peer_sync`: sync state of the event's context on the device / on the peer.
 * - `origin_admin`: the message came from the Admin context (`originContext`).
 * - `anm_user`: `user` is one of `engine.anm_users` (ANM's own deployments).
 * - `known_context`: the context is known (configured or learnt) and not removed.
 * - `configured`: the context is listed in the configuration file.
 * - `ft_group`: the relevant FT group number.
 * - `audit_pending`: another audit of this context is owed (settle window armed, or an
 *   audit job pending/running other than the one this result reports).
 * - `peer`: name of the peer device.
 */
export const STATE_FIELDS = [
  'role',
  'peer_role',
  'sync',
  'peer_sync',
  'origin_admin',
  'anm_user',
  'known_context',
  'configured',
  'ft_group',
  'audit_pending',
  'peer',
] as const;
export type StateField = (typeof STATE_FIELDS)[number];

const EVENT_FIELD_SET = new Set<string>(EVENT_FIELDS);
const STATE_FIELD_SET = new Set<string>(STATE_FIELDS);
const PATH_SEGMENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

export type FieldRef =
  { source: 'event'; name: string; path: string[] } | { source: 'state'; name: StateField; path: [] };

/** Resolve a field name written in a rule; a string is the reason it is not valid. */
export function parseFieldRef(name: string): FieldRef | string {
  if (name.startsWith('state.')) {
    const s = name.slice(6);
    if (!STATE_FIELD_SET.has(s)) return `unknown state field '${s}' (known: ${STATE_FIELDS.join(', ')})`;
    return { source: 'state', name: s as StateField, path: [] };
  }
  const parts = name.split('.');
  const head = parts[0]!;
  if (!EVENT_FIELD_SET.has(head))
    return `unknown event field '${head}' (known: ${EVENT_FIELDS.join(', ')}, data.<name>, state.<name>)`;
  if (parts.length > 1 && head !== 'data') return `field '${head}' has no sub-fields (only data.<name> has)`;
  if (parts.length > 6) return `field path '${name}' is too deep`;
  for (const p of parts.slice(1)) if (!PATH_SEGMENT.test(p)) return `bad path segment '${p}' in '${name}'`;
  return { source: 'event', name: head, path: parts.slice(1) };
}

/** Read an event field (with `data.` sub-path). */
export function readEventField(event: AceEvent, ref: { name: string; path: string[] }): unknown {
  let v: unknown = (event as unknown as Record<string, unknown>)[ref.name];
  for (const p of ref.path) {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return undefined;
    v = (v as Record<string, unknown>)[p];
  }
  return v;
}
