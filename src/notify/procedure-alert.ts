/**
 * The manual procedure as ONE alert per HA pair and run. The rule `upload-waiting-operator`
 * raises `manual-procedure` for each context whose upload waits for a person; the intake
 * turns each into the pair's alert (labels alertname, severity, pair), whose annotations
 * are rebuilt from the whole run every time a context joins: `summary`, `description` (the
 * numbered steps, whole), `runbook_url`, and `revision` (which contexts the run holds: a
 * new one makes the alert news again, so the receiver gets the complete list).
 *
 * A run begins when the pair has no firing procedure alert: its start (the finish of the
 * first waiting upload) is kept in the notifier's state table, so later joins and the
 * resolution look at the same run. It resolves when no context of the run waits any more.
 */
import { createHash } from 'node:crypto';
import { buildProcedure, pairKeyOf, procedureText, type ProcedureSettings } from '../anm/procedure.js';
import type { AlertStore, NewAlert } from '../store/alerts.js';
import type { Job } from '../store/job-queue.js';
import { pairOf, procedureRun, type RunFacts } from '../store/queries/procedure.js';
import type { Store } from '../store/store.js';
import { cleanAnnotations, cleanLabels, fingerprint } from './labels.js';

export type { ProcedureSettings };

const DEFAULT_SETTINGS: ProcedureSettings = { syncLabel: 'CLI > ANM Sync' };
const SUMMARY_NAMES = 20;

const runKey = (pairKey: string): string => `procedure-run:${pairKey}`;

export function procedureLabels(pairKey: string, severity: string): Record<string, string> {
  return cleanLabels({ alertname: 'manual-procedure', severity, pair: pairKey });
}

/** When the pair's open run began (undefined when no procedure alert of the pair is firing). */
export function runSince(alerts: AlertStore, pairKey: string, severity = 'warning'): number | undefined {
  const open = alerts.byFingerprint(fingerprint(procedureLabels(pairKey, severity)));
  if (open?.status !== 'firing') return undefined;
  const v = Number(alerts.state(runKey(pairKey)));
  return Number.isFinite(v) ? v : open.startsAt;
}

/** The facts of the pair's open run, if one is open. */
export function openRun(
  store: Store,
  alerts: AlertStore,
  pairKey: string,
  now: number,
  details = true,
): RunFacts | undefined {
  const since = runSince(alerts, pairKey);
  return since === undefined ? undefined : procedureRun(store, pairKey.split('+'), since, now, details);
}

/** When the upload that asked for this alert finished (the run's start when it opens one). */
function triggerFinishedAt(store: Store, job: Job): number | undefined {
  const id = job.payload.eventId;
  const e = typeof id === 'number' ? store.event(id) : undefined;
  const jobId = (e?.data as { jobId?: unknown } | undefined)?.jobId;
  return typeof jobId === 'number' ? store.jobs.get(jobId)?.finishedAt : undefined;
}

/** The pair's procedure alert, rebuilt with the whole run (the one `raw` joins). */
export function procedureAlert(
  store: Store,
  alerts: AlertStore,
  raw: NewAlert,
  job: Job,
  now: number,
  settings: ProcedureSettings = DEFAULT_SETTINGS,
): NewAlert {
  const pair = pairOf(store, raw.device);
  const pairKey = pairKeyOf(pair);
  const labels = procedureLabels(pairKey, raw.severity);
  let since = runSince(alerts, pairKey, raw.severity);
  if (since === undefined) {
    since = Math.min(triggerFinishedAt(store, job) ?? raw.at, raw.at);
    alerts.setState(runKey(pairKey), String(since));
  }
  const facts = procedureRun(store, pair, since, now);
  const proc = buildProcedure({ pair, pairKey, ...facts, settings });
  const names = facts.contexts.map((c) => `${c.device}/${c.context}`);
  const summary =
    `${proc.title}: ${names.slice(0, SUMMARY_NAMES).join(', ')}` +
    (names.length > SUMMARY_NAMES ? ` and ${names.length - SUMMARY_NAMES} more` : '') +
    '. Steps in the description and on the procedure page.';
  const revision = createHash('sha256').update(names.sort().join('\n')).digest('hex').slice(0, 12);
  return {
    ...raw,
    fingerprint: fingerprint(labels),
    alertname: 'manual-procedure',
    device: '',
    context: '',
    eventKind: 'manual-procedure',
    labels,
    annotations: cleanAnnotations({
      summary,
      description: procedureText(proc),
      fix:
        `In ANM's GUI, Config > Devices > DEVICE > CONTEXT, "${settings.syncLabel}" for each listed context (Admin ` +
        `first, the standby too), then: acesync procedure ack ${pairKey} (or the procedure page's button).`,
      ...(settings.runbookUrl !== undefined ? { runbook_url: settings.runbookUrl } : {}),
      revision,
      rule: raw.annotations.rule,
    }),
  };
}

/** Nothing of the pair's run waits any more (acknowledged, adopted, in sync or removed). */
export function procedureDone(store: Store, alerts: AlertStore, pairKey: string, now: number): boolean {
  const run = openRun(store, alerts, pairKey, now, false);
  return run === undefined || run.contexts.every((c) => !c.waiting);
}
