/**
 * One HTTP POST of a notification, bounded in time, with the outcome classified for the
 * retry policy: 2xx delivered; 408, 425, 429, 5xx, timeouts and connection errors are
 * retried; other 4xx and redirects are not (the receiver refused this body, or moved:
 * following a redirect would send the signed body somewhere nobody configured). A refusal
 * keeps the start of the receiver's answer (bounded, cleaned) in the error.
 */
import { cleanText } from './labels.js';

export interface PostRequest {
  url: string;
  body: string;
  headers: Record<string, string>;
  timeoutMs: number;
  /** Aborts the request when the notifier stops. */
  signal?: AbortSignal;
  fetch?: typeof fetch;
}

export type PostOutcome =
  | { ok: true; status: number; ms: number }
  | { ok: false; retryable: boolean; status?: number; error: string; ms: number };

const RETRY_STATUS = new Set([408, 425, 429]);
/** At most this much of a refusing receiver's answer is read, and this much kept (after cleaning). */
export const MAX_ERROR_BODY_BYTES = 2048;
export const MAX_ERROR_BODY_CHARS = 300;

/**
 * The start of a response body, as inert text: bounded in bytes read, control characters
 * replaced, whitespace runs folded. It names why a receiver refused a notification
 * (Alertmanager: "cannot unmarshal object into Go value of type models.PostableAlerts").
 */
export async function bodyExcerpt(body: ReadableStream<Uint8Array> | null): Promise<string> {
  if (!body) return '';
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < MAX_ERROR_BODY_BYTES) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.length;
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  const text = Buffer.concat(chunks).subarray(0, MAX_ERROR_BODY_BYTES).toString('utf8');
  return cleanText(text.replace(/\s+/g, ' ').trim(), MAX_ERROR_BODY_CHARS);
}

/** Error text without the URL (its path or query may hold a receiver's secret, as Slack's do). */
export function scrubUrl(text: string, url: string): string {
  let out = text;
  for (const s of [url, url.replace(/\/+$/, '')]) if (s) out = out.split(s).join('<webhook url>');
  try {
    const u = new URL(url);
    if (u.pathname.length > 1) out = out.split(u.pathname).join('<path>');
  } catch {
    /* a URL that does not parse was refused by the config schema */
  }
  return out.slice(0, 500);
}

function describe(err: unknown): string {
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e?.name === 'TimeoutError') return 'timed out';
  if (e?.name === 'AbortError') return 'aborted';
  const cause = e?.cause?.code ?? e?.cause?.message;
  return cause ? `${e?.message ?? 'request failed'} (${cause})` : (e?.message ?? String(err));
}

export async function postWebhook(req: PostRequest): Promise<PostOutcome> {
  const started = performance.now();
  const timeout = AbortSignal.timeout(req.timeoutMs);
  const signal = req.signal ? AbortSignal.any([timeout, req.signal]) : timeout;
  const doFetch = req.fetch ?? fetch;
  try {
    const res = await doFetch(req.url, {
      method: 'POST',
      body: req.body,
      headers: req.headers,
      redirect: 'manual',
      signal,
    });
    if (res.status >= 200 && res.status < 300) {
      // Drain (bounded by the same timeout) so the connection can be reused; the body is ignored.
      await res.body?.cancel().catch(() => undefined);
      return { ok: true, status: res.status, ms: performance.now() - started };
    }
    const redirect = res.status >= 300 && res.status < 400;
    const excerpt = redirect ? (await res.body?.cancel().catch(() => undefined), '') : await bodyExcerpt(res.body);
    const ms = performance.now() - started;
    const retryable = res.status >= 500 || RETRY_STATUS.has(res.status);
    const what = redirect ? 'redirect not followed' : 'receiver answered';
    const error = scrubUrl(`${what} HTTP ${res.status}${excerpt ? `: ${excerpt}` : ''}`, req.url);
    return { ok: false, retryable, status: res.status, error, ms };
  } catch (err) {
    return { ok: false, retryable: true, error: scrubUrl(describe(err), req.url), ms: performance.now() - started };
  }
}
