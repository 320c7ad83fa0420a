/**
 * Errors as `{code, message}` with codes from the catalogue (src/errors.ts), for the API;
 * the same errors as a small HTML page for the page routes. Internal errors are logged
 * with their stack and answered with a generic message: nothing from the inside (paths,
 * SQL, secrets) reaches a response.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { AcesyncError, ERROR_CODES, type ErrorCode } from '../core/errors.js';
import type { Logger } from '../core/log.js';
import { bound } from './views/html.js';
import { errorPage } from './views/error-page.js';

export interface ApiError {
  code: ErrorCode;
  message: string;
}

export const errorSchema = {
  type: 'object',
  required: ['code', 'message'],
  properties: {
    code: { type: 'string', description: 'Stable error code (src/errors.ts)' },
    message: { type: 'string' },
  },
} as const;

const STATUS: Partial<Record<ErrorCode, number>> = {
  ACESYNC_NOT_FOUND: 404,
  ACESYNC_UNAUTHORIZED: 401,
  ACESYNC_TOKEN_UNSET: 403,
  ACESYNC_BAD_REQUEST: 400,
  ACESYNC_CONFLICT: 409,
  ACESYNC_NOT_AUDITED: 409,
  ACESYNC_UNAVAILABLE: 503,
  ACESYNC_STORE_WRITE: 503,
  ACESYNC_STORE_OPEN: 503,
};

export function statusOf(code: ErrorCode): number {
  return STATUS[code] ?? 500;
}

/** Map anything thrown in a handler to a status and a safe body. */
export function toApiError(err: unknown): { status: number; body: ApiError; internal: boolean } {
  if (err instanceof AcesyncError)
    return {
      status: statusOf(err.code),
      body: { code: err.code, message: bound(err.message, 500) },
      internal: statusOf(err.code) >= 500,
    };
  const fe = err as Partial<FastifyError> & { validation?: unknown; validationContext?: string };
  if (fe?.validation)
    return {
      status: 400,
      body: { code: 'ACESYNC_BAD_REQUEST', message: bound(fe.message ?? 'invalid request', 500) },
      internal: false,
    };
  const sc = typeof fe?.statusCode === 'number' ? fe.statusCode : 500;
  if (sc >= 400 && sc < 500) {
    // Fastify's own client errors (bad JSON, unsupported media type, body too large).
    const what =
      fe.code === 'FST_ERR_CTP_BODY_TOO_LARGE'
        ? 'request body too large'
        : fe.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE'
          ? 'unsupported content type'
          : (fe.message ?? 'bad request');
    return { status: sc, body: { code: 'ACESYNC_BAD_REQUEST', message: bound(what, 300) }, internal: false };
  }
  return { status: 500, body: { code: 'ACESYNC_INTERNAL', message: ERROR_CODES.ACESYNC_INTERNAL }, internal: true };
}

/** Requests answered with the HTML error page (the rest get JSON). */
export function wantsHtml(req: FastifyRequest): boolean {
  const url = req.url;
  if (
    url.startsWith('/api/') ||
    url === '/metrics' ||
    url.startsWith('/healthz') ||
    url.startsWith('/readyz') ||
    url.startsWith('/assets/')
  )
    return false;
  return true;
}

export function sendError(req: FastifyRequest, reply: FastifyReply, err: unknown, logger: Logger): FastifyReply {
  const { status, body, internal } = toApiError(err);
  if (internal) logger.error({ err, method: req.method, url: bound(req.url, 200) }, 'request failed');
  if (status === 401) reply.header('www-authenticate', 'Bearer realm="acesync"');
  if (wantsHtml(req)) return reply.code(status).type('text/html; charset=utf-8').send(errorPage(status, body).value);
  return reply.code(status).type('application/json; charset=utf-8').send(body);
}
