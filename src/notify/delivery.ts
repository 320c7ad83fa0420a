/**
 * One HTTP POST of a notification, bounded in time, with the outcome classified for the
 * retry policy: 2xx delivered; 408, 425, 429, 5xx, timeouts and connection errors are
 * retried; other 4xx and redirects are not (the receiver refused this body, or moved:
 * following a redirect would send the signed body somewhere nobody configured).
 */

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
    // Drain (bounded by the same timeout) so the connection can be reused; the body is ignored.
    await res.body?.cancel().catch(() => undefined);
    const ms = performance.now() - started;
    if (res.status >= 200 && res.status < 300) return { ok: true, status: res.status, ms };
    const retryable = res.status >= 500 || RETRY_STATUS.has(res.status);
    const what = res.status >= 300 && res.status < 400 ? 'redirect not followed' : 'receiver answered';
    return { ok: false, retryable, status: res.status, error: `${what} HTTP ${res.status}`, ms };
  } catch (err) {
    return { ok: false, retryable: true, error: scrubUrl(describe(err), req.url), ms: performance.now() - started };
  }
}
