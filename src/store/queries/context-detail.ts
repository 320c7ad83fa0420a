/**
 * A context's page model: the explanation chain (event -> rule -> decision -> action ->
 * result) from the decisions table, its configuration history and a diff between two
 * versions (the store's diff, util/diff.ts), its jobs and recent events.
 */
import type { Job, JobQueue } from '../job-queue.js';
import type { ContextState } from '../../core/state.js';
import type { ConfigVersion, DecisionRecord, Store } from '../store.js';
import { eventSummary, listEvents, type StoredEvent } from './events.js';

export interface ChainAction {
  action: string;
  rule?: string;
  reason?: string;
  due?: number;
  jobId?: number;
  merged?: boolean;
  job?: Pick<Job, 'id' | 'type' | 'state' | 'attempts' | 'lastError' | 'finishedAt'> & { result?: string };
}

export interface Chain {
  /** Decisions taken at one time for one cause: an event, or a timer that fired. */
  at: number;
  eventId?: number;
  event?: { kind: string; summary: string; device?: string; context?: string; transport?: string; receivedAt?: number };
  rules: Array<{ rule: string; status: 'fired' | 'throttled'; conditions?: string; note?: string }>;
  states: Array<{
    device?: string;
    context?: string;
    from?: string | null;
    to?: string;
    rule?: string;
    reason?: string;
  }>;
  actions: ChainAction[];
  notes: string[];
}

export interface ContextDetail {
  state?: ContextState;
  peer?: { device: string; state?: ContextState };
  role?: string;
  chains: Chain[];
  versions: ConfigVersion[];
  diff?: { from: ConfigVersion; to: ConfigVersion; text?: string };
  jobs: Job[];
  events: StoredEvent[];
}

const MAX_CHAINS = 15;
const MAX_DECISIONS = 300;

function traceText(c: unknown, depth = 0): string {
  if (!c || typeof c !== 'object' || depth > 4) return '';
  const t = c as { test?: string; ok?: boolean; children?: unknown[] };
  const kids = Array.isArray(t.children) ? t.children.map((k) => traceText(k, depth + 1)).filter(Boolean) : [];
  const self = t.test ? `${t.test} ${t.ok ? '✓' : '✗'}` : '';
  return kids.length ? `${self}${self ? ': ' : ''}${kids.join('; ')}` : self;
}

function jobView(queue: JobQueue, id: number): ChainAction['job'] {
  const j = queue.get(id);
  if (!j) return undefined;
  const result = j.result === undefined ? undefined : JSON.stringify(j.result);
  return {
    id: j.id,
    type: j.type,
    state: j.state,
    attempts: j.attempts,
    lastError: j.lastError,
    finishedAt: j.finishedAt,
    result: result && result.length > 300 ? result.slice(0, 299) + '…' : result,
  };
}

/** Chains newest first. */
export function explanation(store: Store, device: string, context: string): Chain[] {
  const decisions = store.decisions({ device, context, limit: MAX_DECISIONS }).reverse();
  const chains: Chain[] = [];
  const byKey = new Map<string, Chain>();
  for (const d of decisions) {
    const key = d.eventId !== undefined ? `e${d.eventId}` : `t${d.at}`;
    let chain = byKey.get(key);
    if (!chain) {
      if (chains.length >= MAX_CHAINS) continue;
      chain = { at: d.at, eventId: d.eventId, rules: [], states: [], actions: [], notes: [] };
      byKey.set(key, chain);
      chains.push(chain);
    }
    addDecision(chain, d, store.jobs);
  }
  for (const chain of chains) {
    if (chain.eventId === undefined) continue;
    const e = store.event(chain.eventId);
    if (e)
      chain.event = {
        kind: e.kind,
        summary: eventSummary(e),
        device: e.device,
        context: e.context,
        transport: e.transport,
        receivedAt: e.receivedAt,
      };
    // Rules are recorded against the event's own target; a peer's chain shows them too.
    if (chain.rules.length === 0)
      for (const d of store.decisions({ eventId: chain.eventId, kinds: ['match', 'throttled'], limit: 50 }))
        addDecision(chain, d, store.jobs);
  }
  return chains;
}

function addDecision(chain: Chain, d: DecisionRecord & { id: number }, queue: JobQueue): void {
  switch (d.kind) {
    case 'match':
    case 'throttled':
      if (!chain.rules.some((r) => r.rule === d.rule))
        chain.rules.push({
          rule: d.rule ?? '?',
          status: d.kind === 'match' ? 'fired' : 'throttled',
          conditions: traceText(d.detail?.conditions) || undefined,
          note: d.reason,
        });
      return;
    case 'state':
      chain.states.push({
        device: d.device,
        context: d.context,
        from: d.from,
        to: d.to,
        rule: d.rule,
        reason: d.reason,
      });
      return;
    case 'action': {
      const jobId = typeof d.detail?.job === 'number' ? d.detail.job : undefined;
      chain.actions.push({
        action: d.action ?? '?',
        rule: d.rule,
        reason: d.reason,
        due: d.due,
        jobId,
        merged: d.detail?.merged === true,
        job: jobId !== undefined ? jobView(queue, jobId) : undefined,
      });
      return;
    }
    default:
      chain.notes.push(`${d.kind}${d.rule ? ` (${d.rule})` : ''}: ${d.reason ?? ''}`);
  }
}

export function contextDetail(
  store: Store,
  device: string,
  context: string,
  diff?: { from?: string; to?: string },
): ContextDetail {
  const state = store.context(device, context);
  const peerName = store.view.peerOf(device);
  const group = state?.ftGroup;
  const versions = store.versions.list(device, context, 50);
  const detail: ContextDetail = {
    state,
    peer: peerName ? { device: peerName, state: store.context(peerName, context) } : undefined,
    role: group !== undefined ? store.view.role(device, group) : undefined,
    chains: explanation(store, device, context),
    versions,
    jobs: store.jobs.list({ device, context, limit: 30 }),
    events: listEvents(store.db, { device, context, limit: 20 }).items,
  };
  // Default diff: ANM's copy (else the previous version) against the newest.
  const toV = diff?.to ? versions.find((v) => v.hash === diff.to) : versions[0];
  const fromV = diff?.from
    ? versions.find((v) => v.hash === diff.from)
    : (versions.find((v) => v.isAnm && v !== toV) ?? versions.find((v) => v !== toV));
  if (toV && fromV && toV !== fromV)
    detail.diff = { from: fromV, to: toV, text: store.versions.diff(device, context, fromV.hash, toV.hash) };
  return detail;
}
