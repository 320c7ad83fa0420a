/**
 * The shape of a rule file (zod). Semantic checks that zod cannot express (field names,
 * regexes, templates, variables, duplicate names) are done by the compiler, with the
 * same file:line reporting.
 *
 * ```yaml
 * rules:
 *   - name: config-change-marks-suspect
 *     on: [config-change, logging-change]
 *     when: { not: { field: state.anm_user, equals: true } }
 *     scope: both-peers
 *     reason: "{user} ran '{command}'"
 *     throttle: { once_within: 10m, group_by: [device, context] }
 *     actions:
 *       - mark: suspect
 *       - audit: { settle: 5s }
 * ```
 */
import { z } from 'zod';
import { EVENT_KINDS_ALL } from './kinds.js';
import { SYNC_STATES } from '../core/events.js';
import { SCOPES } from './types.js';
import { MAX_DURATION_MS, parseDuration } from './duration.js';

/** A bare number other than 0 is refused: `settle: 5` reads as 5 s to a person and was 5 ms. */
function unitless(v: string | number, ctx: z.RefinementCtx): boolean {
  if (typeof v !== 'number' || v === 0) return false;
  ctx.addIssue({
    code: 'custom',
    message: `duration ${v} has no unit: write ${v}ms, ${v}s or ${v}m (units: ms, s, m, h, d)`,
  });
  return true;
}

/** A duration: `500ms`, `5s`, `10m`, `2h`, `1d` (a bare number only for 0). */
export const durationSchema = z.union([z.string(), z.number()]).transform((v, ctx) => {
  if (unitless(v, ctx)) return z.NEVER;
  const ms = parseDuration(v);
  if (ms === undefined) {
    ctx.addIssue({
      code: 'custom',
      message: `bad duration ${JSON.stringify(v)}: expected e.g. 500ms, 5s, 10m, 2h, 1d`,
    });
    return z.NEVER;
  }
  if (ms > MAX_DURATION_MS) {
    ctx.addIssue({ code: 'custom', message: `duration ${JSON.stringify(v)} is longer than 30 days` });
    return z.NEVER;
  }
  return ms;
});

/** A duration, or `default` (engine.default_settle_ms). */
export const settleSchema = z.union([z.string(), z.number()]).transform((v, ctx): number | 'default' => {
  if (v === 'default') return 'default';
  if (unitless(v, ctx)) return z.NEVER;
  const ms = parseDuration(v);
  if (ms === undefined || ms > MAX_DURATION_MS) {
    ctx.addIssue({
      code: 'custom',
      message: `bad settle window ${JSON.stringify(v)}: expected 'default' or a duration like 500ms, 5s, 10m (at most 30 days)`,
    });
    return z.NEVER;
  }
  return ms;
});

const kind = z.enum(EVENT_KINDS_ALL);
const scope = z.enum(SCOPES);
const syncState = z.enum(SYNC_STATES);
const text = z.string().min(1).max(1000);
const scalar = z.union([z.string().max(1000), z.number(), z.boolean()]);

export const alertSchema = z.strictObject({
  severity: z.enum(['info', 'warning', 'critical']).default('warning'),
  summary: text,
  /** What to do about it: the CLI line(s) or acesync command that fixes it (the `fix` annotation). */
  fix: text.optional(),
  labels: z
    .record(z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/, 'label names are letters, digits, _'), z.string().max(500))
    .default({}),
  priority: z.number().int().min(0).max(100).default(50),
});

export const markSchema = z.preprocess(
  // `mark: suspect` is short for `mark: {state: suspect}`.
  (v) => (typeof v === 'string' ? { state: v } : v),
  z.strictObject({
    state: syncState,
    scope: scope.optional(),
    reason: text.optional(),
    /** Only move contexts that are currently in one of these states. */
    only_from: z.array(syncState).min(1).optional(),
  }),
);

export const jobActionSchema = z.preprocess(
  // `audit: true` is short for `audit: {}`.
  (v) => (v === true || v === null ? {} : v),
  z.strictObject({
    scope: scope.optional(),
    /** Trailing settle window: `default` is engine.default_settle_ms; 0 enqueues at once. */
    settle: settleSchema.optional(),
    /** Never postpone the job more than this after the first request (default engine.max_settle_ms). */
    max_wait: durationSchema.optional(),
    /** Higher runs first; rules default to 10, scheduled audits use 0. */
    priority: z.number().int().min(0).max(100).optional(),
    /** Extra values for the worker (templated strings allowed). */
    payload: z.record(z.string(), scalar).optional(),
  }),
);

export const pollSchema = z.strictObject({
  cadence: z.enum(['fast', 'normal']).default('fast'),
  for: durationSchema.default(30 * 60 * 1000),
  scope: scope.optional(),
  reason: text.optional(),
});

export const expectSchema = z.strictObject({
  within: durationSchema,
  /** Event kind(s) that satisfy the expectation, for the same (device, context). */
  event: z.union([kind, z.array(kind).min(1)]),
  when: z.unknown().optional(),
  scope: scope.optional(),
  reason: text.optional(),
  /** What to do when the deadline passes unmet. */
  alert: alertSchema.optional(),
  mark: syncState.optional(),
});

export const ACTION_VERBS = ['mark', 'audit', 'upload', 'check-crypto', 'alert', 'poll', 'expect', 'suppress'] as const;

export const ruleSchema = z.strictObject({
  name: z
    .string()
    .min(1)
    .max(100)
    .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'rule names are letters, digits, _ . - (starting with a letter or digit)'),
  description: z.string().max(4000).optional(),
  enabled: z.boolean().default(true),
  priority: z.number().int().min(0).max(10_000).default(100),
  /** Event kind(s) this rule looks at; absent: every kind except noise. */
  on: z.union([kind, z.array(kind).min(1)]).optional(),
  when: z.unknown().optional(),
  /** Default scope of the actions. */
  scope: scope.default('context'),
  /** Default reason template of `mark` actions. */
  reason: text.optional(),
  throttle: z
    .strictObject({
      once_within: durationSchema,
      group_by: z.array(z.string().min(1)).max(8).default(['device', 'context']),
    })
    .optional(),
  actions: z.array(z.record(z.string(), z.unknown())).min(1, 'a rule needs at least one action'),
});

export const ruleFileSchema = z.strictObject({
  rules: z.array(z.unknown()).default([]),
});

export type RuleInput = z.output<typeof ruleSchema>;
