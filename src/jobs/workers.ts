/**
 * What each job type does. Handlers are thin: the poller (SSH) and the upload strategy
 * (ANM) do the work; a handler turns their outcome into result events for the rule
 * engine and decides whether the job succeeded.
 *
 * ANM's copy: acesync cannot read ANM's copy of a context (ANM's API has no such call),
 * so it records what it saw itself: after a successful upload it reads the context's
 * running-config once more and records that hash as ANM's copy; an audit asked for
 * because ANM's own account deployed a change does the same.
 */
import type { AceEvent, AuditResultData, UploadResultData } from '../core/events.js';
import type { Clock } from '../core/clock.js';
import type { Inventory } from '../inventory/inventory.js';
import type { Poller } from '../devices/poller.js';
import type { Store } from '../store/store.js';
import { classifyAnmFailure, failedResult, type StrategyName, type UploadStrategy } from '../anm/strategy.js';
import type { Job } from '../store/job-queue.js';
import { newUserContexts } from '../store/queries/procedure.js';
import { ADMIN_CONTEXT } from '../inventory/inventory.js';
import type { FirstAuditMode } from '../config/sections/engine.js';
import type { BatchHandler, JobHandler, JobOutcome } from './runner.js';

export interface WorkerDeps {
  poller: Poller;
  store: Store;
  inventory: Inventory;
  clock: Clock;
  strategy: UploadStrategy;
  strategyName: StrategyName;
  /** `engine.first_audit`, resolved (default `upload`). */
  firstAudit?: FirstAuditMode;
  /** The manual strategy, for first uploads that `first_audit: ask` leaves to a person. */
  manual?: UploadStrategy;
}

function auditData(e: AceEvent): AuditResultData {
  return e.data as unknown as AuditResultData;
}

/** Record what the device holds now as ANM's copy, and report those audits as in-sync. */
function adoptAsAnmCopy(store: Store, events: AceEvent[]): number {
  let n = 0;
  for (const e of events) {
    if (e.kind !== 'audit-result' || !e.device || !e.context) continue;
    const d = auditData(e);
    if (d.outcome === 'error' || !d.hash) continue;
    store.recordAnmCopy(e.device, e.context, d.hash, d.config);
    d.outcome = 'in-sync';
    d.anmHash = d.hash;
    n++;
  }
  return n;
}

/**
 * `engine.first_audit` for audits that found no ANM baseline: `adopt` records the audited
 * configuration as ANM's copy (the rule `audit-adopts-baseline` then marks the context
 * in-sync and says so); `ask` tags the result, so its upload goes to a person, who may
 * adopt instead. Never touches a context whose ANM copy is known.
 */
function applyFirstAudit(store: Store, events: AceEvent[], mode: FirstAuditMode): void {
  if (mode === 'upload') return;
  for (const e of events) {
    if (e.kind !== 'audit-result' || !e.device || !e.context) continue;
    const d = auditData(e);
    if (d.outcome !== 'no-baseline' || !d.hash) continue;
    if (mode === 'ask') {
      d.baseline = 'ask';
      continue;
    }
    store.recordAnmCopy(e.device, e.context, d.hash, d.config);
    d.outcome = 'in-sync';
    d.anmHash = d.hash;
    d.baseline = 'first_audit';
  }
}

function firstError(events: AceEvent[]): string | undefined {
  return events.find((e) => e.kind === 'audit-result' && auditData(e).outcome === 'error')?.error;
}

/**
 * The poller reports `ha-state` when a role differs from the last one it knows. Tell it
 * the roles acesync already knows (727012 by syslog/trap, earlier audits, the last run):
 * a failover already reported is then not reported again by the first audit after it
 * (which re-marked the group suspect and held confirmation back one more settle
 * window), and one that happened while acesync was down is reported at the first look.
 */
function seedRoles(deps: WorkerDeps, device: string): void {
  for (const r of deps.store.roles()) if (r.device === device) deps.poller.seedFtState(r.device, r.group, r.role);
}

/** A job's outcome from its audit events (`anm_deployment` and `first_audit` applied). */
function auditOutcome(deps: WorkerDeps, job: Job, events: AceEvent[]): JobOutcome {
  if (job.payload.anm_deployment === true) adoptAsAnmCopy(deps.store, events);
  applyFirstAudit(deps.store, events, deps.firstAudit ?? 'upload');
  const results = events.filter((e) => e.kind === 'audit-result');
  const failed = results.filter((e) => auditData(e).outcome === 'error').length;
  const summary = { contexts: results.length, failed };
  // Nothing could be audited (device unreachable, login refused): retry with backoff.
  if (results.length > 0 && failed === results.length)
    return { events, result: summary, retry: { error: firstError(events) ?? 'audit failed', retryable: true } };
  return { events, result: summary };
}

export function auditHandler(deps: WorkerDeps): JobHandler {
  return async (job, signal): Promise<JobOutcome> => {
    const contexts = job.context ? [job.context] : undefined;
    seedRoles(deps, job.device);
    const events = await deps.poller.auditDevice(job.device, { contexts, signal, jobId: job.id });
    return auditOutcome(deps, job, events);
  };
}

/** Per-context events of a batch go to the context's job; device-level ones (Admin, FT) to the first job. */
const PER_CONTEXT_KINDS = new Set(['audit-result', 'logging-drift']);

/**
 * Per-context audit jobs of one device (the runner's batch, distinct contexts) in one
 * audit pass: `show context` and the FT groups are read once, then each context's
 * running-config. Each job gets its own context's results (with its own `jobId`) and is
 * retried or completed on its own; the first job also carries the device-level events,
 * so they are reported before any of the batch's audit results. A job cancelled while
 * the batch runs is skipped; one whose context the abort (deadline) cut off is retried.
 */
export function auditBatchHandler(deps: WorkerDeps): BatchHandler {
  return async (jobs, signal, wanted): Promise<JobOutcome[]> => {
    const device = jobs[0]!.device;
    const byContext = new Map(jobs.map((j) => [j.context, j]));
    seedRoles(deps, device);
    const events = await deps.poller.auditDevice(device, {
      contexts: jobs.map((j) => j.context),
      signal,
      jobIds: new Map(jobs.map((j) => [j.context, j.id])),
      wanted: (ctx) => {
        const job = byContext.get(ctx);
        return job !== undefined && wanted(job);
      },
    });
    const own = new Map<number, AceEvent[]>(jobs.map((j) => [j.id, []]));
    for (const e of events) {
      const job = PER_CONTEXT_KINDS.has(e.kind) && e.context ? byContext.get(e.context) : undefined;
      own.get((job ?? jobs[0]!).id)!.push(e);
    }
    return jobs.map((job) => {
      const mine = own.get(job.id)!;
      if (!wanted(job)) return { events: mine, result: { skipped: 'no longer running (cancelled)' } };
      // Aborted (deadline) before this context was read: due again, like an interrupted job.
      const reached = mine.some((e) => e.kind === 'audit-result' && e.context === job.context);
      if (!reached && signal.aborted)
        return { events: mine, retry: { error: 'the batch was aborted before this context', retryable: true } };
      return auditOutcome(deps, job, mine);
    });
  };
}

export function cryptoHandler(deps: WorkerDeps): JobHandler {
  return async (job, signal): Promise<JobOutcome> => {
    const peer = deps.inventory.peerOf(job.device);
    if (!peer) return { events: [], result: { skipped: 'no peer configured' } };
    const contexts = job.context ? [job.context] : undefined;
    const events = await deps.poller.checkCrypto(job.device, peer, contexts, { signal });
    const errors = events.filter((e) => e.error !== undefined);
    if (events.length > 0 && errors.length === events.length)
      return { events, retry: { error: errors[0]!.error ?? 'crypto check failed', retryable: true } };
    return { events, result: { checked: events.length / 2, errors: errors.length } };
  };
}

function uploadEvent(job: Job, data: UploadResultData, at: number): AceEvent {
  return {
    kind: 'upload-result',
    transport: 'action',
    receivedAt: at,
    device: job.device,
    context: job.context,
    data: { ...data, jobId: job.id, attempts: job.attempts },
  };
}

/**
 * The configuration hash the audit that asked for this upload saw, when an audit asked
 * (a merged job keeps the latest request's `eventId`, i.e. the newest audit).
 */
function requestingAudit(store: Store, job: Job): AuditResultData | undefined {
  const id = job.payload.eventId;
  if (typeof id !== 'number') return undefined;
  const e = store.event(id);
  if (e?.kind !== 'audit-result' || e.device !== job.device || e.context !== job.context) return undefined;
  return auditData(e);
}

function requestedHash(store: Store, job: Job): string | undefined {
  const hash = requestingAudit(store, job)?.hash;
  return typeof hash === 'string' ? hash : undefined;
}

export function uploadHandler(deps: WorkerDeps): JobHandler {
  return async (job, signal): Promise<JobOutcome> => {
    const dev = deps.inventory.devices.get(job.device);
    if (!dev || !job.context)
      return { events: [], retry: { error: `no such context ${job.device}/${job.context}`, retryable: false } };
    // An audit that ran while an earlier upload of this context was in flight saw the old
    // ANM copy and asked again (the queue makes a new job when one is running). If ANM now
    // holds exactly what that audit saw, uploading again would be a duplicate: confirm
    // with an audit instead (a newer change shows up there as `differs` and is uploaded).
    const wanted = requestedHash(deps.store, job);
    if (wanted !== undefined && deps.store.anmCopy(job.device, job.context)?.hash === wanted) {
      const audit = await deps.poller.auditDevice(job.device, { contexts: [job.context], signal });
      return {
        events: audit,
        result: { outcome: 'skipped', reason: 'ANM already holds the configuration the requesting audit saw' },
      };
    }
    const role = deps.store
      .roles()
      .find((r) => r.device === job.device && r.group === deps.store.context(job.device, job.context)?.ftGroup)?.role;
    // first_audit: ask: a context ANM has no baseline of is never uploaded automatically;
    // a person chooses (the manual procedure names `acesync baseline adopt` as the other way).
    const askFirst = deps.manual !== undefined && requestingAudit(deps.store, job)?.baseline === 'ask';
    const strategy = askFirst ? deps.manual! : deps.strategy;
    let result;
    try {
      result = await strategy.upload(
        {
          device: job.device,
          context: job.context,
          address: dev.host,
          peer: dev.peer,
          jobId: job.id,
          role,
          // Step 4 of the procedure: the user contexts an Admin upload makes ANM import.
          ...(job.context === ADMIN_CONTEXT
            ? { newContexts: newUserContexts(deps.store, job.device, deps.clock.now()) }
            : {}),
          reason: Array.isArray(job.payload.reasons) ? String(job.payload.reasons.at(-1) ?? '') : undefined,
        },
        { signal },
      );
    } catch (err) {
      const c = classifyAnmFailure(err);
      return { events: [], retry: { error: c.message, retryable: c.retryable } };
    }
    const now = deps.clock.now();
    if (result.outcome === 'waiting-operator') {
      const data: UploadResultData = { outcome: 'waiting-operator', strategy: result.strategy };
      if (result.steps !== undefined) data.steps = result.steps;
      // The steps stay in the event; the pair's procedure page shows them as a list.
      return { events: [uploadEvent(job, data, now)], result: { outcome: result.outcome, strategy: result.strategy } };
    }
    // ANM fetched the context's configuration: read it ourselves and record it as ANM's
    // copy. The rules then ask for an audit, which confirms in-sync against this copy.
    // If the device no longer holds what the requesting audit saw, it changed around the
    // upload and ANM may hold either version: record nothing, so the confirming audit
    // finds the difference and the context is uploaded again (never a false in-sync).
    const audit = await deps.poller.auditDevice(job.device, { contexts: [job.context], signal });
    const seen = audit.find((e) => e.kind === 'audit-result' && auditData(e).outcome !== 'error');
    const changedMeanwhile = wanted !== undefined && seen !== undefined && auditData(seen).hash !== wanted;
    const adopted = changedMeanwhile ? 0 : adoptAsAnmCopy(deps.store, audit);
    return {
      events: [uploadEvent(job, { outcome: 'ok', strategy: result.strategy }, deps.clock.now())],
      result: {
        outcome: 'ok',
        durationMs: result.durationMs,
        detail: result.detail,
        anmCopyRecorded: adopted > 0,
        ...(changedMeanwhile ? { deviceChangedDuringUpload: true } : {}),
      },
    };
  };
}

/** Events reported when a job gave up: the rules mark the context and alert. */
export function gaveUpEvents(deps: Pick<WorkerDeps, 'clock' | 'strategyName'>) {
  return (job: Job, error: string): AceEvent[] => {
    if (job.type !== 'upload') return [];
    const data = failedResult(new Error(error), deps.strategyName, { jobId: job.id, attempts: job.attempts });
    return [uploadEvent(job, { outcome: 'failed', strategy: data.strategy, error: data.error }, deps.clock.now())];
  };
}
