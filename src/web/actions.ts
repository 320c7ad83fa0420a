/**
 * What an operator can ask for, shared by the API and the page forms. Each request is
 * recorded as an `operator` event with decision rows, so a context's explanation chain
 * shows who asked for which job, like any rule's action.
 *
 * - resync a context: an audit and an upload job, at rule priority (the HA procedure's
 *   steps 1-2 for that context, on demand).
 * - audit a device: one device-level audit job (every context, with discovery).
 * - acknowledge a manual upload: the operator did the upload in ANM's GUI (the upload job
 *   finished as `waiting-operator`). ANM's copy is recorded as the configuration last
 *   audited on the device, and an `upload-result` event (outcome ok, strategy manual,
 *   acknowledged, the waiting job's id) goes
 *   through the processor, so the default rule `upload-ok-reaudits` continues the loop
 *   exactly as after an automatic upload: the context is `syncing` and re-audited, and the
 *   audit confirms it in sync.
 */
import type { Clock } from '../core/clock.js';
import { AcesyncError } from '../core/errors.js';
import type { AceEvent, JobType } from '../core/events.js';
import { PRIORITY, type Job, type JobQueue } from '../store/job-queue.js';
import type { Processor } from '../engine/processor.js';
import type { Store } from '../store/store.js';

export interface ActionDeps {
  store: Store;
  queue: JobQueue;
  processor?: Processor;
  clock: Clock;
}

export interface ActionResult {
  /** The operator event recorded for the request. */
  eventId?: number;
  jobs: Array<{ id: number; type: JobType; device: string; context: string; merged: boolean }>;
  message: string;
}

const MAX_NOTE = 200;

function knownContext(d: ActionDeps, device: string, context: string): void {
  if (!d.store.context(device, context))
    throw new AcesyncError(
      'ACESYNC_NOT_FOUND',
      `no context '${context.slice(0, 80)}' on device '${device.slice(0, 80)}'`,
    );
}

function operatorEvent(
  device: string,
  context: string | undefined,
  text: string,
  now: number,
  data: Record<string, unknown>,
): AceEvent {
  return { kind: 'operator', transport: 'internal', device, context, receivedAt: now, user: 'operator', text, data };
}

function enqueue(
  d: ActionDeps,
  eventId: number,
  type: Exclude<JobType, 'alert'>,
  device: string,
  context: string,
  reason: string,
  now: number,
): ActionResult['jobs'][number] {
  const { job, created } = d.queue.enqueue({
    type,
    device,
    context,
    priority: PRIORITY.rule,
    payload: { reasons: [reason], operator: true, eventId },
  });
  d.store.writes.record({
    at: now,
    eventId,
    rule: 'operator',
    kind: 'action',
    action: type,
    device,
    context: context || undefined,
    due: job.nextRunAt,
    reason,
    detail: created ? { job: job.id } : { job: job.id, merged: true, requests: job.requests },
  });
  return { id: job.id, type, device, context, merged: !created };
}

/** Audit and upload one context now. */
export function resyncContext(d: ActionDeps, device: string, context: string, note?: string): ActionResult {
  knownContext(d, device, context);
  const now = d.clock.now();
  const reason = `resync requested by an operator${note ? `: ${note.slice(0, MAX_NOTE)}` : ''}`;
  return d.store.transaction(() => {
    const eventId = d.store.insertEvent(operatorEvent(device, context, reason, now, { action: 'resync' }), now);
    const jobs = [
      enqueue(d, eventId, 'audit', device, context, reason, now),
      enqueue(d, eventId, 'upload', device, context, reason, now),
    ];
    return {
      eventId,
      jobs,
      message: `queued audit job ${jobs[0]!.id} and upload job ${jobs[1]!.id} for ${context} on ${device}`,
    };
  });
}

/** Audit every context of a device now. */
export function auditDevice(d: ActionDeps, device: string, note?: string): ActionResult {
  if (!d.store.view.hasDevice(device))
    throw new AcesyncError('ACESYNC_NOT_FOUND', `no device '${device.slice(0, 80)}'`);
  const now = d.clock.now();
  const reason = `audit requested by an operator${note ? `: ${note.slice(0, MAX_NOTE)}` : ''}`;
  return d.store.transaction(() => {
    const eventId = d.store.insertEvent(operatorEvent(device, undefined, reason, now, { action: 'audit' }), now);
    const jobs = [enqueue(d, eventId, 'audit', device, '', reason, now)];
    return { eventId, jobs, message: `queued audit job ${jobs[0]!.id} for every context of ${device}` };
  });
}

/** The newest upload job of a context that waits for an operator, unless a later upload finished since. */
export function waitingUpload(d: ActionDeps, device: string, context: string): Job | undefined {
  for (const j of d.queue.list({ type: 'upload', device, context, limit: 20 })) {
    if ((j.result as { outcome?: unknown } | undefined)?.outcome === 'waiting-operator') return j;
    if (j.state === 'done') return undefined;
  }
  return undefined;
}

/** The operator uploaded the context in ANM by hand: continue the loop. */
export function acknowledgeUpload(d: ActionDeps, device: string, context: string, note?: string): ActionResult {
  knownContext(d, device, context);
  if (!d.processor)
    throw new AcesyncError(
      'ACESYNC_UNAVAILABLE',
      'acknowledging an upload needs the rule processor, which is not running',
    );
  const ctx = d.store.context(device, context)!;
  const job = waitingUpload(d, device, context);
  // The upload-result fact of the manual strategy says so; the acknowledgement's own
  // upload-result (ok) clears it, so one wait is acknowledged once.
  if (ctx.lastUploadOutcome !== 'waiting-operator')
    throw new AcesyncError(
      'ACESYNC_CONFLICT',
      `no upload of ${context} on ${device} is waiting for an operator (last upload: ${ctx.lastUploadOutcome ?? 'none'})`,
    );
  const now = d.clock.now();
  // ANM now holds what the device ran at its last audit; the re-audit checks it.
  if (ctx.lastAuditHash)
    d.store.recordAnmCopy(
      device,
      context,
      ctx.lastAuditHash,
      d.store.versions.get(device, context, ctx.lastAuditHash)?.text,
    );
  const text = `upload acknowledged by an operator${note ? `: ${note.slice(0, MAX_NOTE)}` : ''}`;
  const records = d.processor.handle([
    {
      kind: 'upload-result',
      transport: 'action',
      device,
      context,
      receivedAt: now,
      user: 'operator',
      text,
      data: { outcome: 'ok', strategy: 'manual', acknowledged: true, jobId: job?.id },
    },
  ]);
  const jobs: ActionResult['jobs'] = [];
  for (const r of records) {
    const id = typeof r.detail?.job === 'number' ? r.detail.job : undefined;
    if (r.kind !== 'action' || id === undefined) continue;
    const j = d.queue.get(id);
    if (j && j.type !== 'alert')
      jobs.push({ id, type: j.type, device: j.device, context: j.context, merged: r.detail?.merged === true });
  }
  const eventId = records.find((r) => r.eventId !== undefined)?.eventId;
  return {
    eventId,
    jobs,
    message: jobs.length
      ? `acknowledged; queued ${jobs.map((j) => `${j.type} job ${j.id}`).join(', ')}`
      : 'acknowledged; no rule queued a job (check the rules for upload-result)',
  };
}
