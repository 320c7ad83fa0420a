/**
 * Acknowledging a manual procedure run in bulk: the operator uploaded the run's contexts
 * in ANM's GUI. Each selected context (default: every context of the run that still waits)
 * is acknowledged exactly as the per-context acknowledgement does (actions.ts: ANM's copy
 * recorded, upload-result ok through the rules, confirming audit queued). One request, one
 * token, however many contexts.
 */
import { AcesyncError } from '../core/errors.js';
import type { AlertStore } from '../store/alerts.js';
import { openRun } from '../notify/procedure-alert.js';
import { acknowledgeUpload, type ActionDeps, type ActionResult } from './actions.js';

export interface ProcedureAckResult {
  pair: string;
  acknowledged: Array<{ device: string; context: string; jobs: ActionResult['jobs'] }>;
  message: string;
}

const MAX_LISTED = 50;
const list = (xs: string[]): string =>
  xs.slice(0, MAX_LISTED).join(', ') + (xs.length > MAX_LISTED ? `, … (${xs.length - MAX_LISTED} more)` : '');

export function acknowledgeProcedure(
  d: ActionDeps,
  alerts: AlertStore,
  pairKey: string,
  selected: string[] | undefined,
  note?: string,
): ProcedureAckResult {
  const now = d.clock.now();
  const run = openRun(d.store, alerts, pairKey, now, false);
  if (!run) throw new AcesyncError('ACESYNC_NOT_FOUND', `no manual procedure is open for '${pairKey.slice(0, 200)}'`);
  const waiting = run.contexts.filter((c) => c.waiting);
  const key = (c: { device: string; context: string }): string => `${c.device}/${c.context}`;
  let targets = waiting;
  if (selected && selected.length > 0) {
    const want = new Set(selected);
    const known = new Set(waiting.map(key));
    const bad = [...want].filter((s) => !known.has(s));
    if (bad.length)
      throw new AcesyncError(
        'ACESYNC_CONFLICT',
        `not waiting in this procedure (nothing was acknowledged): ${list(bad.map((s) => s.slice(0, 140)))}; ` +
          `waiting: ${list([...known]) || 'none'}`,
      );
    targets = waiting.filter((c) => want.has(key(c)));
  }
  if (targets.length === 0)
    throw new AcesyncError('ACESYNC_CONFLICT', `nothing of the procedure of ${pairKey} waits for an acknowledgement`);
  const acknowledged = targets.map((c) => ({
    device: c.device,
    context: c.context,
    jobs: acknowledgeUpload(d, c.device, c.context, note).jobs,
  }));
  const left = waiting.length - acknowledged.length;
  return {
    pair: pairKey,
    acknowledged,
    message:
      `acknowledged ${acknowledged.length} context${acknowledged.length === 1 ? '' : 's'} of ${pairKey}; ` +
      `each is re-audited to confirm${left > 0 ? `; ${left} still waiting` : ''}`,
  };
}
