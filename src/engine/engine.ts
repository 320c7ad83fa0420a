/**
 * The rule engine: `evaluate(event, view, ruleset, now)` -> what to do. Pure: it reads
 * the state view and the event, and returns facts, rule outcomes (for explanations) and
 * effects; the store applies them in one transaction. Rules run in order (priority, file,
 * position); every matching rule fires unless throttled; `suppress` stops the rules after
 * it. Rules see the state as it was when the event arrived, with the event's own facts
 * (a new FT role, say) laid over it.
 */
import type { AceEvent } from '../core/events.js';
import { ADMIN_CONTEXT } from '../inventory/inventory.js';
import type { StateLookup } from './conditions.js';
import { deriveFacts, withFacts } from './facts.js';
import type { StateField } from './fields.js';
import { eventGroup, resolveScope } from './scopes.js';
import { expectKey, meetsExpectation, settleKey, throttleKey } from './throttles.js';
import type {
  CompiledAction,
  CompiledRule,
  Effect,
  Evaluation,
  Fact,
  RuleOutcome,
  Ruleset,
  StateView,
  Target,
} from './types.js';
import type { Template } from './template.js';
import { formatDuration } from './duration.js';

export interface EvaluateOptions {
  /** Id of the stored event (recorded in alert payloads and expectations). */
  eventId?: number;
}

/** State fields of one event, computed on first use. */
export function stateLookup(event: AceEvent, view: StateView, ruleset: Pick<Ruleset, 'anmUsers'>): StateLookup {
  const cache = new Map<StateField, unknown>();
  const device = event.device;
  const context = event.context;
  const compute = (f: StateField): unknown => {
    const peer = device ? view.peerOf(device) : undefined;
    switch (f) {
      case 'peer':
        return peer;
      case 'ft_group':
        return eventGroup(event, view);
      case 'role': {
        const g = eventGroup(event, view);
        return device && g !== undefined ? view.role(device, g) : undefined;
      }
      case 'peer_role': {
        const g = eventGroup(event, view);
        return peer && g !== undefined ? view.role(peer, g) : undefined;
      }
      case 'sync':
        return device && context ? view.context(device, context)?.sync : undefined;
      case 'peer_sync':
        return peer && context ? view.context(peer, context)?.sync : undefined;
      case 'origin_admin':
        return event.originContext === ADMIN_CONTEXT;
      case 'anm_user':
        return typeof event.user === 'string' && ruleset.anmUsers.has(event.user);
      case 'known_context': {
        const c = device && context ? view.context(device, context) : undefined;
        return c !== undefined && c.sync !== 'removed';
      }
      case 'configured':
        return device && context ? (view.context(device, context)?.configured ?? false) : false;
      case 'audit_pending': {
        if (!device || context === undefined) return false;
        const jobId = typeof event.data?.jobId === 'number' ? event.data.jobId : undefined;
        return (
          view.timer(settleKey('audit', device, context)) !== undefined ||
          view.jobActive('audit', device, context, jobId)
        );
      }
    }
  };
  return (f) => {
    if (!cache.has(f)) cache.set(f, compute(f));
    return cache.get(f);
  };
}

function render(t: Template, event: AceEvent, state: StateLookup): string {
  return t.render(event, state);
}

function renderPayload(
  p: Record<string, Template | number | boolean>,
  event: AceEvent,
  state: StateLookup,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(p)) out[k] = typeof v === 'object' ? render(v, event, state) : v;
  return out;
}

function actionEffects(
  action: CompiledAction,
  rule: CompiledRule,
  event: AceEvent,
  view: StateView,
  state: StateLookup,
  now: number,
  opts: EvaluateOptions,
  notes: string[],
): Effect[] {
  const scoped = (scope: Parameters<typeof resolveScope>[0]): Target[] => {
    const r = resolveScope(scope, event, view);
    if (r.note) notes.push(`${action.type} (${scope}): ${r.note}`);
    return r.targets;
  };
  switch (action.type) {
    case 'suppress':
      return [];
    case 'mark': {
      const reason = render(action.reason, event, state);
      const out: Effect[] = [];
      for (const t of scoped(action.scope)) {
        if (!t.context) {
          notes.push(`mark ${action.state}: no context to mark on ${t.device}`);
          continue;
        }
        out.push({
          kind: 'mark',
          rule: rule.name,
          device: t.device,
          context: t.context,
          to: action.state,
          reason,
          onlyFrom: action.only_from,
        });
      }
      return out;
    }
    case 'job': {
      const payload = renderPayload(action.payload, event, state);
      const reason = rule.reason
        ? render(rule.reason, event, state)
        : `${event.kind}${event.id ? ` ${event.id}` : ''}${event.device ? ` from ${event.device}` : ''}`;
      return scoped(action.scope).map((t): Effect =>
        action.settleMs > 0
          ? {
              kind: 'settle',
              rule: rule.name,
              ruleHash: rule.hash,
              job: action.job,
              device: t.device,
              context: t.context,
              settleMs: action.settleMs,
              maxWaitMs: action.maxWaitMs,
              priority: action.priority,
              payload,
              reason,
            }
          : {
              kind: 'job',
              rule: rule.name,
              job: action.job,
              device: t.device,
              context: t.context,
              payload: { ...payload, reasons: [reason] },
              priority: action.priority,
              dedupe: '',
              reason,
            },
      );
    }
    case 'alert': {
      const device = event.device ?? '';
      const context = event.context ?? '';
      const labels: Record<string, string> = { alertname: rule.name, severity: action.severity };
      if (device) labels.device = device;
      if (context) labels.context = context;
      for (const [k, v] of Object.entries(action.labels)) labels[k] = render(v, event, state);
      const summary = render(action.summary, event, state);
      const fix = action.fix ? render(action.fix, event, state) : undefined;
      return [
        {
          kind: 'job',
          rule: rule.name,
          job: 'alert',
          device,
          context,
          // One pending alert per (rule, device, context): a storm becomes one alert with a count.
          dedupe: rule.name,
          priority: action.priority,
          reason: summary,
          payload: {
            severity: action.severity,
            summary,
            ...(fix ? { fix } : {}),
            labels,
            rule: rule.name,
            eventId: opts.eventId,
            eventKind: event.kind,
            at: now,
          },
        },
      ];
    }
    case 'poll': {
      const reason = render(action.reason, event, state);
      const devices = [...new Set(scoped(action.scope).map((t) => t.device))];
      return devices.map((device): Effect => ({
        kind: 'cadence',
        rule: rule.name,
        device,
        mode: action.mode,
        until: now + action.forMs,
        reason,
      }));
    }
    case 'expect': {
      const reason = render(action.reason, event, state);
      const out: Effect[] = [];
      for (const t of scoped(action.scope)) {
        const key = expectKey(rule.name, t.device, t.context);
        const open = view.timer(key);
        if (open) {
          // Keep the first deadline: a flapping pair must not push the alarm out forever.
          notes.push(`expect ${t.device}/${t.context}: already expected by ${new Date(open.due).toISOString()}`);
          continue;
        }
        const a = action.onExpiry.alert;
        out.push({
          kind: 'expect',
          rule: rule.name,
          ruleHash: rule.hash,
          device: t.device,
          context: t.context,
          due: now + action.withinMs,
          payload: {
            match: action.match,
            reason,
            eventId: opts.eventId,
            onExpiry: {
              mark: action.onExpiry.mark,
              alert: a
                ? {
                    severity: a.severity,
                    summary: render(a.summary, event, state),
                    ...(a.fix ? { fix: render(a.fix, event, state) } : {}),
                    labels: Object.fromEntries(Object.entries(a.labels).map(([k, v]) => [k, render(v, event, state)])),
                  }
                : undefined,
            },
          },
        });
      }
      return out;
    }
  }
}

function matches(rule: CompiledRule, event: AceEvent, state: StateLookup): boolean {
  if (rule.kinds ? !rule.kinds.has(event.kind) : event.kind === 'noise') return false;
  return rule.when ? rule.when.test(event, state) : true;
}

/** Evaluate one event against the rule set. Pure. */
export function evaluate(
  event: AceEvent,
  baseView: StateView,
  ruleset: Ruleset,
  now: number,
  opts: EvaluateOptions = {},
): Evaluation {
  const facts: Fact[] = deriveFacts(event, baseView);
  const view = withFacts(baseView, facts);
  const state = stateLookup(event, view, ruleset);
  const effects: Effect[] = [];
  const outcomes: RuleOutcome[] = [];

  // Expectations first: a result that arrives is credited before rules react to it.
  if (event.device) {
    for (const timer of view.expectations(event.device, event.context ?? '')) {
      if (timer.due >= now && meetsExpectation(timer, event, state))
        effects.push({
          kind: 'expect-met',
          rule: timer.rule,
          key: timer.key,
          device: timer.device,
          context: timer.context,
          reason: `${event.kind} arrived within the window`,
        });
    }
  }

  for (const rule of ruleset.rules) {
    if (!matches(rule, event, state)) continue;
    const notes: string[] = [];
    const outcome: RuleOutcome = {
      rule: rule.name,
      status: 'fired',
      conditions: rule.when?.trace(event, state),
      notes,
      suppressedRest: false,
    };
    outcomes.push(outcome);
    const suppress = rule.actions.some((a) => a.type === 'suppress');
    if (rule.throttle) {
      const key = throttleKey(rule.throttle.groupBy, event);
      const until = view.throttleUntil(rule.name, key);
      outcome.throttleKey = key;
      if (until !== undefined && until > now) {
        outcome.status = 'throttled';
        outcome.throttledUntil = until;
        notes.push(
          `once_within ${formatDuration(rule.throttle.onceWithinMs)}: fired already, quiet until ${new Date(until).toISOString()}`,
        );
      } else effects.push({ kind: 'throttle', rule: rule.name, key, until: now + rule.throttle.onceWithinMs });
    }
    if (outcome.status === 'fired')
      for (const a of rule.actions) effects.push(...actionEffects(a, rule, event, view, state, now, opts, notes));
    if (suppress) {
      outcome.suppressedRest = true;
      break;
    }
  }
  return { at: now, facts, outcomes, effects };
}
