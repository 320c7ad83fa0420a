/**
 * The default webhook body: Prometheus Alertmanager's webhook payload, version 4, so an
 * existing Alertmanager receiver (or Alertmanager's own routing, via a relay) takes
 * acesync's alerts unchanged. Pure.
 * https://prometheus.io/docs/alerting/latest/configuration/#webhook_config
 */
import type { AlertRecord, AlertStatus } from '../store/alerts.js';
import { labelSetString, sortedLabels } from './labels.js';

/** Alertmanager's "zero time", used as `endsAt` of a firing alert. */
export const ZERO_TIME = '0001-01-01T00:00:00Z';

export interface AmAlert {
  status: AlertStatus;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  generatorURL: string;
  fingerprint: string;
}

export interface AmPayload {
  receiver: string;
  status: AlertStatus;
  alerts: AmAlert[];
  groupLabels: Record<string, string>;
  commonLabels: Record<string, string>;
  commonAnnotations: Record<string, string>;
  externalURL: string;
  version: '4';
  groupKey: string;
  truncatedAlerts: number;
}

export interface PayloadInput {
  receiver: string;
  groupLabels: Record<string, string>;
  /** Alerts of the group in the status to report (a resolved one is reported resolved). */
  alerts: AlertRecord[];
  externalURL: string;
  maxAlerts: number;
}

/** Alertmanager's group key: route path, then the group's label set. */
export function groupKey(groupLabels: Record<string, string>): string {
  return `{}:${labelSetString(groupLabels)}`;
}

const iso = (ms: number): string => new Date(ms).toISOString();

/** Where the alert can be looked at: the context's page, else the device's overview. */
export function generatorUrl(
  externalURL: string,
  a: Pick<AlertRecord, 'device' | 'context'> & { labels?: Record<string, string> },
): string {
  const base = externalURL.replace(/\/+$/, '');
  // A manual procedure is about a pair: its page lists the run and acknowledges it.
  if (a.labels?.pair) return `${base}/procedures/${encodeURIComponent(a.labels.pair)}`;
  if (a.device && a.context) return `${base}/contexts/${encodeURIComponent(a.device)}/${encodeURIComponent(a.context)}`;
  if (a.device) return `${base}/?device=${encodeURIComponent(a.device)}`;
  return `${base}/`;
}

function common(maps: Array<Record<string, string>>): Record<string, string> {
  if (maps.length === 0) return {};
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(maps[0]!)) if (maps.every((m) => m[k] === v)) out[k] = v;
  return sortedLabels(out);
}

export function toAmAlert(a: AlertRecord, externalURL: string): AmAlert {
  return {
    status: a.status,
    labels: sortedLabels(a.labels),
    annotations: sortedLabels(a.annotations),
    startsAt: iso(a.startsAt),
    endsAt: a.status === 'resolved' && a.endsAt !== undefined ? iso(a.endsAt) : ZERO_TIME,
    generatorURL: generatorUrl(externalURL, a),
    fingerprint: a.fingerprint,
  };
}

/** Firing before resolved, then oldest first: truncation drops the least urgent. */
export function orderAlerts<T extends Pick<AlertRecord, 'status' | 'startsAt' | 'fingerprint'>>(alerts: T[]): T[] {
  return [...alerts].sort(
    (x, y) =>
      (x.status === y.status ? 0 : x.status === 'firing' ? -1 : 1) ||
      x.startsAt - y.startsAt ||
      (x.fingerprint < y.fingerprint ? -1 : 1),
  );
}

export function buildPayload(inp: PayloadInput): AmPayload {
  const ordered = orderAlerts(inp.alerts);
  const kept = ordered.slice(0, Math.max(1, inp.maxAlerts));
  return {
    receiver: inp.receiver,
    status: ordered.some((a) => a.status === 'firing') ? 'firing' : 'resolved',
    alerts: kept.map((a) => toAmAlert(a, inp.externalURL)),
    groupLabels: sortedLabels(inp.groupLabels),
    commonLabels: common(ordered.map((a) => a.labels)),
    commonAnnotations: common(ordered.map((a) => a.annotations)),
    externalURL: inp.externalURL,
    version: '4',
    groupKey: groupKey(inp.groupLabels),
    truncatedAlerts: ordered.length - kept.length,
  };
}
