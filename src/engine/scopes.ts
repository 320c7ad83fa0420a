/**
 * Resolving an action's scope to the (device, context) targets it applies to. Pure: reads
 * the state view only. When a scope cannot be resolved exactly (an FT group whose
 * contexts are not known yet), it errs on the side of more targets, never fewer: a
 * missed context is a stale copy in ANM nobody hears about.
 */
import type { AceEvent } from '../core/events.js';
import { ADMIN_CONTEXT } from '../inventory/inventory.js';
import type { Scope, StateView, Target } from './types.js';

/** Upper bound of targets one action can touch (a pair of ACEs has at most 2 x 251 contexts). */
export const MAX_TARGETS = 2048;

export interface Resolved {
  targets: Target[];
  /** Why the scope resolved the way it did, when it is not obvious. */
  note?: string;
}

function uniq(targets: Target[]): Target[] {
  const seen = new Set<string>();
  const out: Target[] = [];
  for (const t of targets) {
    const k = `${t.device}\u0000${t.context}`;
    if (seen.has(k)) continue;
    seen.add(k);
    out.push(t);
    if (out.length >= MAX_TARGETS) break;
  }
  return out;
}

/** The FT group an event is about: its own `ftGroup`, else its context's group. */
export function eventGroup(event: AceEvent, view: StateView): number | undefined {
  if (typeof event.ftGroup === 'number') return event.ftGroup;
  if (event.device && event.context) return view.ftGroupOf(event.device, event.context);
  return undefined;
}

function allOf(view: StateView, devices: string[]): Target[] {
  return devices.flatMap((d) => view.contextsOf(d).map((c) => ({ device: d, context: c })));
}

export function resolveScope(scope: Scope, event: AceEvent, view: StateView): Resolved {
  const device = event.device;
  if (scope === 'sources') return resolveSources(event, view);
  if (!device) return { targets: [], note: 'event has no device' };
  const peer = view.peerOf(device);
  const both = peer ? [device, peer] : [device];
  // A message whose context cannot be told (a device-wide source address, no device-id) may
  // come from any context: every context of the device (and its peer) stands in for it.
  const unknownContext =
    scope === 'origin'
      ? event.originContext === undefined && event.context === undefined && event.kind !== 'context-lifecycle'
      : event.context === undefined && (scope === 'context' || scope === 'both-peers' || scope === 'peer');
  if (unknownContext) {
    const devices =
      scope === 'context' || scope === 'origin' ? [device] : scope === 'peer' ? (peer ? [peer] : []) : both;
    return {
      targets: uniq(allOf(view, devices)),
      note: 'context not known: every context of the device' + (devices.length > 1 ? 's' : ''),
    };
  }
  switch (scope) {
    case 'context':
      return { targets: [{ device, context: event.context ?? '' }] };
    case 'origin': {
      // Context creation and removal run in Admin (504001/504002 are logged there) even when
      // the source address does not say which context sent the message.
      const origin = event.originContext ?? (event.kind === 'context-lifecycle' ? ADMIN_CONTEXT : event.context);
      return { targets: [{ device, context: origin ?? '' }] };
    }
    case 'both-peers': {
      const ctx = event.context ?? '';
      return {
        targets: uniq(both.map((d) => ({ device: d, context: ctx }))),
        note: peer ? undefined : 'no peer configured',
      };
    }
    case 'peer':
      return peer
        ? { targets: [{ device: peer, context: event.context ?? '' }] }
        : { targets: [], note: 'no peer configured' };
    case 'device':
      return { targets: uniq(allOf(view, [device])) };
    case 'pair':
      return { targets: uniq(allOf(view, both)), note: peer ? undefined : 'no peer configured' };
    case 'ft-group': {
      const group = eventGroup(event, view);
      if (group === undefined)
        return { targets: uniq(allOf(view, both)), note: 'FT group unknown: every context of both peers' };
      const targets: Target[] = [];
      let unknown = false;
      for (const d of both) {
        const members = view.groupContexts(d, group) ?? (d === peer ? view.groupContexts(device, group) : undefined);
        if (members === undefined) {
          unknown = true;
          targets.push(...view.contextsOf(d).map((c) => ({ device: d, context: c })));
        } else targets.push(...members.map((c) => ({ device: d, context: c })));
      }
      return {
        targets: uniq(targets),
        note: unknown ? `contexts of FT group ${group} not known: every context of the device` : undefined,
      };
    }
  }
  return { targets: [] };
}

/** `ingest-loss`: every context whose messages may have been in the lost window. */
function resolveSources(event: AceEvent, view: StateView): Resolved {
  const data = event.data ?? {};
  const sources = Array.isArray(data.sources)
    ? data.sources.filter((s): s is string => typeof s === 'string').slice(0, 1024)
    : [];
  const devices = Array.isArray(data.devices)
    ? data.devices.filter((s): s is string => typeof s === 'string').slice(0, 1024)
    : [];
  const targets: Target[] = [];
  const unknown: string[] = [];
  for (const s of sources) {
    const hit = view.lookupSource(s);
    if (!hit) unknown.push(s);
    // A device-level source carries every context that has no address of its own: all of them.
    else if (hit.context === undefined) targets.push(...allOf(view, [hit.device]));
    else targets.push({ device: hit.device, context: hit.context });
  }
  for (const d of devices) if (view.hasDevice(d)) targets.push(...allOf(view, [d]));
  if (event.device && sources.length === 0 && devices.length === 0) targets.push(...allOf(view, [event.device]));
  return {
    targets: uniq(targets),
    note: unknown.length > 0 ? `sources not in the inventory: ${unknown.slice(0, 5).join(', ')}` : undefined,
  };
}
