/**
 * Failures talking to ANM, classified so a job worker can decide between "try again
 * later" and "stop and alert". Uploads are idempotent (a CLI > ANM sync only refreshes
 * ANM's copy), so ambiguous failures lean towards retryable; the attempt limit of the
 * queue bounds them.
 */
import { AcesyncError, type ErrorCode } from '../core/errors.js';

export type AnmFailureKind =
  /** The request or the whole upload ran out of time. */
  | 'timeout'
  /** TCP connection refused / reset / host unreachable: ANM is down or restarting. */
  | 'connection'
  /** TLS handshake or certificate verification failed (a CA problem is a configuration problem). */
  | 'tls'
  /** HTTP 5xx without a SOAP fault. */
  | 'http-5xx'
  /** HTTP 4xx other than authentication. */
  | 'http-4xx'
  /** Credentials rejected (after one re-login). */
  | 'auth'
  /** SOAP `WSException` fault. */
  | 'fault'
  /** The circuit breaker of this ANM server is open. */
  | 'breaker-open'
  /** The caller's AbortSignal fired (shutdown). */
  | 'aborted'
  /** The response did not meet the configured success criteria. */
  | 'criteria'
  /** A response that cannot be read (not XML, no expected element). */
  | 'protocol'
  /** The operator's upload command exited non-zero or was killed. */
  | 'command'
  /** Bad configuration (template, script not found, ...). */
  | 'config';

export interface AnmErrorDetails {
  kind: AnmFailureKind;
  retryable: boolean;
  /** HTTP status, when there was a response. */
  status?: number;
  /** ANM server (origin) or strategy the error is about. */
  target?: string;
  /** Exit code of a `command` strategy script. */
  exitCode?: number | null;
}

/** An ANM failure with its classification in `details`. */
export class AnmError extends AcesyncError {
  override readonly details: AnmErrorDetails;
  constructor(code: ErrorCode, message: string, details: AnmErrorDetails, options?: { cause?: unknown }) {
    super(code, message, details, options);
    this.name = 'AnmError';
    this.details = details;
  }
  get kind(): AnmFailureKind {
    return this.details.kind;
  }
  get retryable(): boolean {
    return this.details.retryable;
  }
}

/** Default retryability of each kind. */
export const RETRYABLE_KINDS: ReadonlySet<AnmFailureKind> = new Set<AnmFailureKind>([
  'timeout',
  'connection',
  'http-5xx',
  'breaker-open',
  'aborted',
  'criteria',
  'protocol',
]);

/** Kinds that say the ANM server is unhealthy (they count against its circuit breaker). */
export const SERVER_HEALTH_KINDS: ReadonlySet<AnmFailureKind> = new Set<AnmFailureKind>([
  'timeout',
  'connection',
  'http-5xx',
]);

export function anmError(
  code: ErrorCode,
  kind: AnmFailureKind,
  message: string,
  extra: Omit<AnmErrorDetails, 'kind' | 'retryable'> & { retryable?: boolean; cause?: unknown } = {},
): AnmError {
  const { retryable, cause, ...rest } = extra;
  return new AnmError(
    code,
    message,
    { kind, retryable: retryable ?? RETRYABLE_KINDS.has(kind), ...rest },
    cause !== undefined ? { cause } : undefined,
  );
}

export interface FailureClass {
  retryable: boolean;
  kind: AnmFailureKind | 'unknown';
  code: string;
  message: string;
}

/**
 * Classify anything thrown by an ANM call or an upload strategy. Unknown errors are
 * treated as retryable: they are bugs or surprises, and the queue's attempt limit ends
 * them with an alert rather than silently dropping the upload.
 */
export function classifyAnmFailure(err: unknown): FailureClass {
  if (err instanceof AnmError)
    return { retryable: err.retryable, kind: err.kind, code: err.code, message: err.message };
  if (err instanceof AcesyncError) return { retryable: false, kind: 'config', code: err.code, message: err.message };
  const message = err instanceof Error ? err.message : String(err);
  return { retryable: true, kind: 'unknown', code: 'ACESYNC_UPLOAD', message };
}

/** True when `err` is an `AnmError` whose kind says ANM itself is unhealthy. */
export function isServerHealthFailure(err: unknown): boolean {
  return err instanceof AnmError && SERVER_HEALTH_KINDS.has(err.kind);
}
