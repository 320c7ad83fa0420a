/**
 * Types shared by the rule loader, the pure engine and the code that applies its output.
 * The state vocabulary the store keeps (contexts, reasons, timers, the state view) lives
 * in core/state.ts, below the store; it is re-exported here for the engine's callers.
 */
import type { EventKind, JobType, SyncState } from '../core/events.js';
import type { ExpectMatch, ExpectPayload } from '../core/state.js';
import type { CompiledCondition } from './conditions.js';
import type { Template } from './template.js';

export type {
  ContextState,
  ExpectMatch,
  ExpectPayload,
  Reason,
  SettlePayload,
  StateView,
  TimerRow,
} from '../core/state.js';

/** Where an action applies, relative to the event. */
export const SCOPES = [
  /** The event's (device, context). */
  'context',
  /** The same context on the device and on its peer. */
  'both-peers',
  /** The same context on the peer only. */
  'peer',
  /** The context the message came from (`originContext`), e.g. Admin for `context X`. */
  'origin',
  /** Every context of the FT group (event's `ftGroup`, else the context's), on both peers. */
  'ft-group',
  /** Every context of the event's device. */
  'device',
  /** Every context of both devices of the pair. */
  'pair',
  /** `ingest-loss`: every context attributed to `data.sources` (and every context of `data.devices`). */
  'sources',
] as const;
export type Scope = (typeof SCOPES)[number];

export interface Target {
  device: string;
  /** '' for device-level targets (a device with no context named). */
  context: string;
}

export type JobAction = {
  type: 'job';
  job: Exclude<JobType, 'alert'>;
  scope: Scope;
  /** Trailing settle window (0: enqueue at once). */
  settleMs: number;
  maxWaitMs: number;
  priority: number;
  /** Extra values for the worker; strings are templates. */
  payload: Record<string, Template | number | boolean>;
};

export interface AlertSpec {
  severity: 'info' | 'warning' | 'critical';
  summary: Template;
  fix?: Template;
  labels: Record<string, Template>;
}

export type CompiledAction =
  | { type: 'mark'; state: SyncState; scope: Scope; reason: Template; only_from?: SyncState[] }
  | JobAction
  | ({ type: 'alert'; priority: number } & AlertSpec)
  | { type: 'poll'; mode: 'fast' | 'normal'; forMs: number; scope: Scope; reason: Template }
  | {
      type: 'expect';
      scope: Scope;
      withinMs: number;
      /** What satisfies the expectation (stored with the timer, so it survives restarts). */
      match: ExpectMatch;
      reason: Template;
      onExpiry: { alert?: AlertSpec; mark?: SyncState };
    }
  | { type: 'suppress' };

export interface CompiledRule {
  name: string;
  description?: string;
  file: string;
  line?: number;
  /** Evaluation order: lower first, then file name, then position in the file. */
  priority: number;
  order: number;
  /** Fingerprint of the rule's definition: timers of an unchanged rule survive a reload. */
  hash: string;
  kinds?: Set<EventKind>;
  when?: CompiledCondition;
  /** The rule's `reason` (why its actions were asked for), when it has one. */
  reason?: Template;
  throttle?: { onceWithinMs: number; groupBy: string[] };
  actions: CompiledAction[];
}

export interface Ruleset {
  rules: CompiledRule[];
  /** Folder or files the set was loaded from. */
  source: string;
  variables: Record<string, unknown>;
  anmUsers: Set<string>;
  loadedAt: number;
}

/** What the engine decided for one event (or one fired timer). Applied in one transaction. */
export type Effect =
  | {
      kind: 'mark';
      rule: string;
      device: string;
      context: string;
      to: SyncState;
      reason: string;
      onlyFrom?: SyncState[];
    }
  | {
      kind: 'job';
      rule: string;
      job: JobType;
      device: string;
      context: string;
      payload: Record<string, unknown>;
      priority: number;
      dedupe: string;
      reason: string;
    }
  | {
      kind: 'settle';
      rule: string;
      ruleHash: string;
      job: Exclude<JobType, 'alert'>;
      device: string;
      context: string;
      settleMs: number;
      maxWaitMs: number;
      priority: number;
      payload: Record<string, unknown>;
      reason: string;
    }
  | {
      kind: 'expect';
      rule: string;
      ruleHash: string;
      device: string;
      context: string;
      due: number;
      payload: ExpectPayload;
    }
  | { kind: 'expect-met'; rule: string; key: string; device: string; context: string; reason: string }
  | { kind: 'timer-done'; key: string }
  | { kind: 'throttle'; rule: string; key: string; until: number }
  | { kind: 'cadence'; rule: string; device: string; mode: 'fast' | 'normal'; until: number; reason: string };

/** Facts an event establishes by itself, before any rule runs. */
export type Fact =
  | { kind: 'role'; device: string; group: number; role: string }
  | { kind: 'group-contexts'; device: string; group: number; contexts: string[] }
  | { kind: 'context-seen'; device: string; context: string; group?: number }
  | { kind: 'audit'; device: string; context: string; outcome: string; hash?: string; config?: string }
  | { kind: 'upload'; device: string; context: string; outcome: string };

/** How one condition node evaluated (explanations). */
export interface ConditionTrace {
  /** Text of the node, e.g. `command matches /^logging/`. */
  test: string;
  ok: boolean;
  /** The value seen (bounded), for leaves. */
  seen?: unknown;
  children?: ConditionTrace[];
}

/** A rule whose trigger and conditions matched, and what came of it. */
export interface RuleOutcome {
  rule: string;
  status: 'fired' | 'throttled';
  conditions?: ConditionTrace;
  /** For throttled: until when, and the group key. */
  throttledUntil?: number;
  throttleKey?: string;
  /** Targets each action resolved to, and notes (e.g. `no context: mark skipped`). */
  notes: string[];
  suppressedRest: boolean;
}

export interface Evaluation {
  at: number;
  facts: Fact[];
  outcomes: RuleOutcome[];
  effects: Effect[];
}
