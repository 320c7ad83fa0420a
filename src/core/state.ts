/**
 * The state vocabulary shared by the store (which keeps it), the engine (which reads it
 * through a StateView and decides) and the readers above them: a context's sync state
 * with its chain of reasons, and the timers (settle windows, expectations) kept as rows.
 * Types only, depending on nothing but the event model.
 */
import type { EventKind, JobType, SyncState } from './events.js';

/** The serialisable description of what satisfies an expectation. */
export interface ExpectMatch {
  kinds: EventKind[];
  /** Raw condition spec (validated at load), compiled again when the timer is read. */
  when?: unknown;
}

/** One entry of the chain of reasons kept per context. */
export interface Reason {
  at: number;
  eventId?: number;
  rule?: string;
  from: SyncState | null;
  to: SyncState;
  text: string;
}

export interface ContextState {
  device: string;
  context: string;
  sync: SyncState;
  since: number;
  configured: boolean;
  ftGroup?: number;
  reasons: Reason[];
  lastAuditAt?: number;
  lastAuditOutcome?: string;
  lastAuditHash?: string;
  lastUploadAt?: number;
  lastUploadOutcome?: string;
  anmHash?: string;
}

export interface TimerRow {
  id: number;
  kind: 'settle' | 'expect';
  key: string;
  due: number;
  firstAt: number;
  rule: string;
  ruleHash: string;
  device: string;
  context: string;
  payload: SettlePayload | ExpectPayload;
  createdAt: number;
}

export interface SettlePayload {
  job: Exclude<JobType, 'alert'>;
  priority: number;
  maxWaitMs: number;
  jobPayload: Record<string, unknown>;
  reasons: string[];
}

export interface ExpectPayload {
  match: ExpectMatch;
  reason: string;
  onExpiry: {
    alert?: { severity: string; summary: string; fix?: string; labels: Record<string, string> };
    mark?: SyncState;
  };
  eventId?: number;
}

/**
 * The state the engine reads. Implemented by the store's in-memory mirror of the
 * database; evaluation never writes through it.
 */
export interface StateView {
  context(device: string, context: string): ContextState | undefined;
  /** Known, not removed, not unconfirmed contexts of a device (configured and learnt). */
  contextsOf(device: string): string[];
  /** Rows held for a device, removed ones included (what the per-device context cap counts). */
  contextCount?(device: string): number;
  peerOf(device: string): string | undefined;
  ftGroupOf(device: string, context: string): number | undefined;
  /** Contexts of FT group `group` on `device`; undefined when the membership is not known. */
  groupContexts(device: string, group: number): string[] | undefined;
  role(device: string, group: number): string | undefined;
  lookupSource(addr: string): { device: string; context?: string } | undefined;
  hasDevice(device: string): boolean;
  throttleUntil(rule: string, key: string): number | undefined;
  timer(key: string): TimerRow | undefined;
  /** Open expectations for a target. */
  expectations(device: string, context: string): TimerRow[];
  /** A job of this type is pending or running for the target (optionally ignoring one job id). */
  jobActive(job: JobType, device: string, context: string, exceptId?: number): boolean;
}
