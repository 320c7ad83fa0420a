import { z } from 'zod';
import { envName, ms } from './common.js';

/** Alertmanager-style label names (what `group_by` may list). */
const labelName = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/, 'expected a label name, e.g. alertname, device, context, severity');

/**
 * One webhook receiver (issue "Status page, JSON API, webhook alerts"). Alerts are persisted
 * first, grouped like Alertmanager (group_wait / group_interval / repeat_interval), then
 * POSTed as JSON: Alertmanager's webhook v4 payload by default, or the body a template
 * renders. Every body is signed: `X-Acesync-Signature: sha256=<hex HMAC-SHA256>`.
 *
 * `type: alertmanager` (issue 16) posts to an Alertmanager's `/api/v2/alerts` instead: an
 * array of postable alerts, re-sent every `resend_interval_ms` while firing (Alertmanager
 * resolves an alert nobody re-sent within its `resolve_timeout`), and once more with
 * `endsAt` when it resolves. Alertmanager groups and routes, so acesync does not wait:
 * group_wait_ms and group_interval_ms default to 0 and 1 s there.
 */
export const webhookSchema = z
  .strictObject({
    /** `webhook` (generic JSON POST) or `alertmanager` (Alertmanager's v2 alerts API). */
    type: z.enum(['webhook', 'alertmanager']).default('webhook'),
    /** Shown as `receiver` in the payload, in metrics and on the page. */
    name: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'letters, digits, _ . - (at most 64)'),
    /** The receiver's URL; for `alertmanager` its base URL (`/api/v2/alerts` is appended). */
    url: z
      .string()
      .url()
      .refine((u) => /^https?:$/.test(new URL(u).protocol), { message: 'only http:// and https:// URLs are supported' })
      // A password in the URL would end up in logs and API output: secrets come from the environment.
      .refine((u) => new URL(u).username === '' && new URL(u).password === '', {
        message: 'no user or password in the URL: use secret_env for the signature',
      }),
    /** Environment variable holding the HMAC key; without it the body is sent unsigned. */
    secret_env: envName.optional(),
    /** A body template file (`{{var}}`, `{{#each alerts}}`); default: Alertmanager v4 JSON. */
    template: z.string().min(1).optional(),
    /** Send a notice when an alert clears. */
    send_resolved: z.boolean().default(true),
    /** Labels that split alerts into notifications: a failover of 200 contexts is one notification. */
    group_by: z.array(labelName).max(16).default(['alertname']),
    /** Wait this long after a group's first alert, to gather the rest of the burst (30 s; alertmanager: 0). */
    group_wait_ms: ms.max(3_600_000).optional(),
    /** Wait this long before notifying about new alerts of a group already notified (5 min; alertmanager: 1 s). */
    group_interval_ms: ms.max(86_400_000).optional(),
    /**
     * alertmanager: re-send firing alerts this often. Keep it a fraction (a fifth or less) of
     * Alertmanager's `resolve_timeout` (default 5 min), or it resolves them between two sends.
     */
    resend_interval_ms: ms.min(1000).max(3_600_000).default(60_000),
    /** alertmanager: the `runbook_url` annotation, `{alertname}` replaced (e.g. a wiki page per alert). */
    runbook_url: z.string().url().max(500).optional(),
    /** Re-send a group that is still firing after this long. */
    repeat_interval_ms: ms.min(1000).default(4 * 3_600_000),
    /** Per request (connect + response). */
    timeout_ms: z.number().int().min(100).max(120_000).default(10_000),
    /** Attempts per notification (a 5xx, a timeout or a refused connection is retried). */
    max_attempts: z.number().int().min(1).max(100).default(10),
    /** First retry delay; doubles per attempt up to `backoff_max_ms`. */
    backoff_base_ms: z.number().int().min(10).default(1000),
    backoff_max_ms: z
      .number()
      .int()
      .min(10)
      .default(5 * 60_000),
    /** Most alerts in one notification; the rest are counted in `truncatedAlerts`. */
    max_alerts: z.number().int().min(1).max(10_000).default(500),
  })
  .refine((w) => w.backoff_max_ms >= w.backoff_base_ms, {
    message: 'backoff_max_ms must be at least backoff_base_ms',
    path: ['backoff_max_ms'],
  })
  .refine((w) => w.type !== 'alertmanager' || w.template === undefined, {
    message: 'an alertmanager receiver takes no template (its body is the Alertmanager v2 alert list)',
    path: ['template'],
  })
  .transform((w) => ({
    ...w,
    group_wait_ms: w.group_wait_ms ?? (w.type === 'alertmanager' ? 0 : 30_000),
    group_interval_ms: w.group_interval_ms ?? (w.type === 'alertmanager' ? 1000 : 5 * 60_000),
  }));

export const webhooksSchema = z
  .array(webhookSchema)
  .max(32)
  .default([])
  .superRefine((list, ctx) => {
    const seen = new Set<string>();
    list.forEach((w, i) => {
      if (seen.has(w.name))
        ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `webhook name '${w.name}' is used twice` });
      seen.add(w.name);
    });
  });

export type WebhookConfig = z.output<typeof webhookSchema>;
