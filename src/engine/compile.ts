/**
 * Turning one validated rule (YAML) into a CompiledRule: conditions compiled, templates
 * checked, durations resolved, defaults from the engine configuration filled in.
 * Problems carry key paths relative to the rule so the loader can point at lines.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { EventKind, SyncState } from '../core/events.js';
import { compileCondition, resolveVariables, type ConditionProblem } from './conditions.js';
import { compileTemplate, literal, type Template } from './template.js';
import { parseFieldRef } from './fields.js';
import {
  ACTION_VERBS,
  alertSchema,
  expectSchema,
  jobActionSchema,
  markSchema,
  pollSchema,
  type RuleInput,
} from './schema.js';
import type { AlertSpec, CompiledAction, CompiledRule } from './types.js';

export interface CompileOptions {
  variables: Record<string, unknown>;
  defaultSettleMs: number;
  maxSettleMs: number;
}

export interface ZodProblem {
  path: Array<string | number>;
  error: z.ZodError;
}

export interface CompileProblems {
  plain: ConditionProblem[];
  zod: ZodProblem[];
}

/** Priority of jobs asked for by rules: ahead of scheduled audits (0). */
export const RULE_JOB_PRIORITY = 10;

function template(
  src: string | undefined,
  fallback: string,
  path: Array<string | number>,
  problems: CompileProblems,
): Template {
  if (src === undefined) return literal(fallback);
  const t = compileTemplate(src);
  if (typeof t === 'string') {
    problems.plain.push({ path, message: t });
    return literal(fallback);
  }
  return t;
}

function compileAlert(
  a: z.output<typeof alertSchema>,
  path: Array<string | number>,
  problems: CompileProblems,
): AlertSpec {
  const labels: Record<string, Template> = {};
  for (const [k, v] of Object.entries(a.labels)) labels[k] = template(v, '', [...path, 'labels', k], problems);
  const spec: AlertSpec = {
    severity: a.severity,
    summary: template(a.summary, '', [...path, 'summary'], problems),
    labels,
  };
  if (a.fix !== undefined) spec.fix = template(a.fix, '', [...path, 'fix'], problems);
  return spec;
}

function compileAction(
  raw: Record<string, unknown>,
  path: Array<string | number>,
  rule: RuleInput,
  opts: CompileOptions,
  problems: CompileProblems,
): CompiledAction | undefined {
  const keys = Object.keys(raw);
  const verbs = keys.filter((k) => (ACTION_VERBS as readonly string[]).includes(k));
  if (verbs.length !== 1 || keys.length !== 1) {
    const unknown = keys.find((k) => !(ACTION_VERBS as readonly string[]).includes(k));
    problems.plain.push({
      path: unknown !== undefined ? [...path, unknown] : path,
      message:
        unknown !== undefined
          ? `unknown action '${unknown}' (actions: ${ACTION_VERBS.join(', ')})`
          : `an action is one of ${ACTION_VERBS.join(', ')}, one per list item`,
    });
    return undefined;
  }
  const verb = verbs[0]!;
  const value = raw[verb];
  const at = [...path, verb];
  const parse = <S extends z.ZodType>(schema: S): z.output<S> | undefined => {
    const r = schema.safeParse(value);
    if (!r.success) {
      problems.zod.push({ path: at, error: r.error });
      return undefined;
    }
    return r.data;
  };
  const defaultReason = rule.reason ?? `rule ${rule.name}`;
  switch (verb) {
    case 'mark': {
      const m = parse(markSchema);
      if (m === undefined) return undefined;
      return {
        type: 'mark',
        state: m.state as SyncState,
        scope: m.scope ?? rule.scope,
        reason: template(
          m.reason ?? rule.reason,
          defaultReason,
          m.reason !== undefined ? [...at, 'reason'] : ['reason'],
          problems,
        ),
        only_from: m.only_from,
      };
    }
    case 'audit':
    case 'upload':
    case 'check-crypto': {
      const j = parse(jobActionSchema);
      if (j === undefined) return undefined;
      const o = j;
      const payload: Record<string, Template | number | boolean> = {};
      for (const [k, v] of Object.entries(o.payload ?? {}))
        payload[k] = typeof v === 'string' ? template(v, '', [...at, 'payload', k], problems) : v;
      return {
        type: 'job',
        job: verb,
        scope: o.scope ?? rule.scope,
        settleMs: o.settle === undefined ? 0 : o.settle === 'default' ? opts.defaultSettleMs : o.settle,
        maxWaitMs: o.max_wait ?? opts.maxSettleMs,
        priority: o.priority ?? RULE_JOB_PRIORITY,
        payload,
      };
    }
    case 'alert': {
      const a = parse(alertSchema);
      if (a === undefined) return undefined;
      return { type: 'alert', priority: a.priority, ...compileAlert(a, at, problems) };
    }
    case 'poll': {
      const p = parse(pollSchema);
      if (p === undefined) return undefined;
      return {
        type: 'poll',
        mode: p.cadence,
        forMs: p.for,
        scope: p.scope ?? rule.scope,
        reason: template(p.reason ?? rule.reason, defaultReason, [...at, 'reason'], problems),
      };
    }
    case 'expect': {
      const e = parse(expectSchema);
      if (e === undefined) return undefined;
      if (e.when !== undefined) compileCondition(e.when, [...at, 'when'], opts.variables, problems.plain);
      if (!e.alert && !e.mark)
        problems.plain.push({ path: at, message: "an expectation needs 'alert' and/or 'mark' for when it is not met" });
      return {
        type: 'expect',
        scope: e.scope ?? rule.scope,
        withinMs: e.within,
        // Stored with the timer: variables are resolved now, the spec must stand alone later.
        match: {
          kinds: (Array.isArray(e.event) ? e.event : [e.event]) as EventKind[],
          when: e.when === undefined ? undefined : resolveVariables(e.when, opts.variables),
        },
        reason: template(e.reason ?? rule.reason, defaultReason, [...at, 'reason'], problems),
        onExpiry: { alert: e.alert ? compileAlert(e.alert, [...at, 'alert'], problems) : undefined, mark: e.mark },
      };
    }
    case 'suppress': {
      if (value !== true) {
        problems.plain.push({ path: at, message: "write 'suppress: true'" });
        return undefined;
      }
      return { type: 'suppress' };
    }
  }
  return undefined;
}

/** Stable fingerprint of a rule definition (key order independent). */
export function ruleHash(raw: unknown): string {
  const canon = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(canon)
      : v !== null && typeof v === 'object'
        ? Object.fromEntries(
            Object.keys(v as object)
              .sort()
              .map((k) => [k, canon((v as Record<string, unknown>)[k])]),
          )
        : v;
  return createHash('sha256')
    .update(JSON.stringify(canon(raw)))
    .digest('hex')
    .slice(0, 16);
}

export function compileRule(
  rule: RuleInput,
  raw: unknown,
  meta: { file: string; line?: number; order: number },
  opts: CompileOptions,
  problems: CompileProblems,
): CompiledRule | undefined {
  const before = problems.plain.length + problems.zod.length;
  const reason = rule.reason !== undefined ? template(rule.reason, '', ['reason'], problems) : undefined;
  const when =
    rule.when === undefined ? undefined : compileCondition(rule.when, ['when'], opts.variables, problems.plain);
  if (rule.throttle)
    rule.throttle.group_by.forEach((g, i) => {
      const ref = parseFieldRef(g);
      if (typeof ref === 'string') problems.plain.push({ path: ['throttle', 'group_by', i], message: ref });
      else if (ref.source === 'state')
        problems.plain.push({
          path: ['throttle', 'group_by', i],
          message: 'group_by takes event fields (device, context, data.<name>, ...), not state fields',
        });
    });
  const actions = rule.actions.map((a, i) => compileAction(a, ['actions', i], rule, opts, problems));
  if (problems.plain.length + problems.zod.length > before) return undefined;
  const kinds = rule.on === undefined ? undefined : new Set<EventKind>(Array.isArray(rule.on) ? rule.on : [rule.on]);
  return {
    name: rule.name,
    description: rule.description,
    file: meta.file,
    line: meta.line,
    priority: rule.priority,
    order: meta.order,
    hash: ruleHash(raw),
    kinds,
    when,
    reason,
    throttle: rule.throttle ? { onceWithinMs: rule.throttle.once_within, groupBy: rule.throttle.group_by } : undefined,
    actions: actions as CompiledAction[],
  };
}
