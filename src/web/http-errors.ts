/**
 * Errors as `{code, message}` with codes and statuses from the catalogue (src/core/errors.ts), for the API;
 * the same errors as a small HTML page for the page routes. Internal errors are logged
 * with their stack and answered with a generic message: nothing from the inside (paths,
 * SQL, secrets) reaches a response.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { AcesyncError, ERROR_CODES, httpStatusOf, type ErrorCode } from '../core/errors.js';
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
    code: { type: 'string', description: 'Stable error code (docs/errors.md)' },
    message: { type: 'string' },
  },
} as const;

/** Fastify's own client errors that carry (or echo) request text, in our words. */
const FRAMEWORK: Readonly<Record<string, { status: number; body: ApiError }>> = {
  FST_ERR_BAD_URL: {
    status: 400,
    body: { code: 'ACESYNC_BAD_REQUEST', message: 'the URL is not valid (bad percent-encoding)' },
  },
  FST_ERR_MAX_PARAM_LENGTH: {
    status: 414,
    body: { code: 'ACESYNC_BAD_REQUEST', message: 'a part of the URL is too long' },
  },
  FST_ERR_CTP_INVALID_JSON_BODY: {
    status: 400,
    body: { code: 'ACESYNC_BAD_REQUEST', message: 'the body is not valid JSON' },
  },
  FST_ERR_CTP_EMPTY_JSON_BODY: {
    status: 400,
    body: { code: 'ACESYNC_BAD_REQUEST', message: 'the body is empty but the content type says JSON' },
  },
};

/** The answer to a request node:http could not parse (header too large, bad syntax): raw bytes with our headers. */
export function clientErrorResponse(err: { code?: string }, headers: Readonly<Record<string, string>>): string {
  const [status, reason, message] =
    err.code === 'HPE_HEADER_OVERFLOW'
      ? [431, 'Request Header Fields Too Large', 'the request headers are too large']
      : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'Request Timeout', 'the request took too long to arrive']
        : [400, 'Bad Request', 'the request is not valid HTTP'];
  const body = JSON.stringify({ code: 'ACESYNC_BAD_REQUEST', message });
  const lines = [
    `HTTP/1.1 ${status} ${reason}`,
    'content-type: application/json; charset=utf-8',
    `content-length: ${Buffer.byteLength(body)}`,
    'cache-control: no-store',
    'connection: close',
    ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
  ];
  return lines.join('\r\n') + '\r\n\r\n' + body;
}

/** HTTP status of an answer carrying `code`, from the catalogue (src/core/errors.ts). */
export function statusOf(code: ErrorCode): number {
  return httpStatusOf(code);
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
  // Fastify's router errors (frameworkErrors): our wording, not the path echoed back.
  const framework = typeof fe?.code === 'string' ? FRAMEWORK[fe.code] : undefined;
  if (framework) return { ...framework, internal: false };
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
