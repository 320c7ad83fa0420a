/**
 * From what the rule engine wrote to what the outbox keeps. The engine's `alert` action
 * (and an expectation's `alert` on expiry) enqueues an `alert` job, one pending per
 * (rule, device, context): a storm merges into one job with a request count. The notifier
 * claims those jobs and turns each into an alert row here. Pure.
 */
import type { Job } from '../store/job-queue.js';
import type { NewAlert } from '../store/alerts.js';
import { cleanAnnotations, cleanLabels, cleanText, fingerprint, MAX_LABEL_VALUE } from './labels.js';

const SEVERITIES = new Set(['info', 'warning', 'critical']);

/** An alert raised directly by a worker (a job out of attempts, say). */
export interface RaiseRequest {
  alertname: string;
  severity: 'info' | 'warning' | 'critical';
  summary: string;
  /** What to do about it (the `fix` annotation): CLI lines or an acesync command. */
  fix?: string;
  device?: string;
  context?: string;
  labels?: Record<string, string>;
  eventKind?: string;
}

export function newAlert(
  r: RaiseRequest & { eventId?: number; jobId?: number; count?: number; rule?: string },
  at: number,
): NewAlert {
  const severity = SEVERITIES.has(r.severity) ? r.severity : 'warning';
  const labels = cleanLabels({
    ...r.labels,
    alertname: r.alertname,
    severity,
    device: r.device || undefined,
    context: r.context || undefined,
  });
  const annotations = cleanAnnotations({ summary: r.summary, fix: r.fix || undefined, rule: r.rule });
  return {
    fingerprint: fingerprint(labels),
    alertname: labels.alertname ?? 'acesync',
    severity,
    device: labels.device ?? '',
    context: labels.context ?? '',
    eventKind: r.eventKind ? cleanText(r.eventKind, 32) : undefined,
    labels,
    annotations,
    eventId: r.eventId,
    jobId: r.jobId,
    count: r.count,
    at,
  };
}

/** An `alert` job (see rules/engine.ts and rules/throttles.ts for the payload) as an alert. */
export function alertFromJob(job: Job): NewAlert {
  const p = job.payload;
  const rule = typeof p.rule === 'string' ? p.rule : job.dedupe || 'acesync';
  const raw = p.labels && typeof p.labels === 'object' ? (p.labels as Record<string, unknown>) : {};
  const labels: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw))
    if (v !== undefined && v !== null) labels[k] = cleanText(v, MAX_LABEL_VALUE);
  // The job's target wins over templated labels: it is what resolution looks at.
  const at = typeof p.at === 'number' && Number.isFinite(p.at) ? p.at : job.updatedAt;
  return newAlert(
    {
      alertname: labels.alertname || rule,
      severity: (typeof p.severity === 'string' ? p.severity : labels.severity) as RaiseRequest['severity'],
      summary: typeof p.summary === 'string' ? p.summary : rule,
      ...(typeof p.fix === 'string' && p.fix !== '' ? { fix: p.fix } : {}),
      device: job.device || labels.device,
      context: job.context || labels.context,
      labels,
      eventKind: typeof p.eventKind === 'string' ? p.eventKind : undefined,
      eventId: typeof p.eventId === 'number' ? p.eventId : undefined,
      jobId: job.id,
      count: job.requests,
      rule,
    },
    at,
  );
}
