/**
 * Facts an event establishes by itself, before any rule looks at it: FT roles (727012 /
 * 728029 / traps / `show ft group`), which contexts belong to an FT group, and what an
 * audit or upload found. Pure: derived from the event and the state view.
 */
import { normaliseFtState, type AceEvent } from '../core/events.js';
import type { Fact, StateView } from './types.js';

const MAX_CONTEXTS = 512;
const CONTEXT_NAME = /^[A-Za-z0-9_.-]{1,64}$/;

function str(v: unknown, max = 64): string | undefined {
  return typeof v === 'string' && v.length > 0 && v.length <= max ? v : undefined;
}

export function deriveFacts(event: AceEvent, view: StateView): Fact[] {
  const device = event.device;
  if (!device) return [];
  const facts: Fact[] = [];
  const data = event.data ?? {};
  switch (event.kind) {
    case 'ha-state': {
      // The state a device reports applies to that device's member of the group.
      if (typeof event.ftGroup === 'number' && event.state)
        facts.push({ kind: 'role', device, group: event.ftGroup, role: normaliseFtState(event.state) });
      break;
    }
    case 'ft-status': {
      const group = event.ftGroup;
      if (typeof group !== 'number') break;
      const peer = view.peerOf(device);
      const my = str(data.myState);
      const theirs = str(data.peerState);
      if (my) facts.push({ kind: 'role', device, group, role: normaliseFtState(my) });
      if (theirs && peer) facts.push({ kind: 'role', device: peer, group, role: normaliseFtState(theirs) });
      if (Array.isArray(data.contexts)) {
        const contexts = data.contexts
          .filter((c): c is string => typeof c === 'string' && CONTEXT_NAME.test(c))
          .slice(0, MAX_CONTEXTS);
        // An FT group holds the same contexts on both members.
        for (const d of peer ? [device, peer] : [device]) {
          facts.push({ kind: 'group-contexts', device: d, group, contexts });
          for (const c of contexts)
            if (!view.context(d, c)) facts.push({ kind: 'context-seen', device: d, context: c, group });
        }
      }
      break;
    }
    case 'audit-result': {
      const outcome = str(data.outcome, 32);
      if (event.context && outcome) {
        facts.push({
          kind: 'audit',
          device,
          context: event.context,
          outcome,
          hash: str(data.hash, 128),
          config: typeof data.config === 'string' ? data.config : undefined,
        });
      }
      break;
    }
    case 'upload-result': {
      const outcome = str(data.outcome, 32);
      if (event.context && outcome) facts.push({ kind: 'upload', device, context: event.context, outcome });
      break;
    }
  }
  return facts;
}

/** A view with the event's facts laid over it, so rules see the role the event just reported. */
export function withFacts(view: StateView, facts: Fact[]): StateView {
  if (facts.length === 0) return view;
  const roles = new Map<string, string>();
  const groups = new Map<string, string[]>();
  const seen = new Map<string, number | undefined>();
  const perDevice = new Map<string, string[]>();
  for (const f of facts) {
    if (f.kind === 'role') roles.set(`${f.device}\u0000${f.group}`, f.role);
    else if (f.kind === 'group-contexts') groups.set(`${f.device}\u0000${f.group}`, f.contexts);
    else if (f.kind === 'context-seen') {
      seen.set(`${f.device}\u0000${f.context}`, f.group);
      perDevice.set(f.device, [...(perDevice.get(f.device) ?? []), f.context]);
    }
  }
  return {
    ...bind(view),
    role: (d, g) => roles.get(`${d}\u0000${g}`) ?? view.role(d, g),
    groupContexts: (d, g) => groups.get(`${d}\u0000${g}`) ?? view.groupContexts(d, g),
    contextsOf: (d) => {
      const extra = perDevice.get(d);
      return extra ? [...view.contextsOf(d), ...extra] : view.contextsOf(d);
    },
    ftGroupOf: (d, c) => view.ftGroupOf(d, c) ?? seen.get(`${d}\u0000${c}`),
  };
}

function bind(view: StateView): StateView {
  return {
    context: (d, c) => view.context(d, c),
    contextsOf: (d) => view.contextsOf(d),
    contextCount: (d) => view.contextCount?.(d) ?? view.contextsOf(d).length,
    peerOf: (d) => view.peerOf(d),
    ftGroupOf: (d, c) => view.ftGroupOf(d, c),
    groupContexts: (d, g) => view.groupContexts(d, g),
    role: (d, g) => view.role(d, g),
    lookupSource: (a) => view.lookupSource(a),
    hasDevice: (d) => view.hasDevice(d),
    throttleUntil: (r, k) => view.throttleUntil(r, k),
    timer: (k) => view.timer(k),
    expectations: (d, c) => view.expectations(d, c),
    jobActive: (j, d, c, e) => view.jobActive(j, d, c, e),
  };
}
