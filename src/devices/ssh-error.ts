/**
 * SSH failures, classified (as anm-error.ts does for ANM) so the session pool decides on retries from a typed
 * `kind` instead of reading message or detail strings back. Each kind carries its catalogue code and whether
 * opening a session again can help.
 */
import { AcesyncError, type ErrorCode } from '../core/errors.js';

export const SSH_FAILURES = {
  connect: { code: 'ACESYNC_SSH', retryable: true, meaning: 'the TCP connection or the SSH handshake failed' },
  auth: { code: 'ACESYNC_SSH', retryable: false, meaning: 'the device refused the credentials' },
  hostkey: { code: 'ACESYNC_SSH_HOSTKEY', retryable: false, meaning: 'the host key is not the pinned one' },
  timeout: { code: 'ACESYNC_SSH_TIMEOUT', retryable: true, meaning: 'no session, shell or prompt in time' },
  shell: { code: 'ACESYNC_SSH', retryable: true, meaning: 'the device refused the interactive shell' },
  connection: { code: 'ACESYNC_SSH', retryable: true, meaning: 'the established connection failed' },
  closed: { code: 'ACESYNC_SSH', retryable: true, meaning: 'the device closed the session or the connection' },
  'closed-by-us': { code: 'ACESYNC_SSH', retryable: true, meaning: 'acesync closed the session (or the pool)' },
  aborted: { code: 'ACESYNC_SSH', retryable: false, meaning: "the caller's AbortSignal fired (job cancelled, stop)" },
  oversize: { code: 'ACESYNC_SSH', retryable: true, meaning: 'the output of a command exceeded the limit' },
  changeto: { code: 'ACESYNC_SSH', retryable: true, meaning: '`changeto` left the prompt in another context' },
  'bad-context': { code: 'ACESYNC_SSH', retryable: true, meaning: 'the context name cannot be sent to the device' },
  'bad-command': { code: 'ACESYNC_SSH', retryable: true, meaning: 'a command must be one line' },
  rejected: { code: 'ACESYNC_SSH', retryable: true, meaning: 'the device answered a command with an error line' },
} as const satisfies Record<string, { code: ErrorCode; retryable: boolean; meaning: string }>;

export type SshFailureKind = keyof typeof SSH_FAILURES;

export interface SshErrorDetails {
  kind: SshFailureKind;
  [key: string]: unknown;
}

/** An SSH failure with its kind in `details.kind`; its code comes from the kind (SSH_FAILURES). */
export class SshError extends AcesyncError {
  override readonly details: SshErrorDetails;
  constructor(
    kind: SshFailureKind,
    message: string,
    extra: Record<string, unknown> = {},
    options?: { cause?: unknown },
  ) {
    const details: SshErrorDetails = { kind, ...extra };
    super(SSH_FAILURES[kind].code, message, details, options);
    this.name = 'SshError';
    this.details = details;
  }
  get kind(): SshFailureKind {
    return this.details.kind;
  }
}

/** The kind of an SSH failure, when `err` is one (a ConnectFailure carries its cause's kind in details). */
export function sshFailureKind(err: unknown): SshFailureKind | undefined {
  if (err instanceof SshError) return err.kind;
  if (!(err instanceof AcesyncError)) return undefined;
  const k = (err.details as { kind?: unknown } | undefined)?.kind;
  return typeof k === 'string' && Object.hasOwn(SSH_FAILURES, k) ? (k as SshFailureKind) : undefined;
}
