/**
 * The body of a `type: alertmanager` receiver: what Alertmanager's `POST /api/v2/alerts`
 * accepts (models.PostableAlerts, an array), not the webhook v4 payload Alertmanager itself
 * sends. A firing alert carries no `endsAt`: Alertmanager then ends it `resolve_timeout`
 * after the last post, which is why the notifier re-sends firing alerts every
 * `resend_interval_ms`. A resolved alert carries its `endsAt` and Alertmanager resolves it at
 * once. Pure. https://github.com/prometheus/alertmanager/blob/main/api/v2/openapi.yaml
 */
import type { AmAlert, AmPayload } from './payload.js';

export const ALERTMANAGER_PATH = '/api/v2/alerts';

export interface PostableAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt?: string;
  generatorURL: string;
}

/** The URL to post to: the configured base URL with `/api/v2/alerts` (unless it already ends so). */
export function alertmanagerUrl(base: string): string {
  const u = new URL(base);
  const path = u.pathname.replace(/\/+$/, '');
  if (!path.endsWith(ALERTMANAGER_PATH)) u.pathname = path + ALERTMANAGER_PATH;
  return u.toString();
}

/**
 * One alert: Alertmanager's usual annotations (summary, description, runbook_url) filled in; the
 * rule's `fix` stays an annotation of its own and is repeated in the description (what most
 * Alertmanager templates show).
 */
export function toPostable(a: AmAlert, runbookUrl?: string): PostableAlert {
  const annotations: Record<string, string> = { ...a.annotations };
  const summary = annotations.summary ?? a.labels.alertname ?? 'acesync alert';
  annotations.summary = summary;
  if (annotations.description === undefined) {
    const target = [a.labels.context, a.labels.device].filter(Boolean).join(' on ');
    const fix = annotations.fix ? ` Fix: ${annotations.fix}${/[.!?]$/.test(annotations.fix) ? '' : '.'}` : '';
    annotations.description = `${summary.replace(/\.$/, '')}${target ? ` (${target})` : ''}.${fix} Details and history: ${a.generatorURL}`;
  }
  if (annotations.runbook_url === undefined && runbookUrl !== undefined)
    annotations.runbook_url = runbookUrl.split('{alertname}').join(encodeURIComponent(a.labels.alertname ?? ''));
  const out: PostableAlert = { labels: a.labels, annotations, startsAt: a.startsAt, generatorURL: a.generatorURL };
  if (a.status === 'resolved') out.endsAt = a.endsAt;
  return out;
}

export function alertmanagerBody(p: AmPayload, runbookUrl?: string): string {
  return JSON.stringify(p.alerts.map((a) => toPostable(a, runbookUrl)));
}
