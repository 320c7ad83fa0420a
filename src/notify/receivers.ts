/**
 * Webhook receivers as configured: the body each one gets (Alertmanager v4 JSON, or the
 * rendering of its template) and the headers of a request. Templates are read and checked
 * once, at start: a template that does not render valid JSON for a sample payload stops
 * start-up with its file and line, instead of failing at the first real alert.
 */
import { readFileSync, statSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import type { WebhookConfig } from '../config/sections/webhooks.js';
import { AcesyncError } from '../core/errors.js';
import type { AlertRecord } from '../store/alerts.js';
import { alertmanagerBody, alertmanagerUrl } from './alertmanager.js';
import { buildPayload, type AmPayload } from './payload.js';
import type { GroupTiming } from './grouping.js';
import { sign, SIGNATURE_HEADER } from './signing.js';
import { compileTemplate, MAX_TEMPLATE_CHARS, type CompiledTemplate } from './template.js';

export const USER_AGENT = 'acesync-webhook/1';

export interface Receiver {
  config: WebhookConfig;
  /** Undefined: sent unsigned (no secret_env configured). */
  secret?: string;
  template?: CompiledTemplate;
  /** Where the template was read from (messages). */
  templateFile?: string;
}

const SAMPLE_ALERT: AlertRecord = {
  id: 1,
  fingerprint: '0123456789abcdef',
  alertname: 'sample-rule',
  severity: 'warning',
  device: 'ace1',
  context: 'VC_WEB',
  labels: { alertname: 'sample-rule', severity: 'warning', device: 'ace1', context: 'VC_WEB' },
  annotations: { summary: 'A "quoted" summary\nwith a second line and <html> & \\ backslashes', rule: 'sample-rule' },
  status: 'firing',
  startsAt: Date.UTC(2026, 0, 1),
  lastFiredAt: Date.UTC(2026, 0, 1),
  fireCount: 1,
  updatedAt: Date.UTC(2026, 0, 1),
};

/** A payload with one firing and one resolved alert, to check templates against. */
export function samplePayload(receiver = 'sample'): AmPayload {
  return buildPayload({
    receiver,
    groupLabels: { alertname: 'sample-rule' },
    alerts: [
      SAMPLE_ALERT,
      {
        ...SAMPLE_ALERT,
        id: 2,
        fingerprint: 'fedcba9876543210',
        context: 'VC_APP',
        labels: { ...SAMPLE_ALERT.labels, context: 'VC_APP' },
        status: 'resolved',
        endsAt: Date.UTC(2026, 0, 1, 0, 5),
      },
    ],
    externalURL: 'http://127.0.0.1:8080',
    maxAlerts: 10,
  });
}

/** Read and check a template file (relative paths against `baseDir`). */
export function loadTemplate(file: string, baseDir: string): { template: CompiledTemplate; file: string } {
  const path = isAbsolute(file) ? file : resolve(baseDir, file);
  let text: string;
  try {
    if (statSync(path).size > MAX_TEMPLATE_CHARS)
      throw new AcesyncError('ACESYNC_TEMPLATE', `${path}: larger than ${MAX_TEMPLATE_CHARS} bytes`);
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if (err instanceof AcesyncError) throw err;
    throw new AcesyncError('ACESYNC_TEMPLATE', `${path}: cannot read the webhook template (${(err as Error).message})`);
  }
  const template = compileTemplate(text, path);
  const out = template.render(samplePayload());
  try {
    JSON.parse(out);
  } catch (err) {
    throw new AcesyncError(
      'ACESYNC_TEMPLATE',
      `${path}: the template does not render valid JSON for a sample alert (${(err as Error).message}); put {{path}} inside "quotes", or use {{json path}}`,
    );
  }
  return { template, file: path };
}

export function buildReceivers(
  webhooks: readonly WebhookConfig[],
  env: NodeJS.ProcessEnv,
  baseDir: string,
): Receiver[] {
  return webhooks.map((config) => {
    const r: Receiver = { config };
    if (config.secret_env !== undefined) {
      const secret = env[config.secret_env];
      if (secret === undefined || secret === '')
        throw new AcesyncError(
          'ACESYNC_CONFIG_SECRET_MISSING',
          `webhook ${config.name}: environment variable ${config.secret_env} (secret_env) is not set`,
        );
      r.secret = secret;
    }
    if (config.template !== undefined) {
      const t = loadTemplate(config.template, baseDir);
      r.template = t.template;
      r.templateFile = t.file;
    }
    return r;
  });
}

/** The body a receiver gets for a payload. */
export function renderBody(r: Receiver, payload: AmPayload): string {
  if (r.config.type === 'alertmanager') return alertmanagerBody(payload, r.config.runbook_url);
  return r.template ? r.template.render(payload) : JSON.stringify(payload);
}

/** Where a receiver's notifications are POSTed. */
export function postUrl(r: Receiver): string {
  return r.config.type === 'alertmanager' ? alertmanagerUrl(r.config.url) : r.config.url;
}

/**
 * The grouping timing of a receiver. An Alertmanager forgets a firing alert nobody re-sent
 * within its resolve_timeout, so firing groups go again every resend_interval_ms.
 */
export function timingOf(r: Receiver): GroupTiming {
  const w = r.config;
  if (w.type !== 'alertmanager') return w;
  return {
    ...w,
    group_interval_ms: Math.min(w.group_interval_ms, w.resend_interval_ms),
    repeat_interval_ms: Math.min(w.repeat_interval_ms, w.resend_interval_ms),
  };
}

export function requestHeaders(r: Receiver, body: string, deliveryId: number, attempt: number): Record<string, string> {
  const h: Record<string, string> = {
    'content-type': 'application/json',
    'user-agent': USER_AGENT,
    'x-acesync-webhook': r.config.name,
    'x-acesync-delivery': String(deliveryId),
    'x-acesync-attempt': String(attempt),
  };
  if (r.secret !== undefined) h[SIGNATURE_HEADER] = sign(body, r.secret);
  return h;
}
