/**
 * One catalogue of error codes. Codes are stable: never reuse or rename one, so
 * operators and scripts can match on them (fastify's `FST_ERR_*` discipline).
 */
export const ERROR_CODES = {
  ACESYNC_CONFIG_INVALID: 'configuration file is invalid',
  ACESYNC_CONFIG_NOT_FOUND: 'configuration file not found',
  ACESYNC_CONFIG_SECRET_MISSING: 'a secret referenced by the configuration is not set',
  ACESYNC_RULES_INVALID: 'rule files are invalid',
  ACESYNC_STORE_OPEN: 'the state database could not be opened',
  ACESYNC_STORE_WRITE: 'the state database could not be written',
  ACESYNC_LISTEN: 'a listener could not bind its address',
  ACESYNC_SSH: 'SSH session failed',
  ACESYNC_SSH_TIMEOUT: 'SSH step timed out',
  ACESYNC_SSH_HOSTKEY: 'SSH host key does not match the pinned fingerprint',
  ACESYNC_ANM_FAULT: 'ANM returned a fault',
  ACESYNC_ANM_HTTP: 'ANM request failed',
  ACESYNC_UPLOAD: 'upload to ANM failed',
  ACESYNC_USAGE: 'command-line usage error',
  ACESYNC_NOT_FOUND: 'not found',
  ACESYNC_UNAUTHORIZED: 'a valid bearer token is required',
  ACESYNC_BAD_REQUEST: 'the request is invalid',
  ACESYNC_CONFLICT: 'the request conflicts with the current state',
  ACESYNC_TOKEN_UNSET: 'mutations are disabled: the API token environment variable is not set',
  ACESYNC_UNAVAILABLE: 'the service cannot take this request now',
  ACESYNC_INTERNAL: 'internal error',
  ACESYNC_WEBHOOK: 'webhook delivery failed',
  ACESYNC_TEMPLATE: 'a webhook template is invalid',
  ACESYNC_EXPORT: 'exporting the configuration history failed (git)',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export class AcesyncError extends Error {
  readonly code: ErrorCode;
  readonly details?: unknown;
  constructor(code: ErrorCode, message?: string, details?: unknown, options?: { cause?: unknown }) {
    super(message ?? ERROR_CODES[code], options);
    this.name = 'AcesyncError';
    this.code = code;
    this.details = details;
  }
}

/** One problem in a file a person wrote (config or rule file), located as precisely as we can. */
export interface FileProblem {
  file: string;
  line?: number;
  column?: number;
  /** Dotted key path inside the document, e.g. `devices[0].ssh.port`. */
  path?: string;
  message: string;
}

export function formatProblem(p: FileProblem): string {
  const where = [p.file, p.line, p.column].filter((x) => x !== undefined && x !== '').join(':');
  return `${where}${p.path ? ` ${p.path}` : ''}: ${p.message}`;
}

/** A configuration or rule file that cannot be used; carries every problem found, not just the first. */
export class FileProblemsError extends AcesyncError {
  readonly problems: FileProblem[];
  constructor(
    code:
      'ACESYNC_CONFIG_INVALID' | 'ACESYNC_RULES_INVALID' | 'ACESYNC_CONFIG_NOT_FOUND' | 'ACESYNC_CONFIG_SECRET_MISSING',
    problems: FileProblem[],
  ) {
    super(code, `${ERROR_CODES[code]}:\n${problems.map((p) => '  ' + formatProblem(p)).join('\n')}`, problems);
    this.problems = problems;
  }
}

/** Exit codes of the command line. 2 = a person must fix an input file or the call. */
export const EXIT = { OK: 0, FAILURE: 1, BAD_INPUT: 2 } as const;
