/**
 * Baseline adoption: "ANM already holds what these contexts run". For a first install next
 * to an ANM that is in sync, where uploading every context again (or, with the manual
 * strategy, asking a person to) would be pointless.
 *
 * For each selected context, the configuration of its last successful audit is recorded
 * as ANM's copy, and an `operator` event (action adopt-baseline, who, why) goes through the
 * rule processor: the default rule `baseline-adopted` marks it in-sync with one decision
 * naming who and why, so `acesync explain` and the page's "Why" chain show it like any
 * other decision. Nothing is uploaded. A context never audited has nothing to adopt: the
 * whole request is refused, naming those contexts, before anything is written.
 *
 * Shared by the API, the page's form and `acesync baseline adopt` (directly on the
 * database when the service is not running).
 */
import { AcesyncError } from '../core/errors.js';
import type { AceEvent } from '../core/events.js';
import type { ContextState } from '../engine/types.js';
import type { ActionDeps } from './actions.js';

export interface AdoptSelection {
  /** Every context of every device. */
  all?: boolean;
  /** Devices (a pair is two); with `context`, only that context of each. */
  devices?: string[];
  /** A context name: on the selected devices, or on every device when none is given. */
  context?: string;
}

export interface AdoptResult {
  adopted: Array<{ device: string; context: string; hash: string; from: string; eventId?: number }>;
  message: string;
}

export const MAX_REASON = 300;
const MAX_LISTED = 50;

const clean = (s: string, max: number): string =>
  s
    .replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ')
    .trim()
    .slice(0, max);

/** The contexts a selection names (removed ones excluded). Pure over the state list. */
export function selectContexts(all: ContextState[], sel: AdoptSelection): ContextState[] {
  const devices = sel.devices?.length ? new Set(sel.devices) : undefined;
  if (!sel.all && !devices && sel.context === undefined)
    throw new AcesyncError('ACESYNC_BAD_REQUEST', 'say what to adopt: all, a device (or a pair), and/or a context');
  return all.filter(
    (c) =>
      c.sync !== 'removed' &&
      (devices === undefined || devices.has(c.device)) &&
      (sel.context === undefined || c.context === sel.context),
  );
}

const list = (cs: ContextState[]): string =>
  cs
    .slice(0, MAX_LISTED)
    .map((c) => `${c.device}/${c.context}`)
    .join(', ') + (cs.length > MAX_LISTED ? `, … (${cs.length - MAX_LISTED} more)` : '');

/** Adopt the selected contexts' audited configurations as ANM's copy. */
export function adoptBaseline(d: ActionDeps, sel: AdoptSelection, by: string, reason: string): AdoptResult {
  const why = clean(reason, MAX_REASON);
  if (why === '')
    throw new AcesyncError('ACESYNC_BAD_REQUEST', 'a reason is required (it is recorded with each decision)');
  if (!d.processor)
    throw new AcesyncError('ACESYNC_UNAVAILABLE', 'adopting a baseline needs the rule processor, which is not running');
  for (const dev of sel.devices ?? [])
    if (!d.store.view.hasDevice(dev)) throw new AcesyncError('ACESYNC_NOT_FOUND', `no device '${clean(dev, 80)}'`);
  const targets = selectContexts(d.store.contexts(), sel);
  if (targets.length === 0) throw new AcesyncError('ACESYNC_NOT_FOUND', 'no context matches the selection');
  const notAudited = targets.filter((c) => !c.lastAuditHash);
  if (notAudited.length > 0)
    throw new AcesyncError(
      'ACESYNC_NOT_AUDITED',
      `${notAudited.length} of ${targets.length} selected contexts were never audited, so acesync has no configuration ` +
        `of theirs to adopt (nothing was adopted): ${list(notAudited)}. Wait for their first audit (or audit the ` +
        `device now), or narrow the selection.`,
      { contexts: notAudited.map((c) => ({ device: c.device, context: c.context })) },
    );
  const who = clean(by, 120) || 'operator';
  const now = d.clock.now();
  const processor = d.processor;
  return d.store.transaction(() => {
    const events: AceEvent[] = [];
    for (const c of targets) {
      const hash = c.lastAuditHash!;
      d.store.recordAnmCopy(c.device, c.context, hash, d.store.versions.get(c.device, c.context, hash)?.text);
      events.push({
        kind: 'operator',
        transport: 'internal',
        device: c.device,
        context: c.context,
        receivedAt: now,
        user: who,
        text: `baseline adopted by ${who}: ${why}`,
        data: { action: 'adopt-baseline', by: who, reason: why, hash, from: c.sync },
      });
    }
    const records = processor.handle(events);
    const eventOf = new Map<string, number>();
    const moved = new Set<string>();
    for (const r of records) {
      if (r.eventId !== undefined && r.device && r.context) eventOf.set(`${r.device}/${r.context}`, r.eventId);
      if (r.kind === 'state' && r.device && r.context) moved.add(`${r.device}/${r.context}`);
    }
    // A context already in-sync does not change state, so the rule writes no state row; it
    // still gets its one decision (a note on the same event), so who adopted what, and why,
    // is in `explain` and the page's "Why" chain for every selected context.
    for (const c of targets) {
      const k = `${c.device}/${c.context}`;
      if (moved.has(k)) continue;
      d.store.writes.record({
        at: now,
        ...(eventOf.has(k) ? { eventId: eventOf.get(k)! } : {}),
        rule: 'baseline-adopted',
        kind: 'note',
        device: c.device,
        context: c.context,
        reason: `baseline adopted by ${who}: ${why} (state was already ${d.store.context(c.device, c.context)?.sync ?? c.sync})`,
      });
    }
    const adopted = targets.map((c) => ({
      device: c.device,
      context: c.context,
      hash: c.lastAuditHash!,
      from: c.sync,
      ...(eventOf.has(`${c.device}/${c.context}`) ? { eventId: eventOf.get(`${c.device}/${c.context}`) } : {}),
    }));
    const inSync = targets.filter((c) => d.store.context(c.device, c.context)?.sync === 'in-sync').length;
    return {
      adopted,
      message:
        `adopted ${adopted.length} context${adopted.length === 1 ? '' : 's'} as ANM's copy; ${inSync} now in-sync` +
        (inSync < adopted.length ? ' (check the rules for operator events: baseline-adopted)' : ''),
    };
  });
}
