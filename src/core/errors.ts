/**
 * One catalogue of error codes: each with the HTTP status an API answer carries and a one-line meaning
 * (docs/errors.md is generated from it: `npm run docs:errors`; test/core/errors.test.ts keeps them in step).
 * Codes are stable: never reuse or rename one, so operators and scripts can match on them (fastify's `FST_ERR_*`
 * discipline); append new ones at the end. A code that is kept but no longer raised is marked `reserved`.
 */
export interface ErrorSpec {
  /** HTTP status of an API/page answer carrying this code (500: it only reaches HTTP as an internal error). */
  readonly status: number;
  /** One line: what went wrong. Also the default message. */
  readonly meaning: string;
  /** Kept for stability, raised nowhere (the reason is in `note`). */
  readonly reserved?: true;
  readonly note?: string;
}

export const ERRORS = {
  ACESYNC_CONFIG_INVALID: { status: 500, meaning: 'configuration file is invalid' },
  ACESYNC_CONFIG_NOT_FOUND: { status: 500, meaning: 'configuration file not found' },
  ACESYNC_CONFIG_SECRET_MISSING: { status: 500, meaning: 'a secret referenced by the configuration is not set' },
  ACESYNC_RULES_INVALID: { status: 500, meaning: 'rule files are invalid' },
  ACESYNC_STORE_OPEN: { status: 503, meaning: 'the state database could not be opened' },
  ACESYNC_STORE_WRITE: { status: 503, meaning: 'the state database could not be written' },
  ACESYNC_LISTEN: { status: 500, meaning: 'a listener could not bind its address' },
  ACESYNC_SSH: { status: 500, meaning: 'SSH session failed' },
  ACESYNC_SSH_TIMEOUT: { status: 500, meaning: 'SSH step timed out' },
  ACESYNC_SSH_HOSTKEY: { status: 500, meaning: 'SSH host key does not match the pinned fingerprint' },
  ACESYNC_ANM_FAULT: { status: 500, meaning: 'ANM returned a fault' },
  ACESYNC_ANM_HTTP: { status: 500, meaning: 'ANM request failed' },
  ACESYNC_UPLOAD: { status: 500, meaning: 'upload to ANM failed' },
  ACESYNC_USAGE: { status: 500, meaning: 'command-line usage error' },
  ACESYNC_NOT_FOUND: { status: 404, meaning: 'not found' },
  ACESYNC_UNAUTHORIZED: { status: 401, meaning: 'a valid bearer token is required' },
  ACESYNC_BAD_REQUEST: { status: 400, meaning: 'the request is invalid' },
  ACESYNC_CONFLICT: { status: 409, meaning: 'the request conflicts with the current state' },
  ACESYNC_TOKEN_UNSET: {
    status: 403,
    meaning: 'mutations are disabled: the API token environment variable is not set',
  },
  ACESYNC_UNAVAILABLE: { status: 503, meaning: 'the service cannot take this request now' },
  ACESYNC_INTERNAL: { status: 500, meaning: 'internal error' },
  ACESYNC_WEBHOOK: {
    status: 500,
    meaning: 'webhook delivery failed',
    reserved: true,
    note: 'failed deliveries are outcomes kept in the outbox (`last_error`) and logged, not thrown errors',
  },
  ACESYNC_TEMPLATE: { status: 500, meaning: 'a webhook template is invalid' },
  ACESYNC_XML_PARSE: { status: 500, meaning: 'an XML document (a SOAP message) is malformed or over the limits' },
  ACESYNC_UPLOAD_DEADLINE: { status: 500, meaning: "an upload's own deadline passed (reported as a timeout)" },
  ACESYNC_STORE_UNSAFE: {
    status: 500,
    meaning: 'the state database file is empty or not SQLite: starting would lose its state (--init)',
  },
  ACESYNC_EXPORT: { status: 500, meaning: 'exporting the configuration history failed (git)' },
  ACESYNC_NOT_AUDITED: {
    status: 409,
    meaning: 'a context has not been audited yet, so there is no configuration to adopt',
  },
  ACESYNC_CONFIG_READONLY: {
    status: 409,
    meaning:
      'acesync cannot edit its configuration file (not writable, or the built-in configuration): paste the snippet',
  },
  ACESYNC_CONFIG_REFUSED: {
    status: 422,
    meaning: 'the edited configuration was refused by the reload; the previous file was put back',
  },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof ERRORS;

/** Code -> meaning (the default message of an error with that code). */
export const ERROR_CODES = Object.fromEntries(Object.entries(ERRORS).map(([c, s]) => [c, s.meaning])) as {
  readonly [K in ErrorCode]: (typeof ERRORS)[K]['meaning'];
};

/** HTTP status of an answer carrying `code`. */
export function httpStatusOf(code: ErrorCode): number {
  return ERRORS[code].status;
}

export function isErrorCode(code: string): code is ErrorCode {
  return Object.hasOwn(ERRORS, code);
}

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

/** An XML document that cannot be read: malformed, or over the size/depth/element limits. */
export class XmlParseError extends AcesyncError {
  readonly offset: number;
  constructor(message: string, offset: number) {
    super('ACESYNC_XML_PARSE', `${message} at offset ${offset}`, { offset });
    this.name = 'XmlParseError';
    this.offset = offset;
  }
}

/** The abort reason of an upload's own deadline: to ANM's breaker a timeout, not a cancellation. */
export class DeadlineExceeded extends AcesyncError {
  readonly ms: number;
  constructor(ms: number) {
    super('ACESYNC_UPLOAD_DEADLINE', `deadline of ${ms} ms exceeded`, { ms });
    this.name = 'DeadlineExceeded';
    this.ms = ms;
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
