/** Helpers shared by the upload strategies. */
import { anmError, AnmError, classifyAnmFailure, type AnmFailureKind } from '../anm-error.js';
import type { UploadResultData } from '../../core/events.js';
import { DeadlineExceeded } from '../../core/errors.js';
import type { StrategyName, UploadOptions } from '../strategy.js';

export { DeadlineExceeded };

/** A thrown upload error as the `upload-result` event payload, with the retry decision. */
export function failedResult(
  err: unknown,
  strategy: StrategyName,
  extra: { jobId?: number; attempts?: number } = {},
): UploadResultData & { retryable: boolean; kind: AnmFailureKind | 'unknown'; code: string } {
  const c = classifyAnmFailure(err);
  return {
    outcome: 'failed',
    strategy,
    error: c.message,
    retryable: c.retryable,
    kind: c.kind,
    code: c.code,
    ...extra,
  };
}

/**
 * Run `fn` with a signal that fires on the caller's abort or at the deadline. An abort
 * caused by the deadline is reported as a (retryable) timeout, not as an abort.
 */
export async function withDeadline<T>(
  opts: UploadOptions,
  defaultMs: number,
  what: string,
  fn: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const ms = opts.timeoutMs ?? defaultMs;
  const ctl = new AbortController();
  let timedOut = false;
  const onAbort = (): void => ctl.abort(opts.signal.reason);
  if (opts.signal.aborted) throw anmError('ACESYNC_UPLOAD', 'aborted', `${what}: aborted before it started`);
  opts.signal.addEventListener('abort', onAbort, { once: true });
  const timer = setTimeout(() => {
    timedOut = true;
    ctl.abort(new DeadlineExceeded(ms));
  }, ms);
  try {
    return await fn(ctl.signal);
  } catch (err) {
    if (timedOut && (!(err instanceof AnmError) || err.kind === 'aborted'))
      throw anmError('ACESYNC_UPLOAD', 'timeout', `${what}: no result within ${ms} ms`, { cause: err });
    throw err;
  } finally {
    clearTimeout(timer);
    opts.signal.removeEventListener('abort', onAbort);
  }
}

/** Make device-sourced or server-sourced text safe for an error message: one line, bounded. */
export function snippet(text: string, max = 200, keep: 'head' | 'tail' = 'head'): string {
  const one = text
    .replace(/[\u0000-\u001f\u007f]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  if (one.length <= max) return one;
  return keep === 'head' ? `${one.slice(0, max)}…` : `…${one.slice(one.length - max)}`;
}
