import { z } from 'zod';
import type { AnmConfig } from './anm.js';

/**
 * What the first audit of a context does when ANM's copy of it is not known yet
 * (`no-baseline`): `upload` it to ANM, `adopt` what the device runs as ANM's copy (ANM is
 * already in sync, as on a first install next to a working ANM), or `ask` (the upload is
 * the manual procedure, which offers adopting instead).
 */
export const FIRST_AUDIT_MODES = ['upload', 'adopt', 'ask'] as const;
export type FirstAuditMode = (typeof FIRST_AUDIT_MODES)[number];

/** A value a rule can reference as `$name` (strings, numbers, booleans or lists of them). */
const variableValue = z.union([
  z.string(),
  z.number(),
  z.boolean(),
  z.array(z.union([z.string(), z.number(), z.boolean()])),
]);

/** Rule engine, timers and the persistent job queue (issue "State store and rule engine"). */
export const engineSchema = z
  .strictObject({
    /**
     * Device accounts ANM itself logs in with. Commands they run are ANM's own deployments:
     * the default rules do not upload what ANM just deployed. Rules see it as `$anm_users`
     * and as `state.anm_user`.
     */
    anm_users: z.array(z.string().min(1).max(64)).default([]),
    /** Extra values rules can reference as `$name` (`anm_users` is always defined). */
    variables: z
      .record(z.string().regex(/^[a-z_][a-z0-9_]*$/, 'variable names are lower-case letters, digits, _'), variableValue)
      .default({}),
    /**
     * First audit with no ANM baseline: upload | adopt | ask. Default: `ask` with the manual
     * strategy (also when anm.enabled is false), `upload` with http and command; see
     * `firstAuditMode()`.
     */
    first_audit: z.enum(FIRST_AUDIT_MODES).optional(),
    /** Settle window used by `audit: {settle: default}` and friends. */
    default_settle_ms: z.number().int().min(0).max(3_600_000).default(5_000),
    /** A trailing settle window never postpones its job by more than this after the first request. */
    max_settle_ms: z.number().int().min(1000).max(86_400_000).default(120_000),
    /** How often due timers are looked for. */
    tick_interval_ms: z.number().int().min(10).max(60_000).default(250),
    /**
     * Context creations (`context X`, 504001, cmVirtContextAdded from Admin) accepted per
     * device in any minute; more are refused as `lifecycle-refused` (a flood of made-up names
     * must not fill the state). An ACE holds at most 251 contexts.
     */
    context_creations_per_minute: z.number().int().min(1).max(10_000).default(20),
    /** Reasons kept per context (the chain `acesync explain` prints). */
    reasons_kept: z.number().int().min(2).max(200).default(20),
    /** Reload the rules when a file in the rules folder changes (SIGHUP always reloads). */
    watch_rules: z.boolean().default(true),
    /** How often retention pruning and `PRAGMA optimize` run. */
    maintenance_interval_ms: z
      .number()
      .int()
      .min(1000)
      .default(60 * 60 * 1000),
    jobs: z
      .strictObject({
        /**
         * Run the jobs (audits over SSH, uploads to ANM). false: decide and queue them but
         * run none, a dry run for a first rollout (the page and `acesync explain` show what
         * would have been done).
         */
        workers: z.boolean().default(true),
        /** Attempts before a job is `failed` (and the worker raises an alert). */
        max_attempts: z.number().int().min(1).max(100).default(5),
        /** First retry delay; doubles per attempt up to `backoff_max_ms`, with jitter. */
        backoff_base_ms: z.number().int().min(10).default(5_000),
        backoff_max_ms: z
          .number()
          .int()
          .min(10)
          .default(10 * 60 * 1000),
        /** Fraction of the delay randomised (0: none, 0.2: ±20 %). */
        jitter_ratio: z.number().min(0).max(1).default(0.2),
      })
      .prefault({}),
  })
  .prefault({});

export type EngineConfig = z.output<typeof engineSchema>;

/**
 * The effective `first_audit`: as configured, else by the upload strategy in use (without
 * ANM configured the strategy is manual, as in jobs/actions.ts). Resolved here rather than
 * as a schema default because it depends on another section.
 */
export function firstAuditMode(
  engine: Pick<EngineConfig, 'first_audit'>,
  anm: Pick<AnmConfig, 'enabled' | 'strategy'>,
): FirstAuditMode {
  if (engine.first_audit !== undefined) return engine.first_audit;
  const strategy = anm.enabled ? anm.strategy.type : 'manual';
  return strategy === 'manual' ? 'ask' : 'upload';
}
