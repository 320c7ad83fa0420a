/**
 * Explanations: the chain of reasons that led a context to its current state, the rule
 * matches (with the conditions that passed) behind each step, what is still pending, and
 * the recent decisions. Built from the store, formatted for people (or JSON).
 */
import type { AceEvent } from '../core/events.js';
import type { StoreReader } from '../store/reader.js';
import type { DecisionRecord } from '../store/state-writes.js';
import type { ConditionTrace, ContextState, TimerRow } from './types.js';

export interface ExplainStep {
  at: number;
  from: string | null;
  to: string;
  rule?: string;
  text: string;
  eventId?: number;
  /** The event, when still retained. */
  event?: Pick<AceEvent, 'kind' | 'id' | 'user' | 'command' | 'state' | 'ftGroup' | 'source' | 'transport' | 'data'>;
  /** The rule match that made this step, with its conditions. */
  conditions?: ConditionTrace;
}

export interface Explanation {
  device: string;
  context: string;
  state: ContextState;
  peer?: string;
  role?: { group: number; role?: string; peerRole?: string };
  steps: ExplainStep[];
  timers: TimerRow[];
  jobs: ReturnType<StoreReader['jobs']>;
  recent: DecisionRecord[];
}

function slimEvent(e: AceEvent): ExplainStep['event'] {
  const data = e.data
    ? Object.fromEntries(Object.entries(e.data).filter(([k]) => !['config', 'diff'].includes(k)))
    : undefined;
  return {
    kind: e.kind,
    id: e.id,
    user: e.user,
    command: e.command,
    state: e.state,
    ftGroup: e.ftGroup,
    source: e.source,
    transport: e.transport,
    data,
  };
}

/** Gather what explains the context's state; undefined when the store does not know it. */
export function explainContext(
  reader: StoreReader,
  device: string,
  context: string,
  recentLimit = 20,
): Explanation | undefined {
  const state = reader.context(device, context);
  if (!state) return undefined;
  const peer = reader.peerOf(device);
  const group = state.ftGroup;
  const steps: ExplainStep[] = state.reasons.map((r) => {
    const step: ExplainStep = { at: r.at, from: r.from, to: r.to, rule: r.rule, text: r.text, eventId: r.eventId };
    if (r.eventId !== undefined) {
      const e = reader.event(r.eventId);
      if (e) step.event = slimEvent(e);
      const match = reader.decisionsOfEvent(r.eventId).find((d) => d.kind === 'match' && d.rule === r.rule);
      const cond = match?.detail?.conditions as ConditionTrace | undefined;
      if (cond) step.conditions = cond;
    }
    return step;
  });
  return {
    device,
    context,
    state,
    peer,
    role:
      group !== undefined
        ? { group, role: reader.role(device, group)?.role, peerRole: peer ? reader.role(peer, group)?.role : undefined }
        : undefined,
    steps,
    timers: reader.timers(device, context),
    jobs: reader
      .jobs(device, context, 10)
      .filter((j) => j.state === 'pending' || j.state === 'running' || j.state === 'failed'),
    recent: reader.decisions(device, context, recentLimit),
  };
}

const iso = (t: number): string => new Date(t).toISOString();

function traceLines(t: ConditionTrace, indent: string, out: string[]): void {
  const mark = t.ok ? '✓' : '✗';
  const seen = t.seen !== undefined ? ` (saw ${JSON.stringify(t.seen)})` : '';
  out.push(`${indent}${mark} ${t.test}${seen}`);
  for (const c of t.children ?? []) traceLines(c, indent + '  ', out);
}

/** Human-readable form. */
export function formatExplanation(x: Explanation): string {
  const s = x.state;
  const out: string[] = [];
  out.push(
    `${x.device}/${x.context}: ${s.sync} since ${iso(s.since)}${s.configured ? '' : ' (not in the configuration)'}`,
  );
  if (x.role)
    out.push(
      `  FT group ${x.role.group}: ${x.device} is ${x.role.role ?? 'unknown'}${x.peer ? `, ${x.peer} is ${x.role.peerRole ?? 'unknown'}` : ''}`,
    );
  else if (x.peer) out.push(`  peer: ${x.peer} (FT group not known)`);
  if (s.lastAuditAt !== undefined)
    out.push(
      `  last audit: ${iso(s.lastAuditAt)} ${s.lastAuditOutcome ?? ''}${s.lastAuditHash ? ` (config ${s.lastAuditHash.slice(0, 12)})` : ''}`,
    );
  if (s.lastUploadAt !== undefined) out.push(`  last upload: ${iso(s.lastUploadAt)} ${s.lastUploadOutcome ?? ''}`);
  if (s.anmHash) out.push(`  ANM's copy: ${s.anmHash.slice(0, 12)}`);
  out.push('');
  out.push('How it got here (oldest first):');
  for (const step of x.steps) {
    const arrow = step.from === step.to ? `${step.to} (again)` : `${step.from ?? 'new'} -> ${step.to}`;
    out.push(`  ${iso(step.at)}  ${arrow}${step.rule ? `  [rule ${step.rule}]` : ''}`);
    out.push(`      ${step.text}`);
    if (step.event) {
      const e = step.event;
      const bits = [
        e.kind,
        e.id,
        e.user && `user=${e.user}`,
        e.command && `command='${e.command}'`,
        e.state && `state=${e.state}`,
        e.ftGroup !== undefined && `ftGroup=${e.ftGroup}`,
      ].filter(Boolean);
      out.push(`      event #${step.eventId}: ${bits.join(' ')}`);
    } else if (step.eventId !== undefined) out.push(`      event #${step.eventId} (no longer retained)`);
    if (step.conditions) {
      out.push('      conditions:');
      traceLines(step.conditions, '        ', out);
    }
  }
  if (x.timers.length > 0 || x.jobs.length > 0) {
    out.push('');
    out.push('Pending:');
    for (const t of x.timers)
      out.push(
        `  ${t.kind === 'settle' ? 'settle window' : 'expectation'} (${t.rule}) due ${iso(t.due)}: ${t.kind === 'settle' ? `then ${(t.payload as { job: string }).job}` : (t.payload as { reason: string }).reason}`,
      );
    for (const j of x.jobs)
      out.push(
        `  job #${j.id} ${j.type} ${j.state}, attempt ${j.attempts}, next run ${iso(j.nextRunAt)}${j.requests > 1 ? `, ${j.requests} requests merged` : ''}${j.lastError ? `, last error: ${j.lastError}` : ''}`,
      );
  }
  const recent = x.recent.filter((d) => d.kind !== 'match');
  if (recent.length > 0) {
    out.push('');
    out.push('Recent decisions:');
    for (const d of recent) {
      const what =
        d.kind === 'state'
          ? `${d.from ?? 'new'} -> ${d.to}`
          : d.kind === 'action'
            ? `${d.action}${d.due !== undefined ? ` due ${iso(d.due)}` : ''}${d.detail?.merged ? ' (merged into a pending job)' : ''}`
            : d.kind;
      out.push(`  ${iso(d.at)}  ${what}${d.rule ? `  [${d.rule}]` : ''}${d.reason ? `: ${d.reason}` : ''}`);
    }
  }
  return out.join('\n') + '\n';
}
