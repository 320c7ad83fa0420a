/**
 * /healthz (the process answers), /readyz (the caller's readiness checks), /metrics,
 * /api/v1/openapi.json, the two static assets and the live-update stream.
 */
import type { FastifyInstance } from 'fastify';
import { anmTransportWarnings } from '../../config/sections/anm.js';
import { LIVE_JS } from '../assets/live-client.js';
import { STYLE_CSS } from '../assets/style.js';
import { ASSET_VERSION } from '../assets/version.js';
import type { WebContext } from '../context.js';
import { SECURITY_HEADERS } from '../security.js';
import * as S from './schemas.js';

const VERSION = '0.1.0';

export function systemRoutes(app: FastifyInstance, w: WebContext): void {
  app.get(
    '/healthz',
    {
      config: { public: true },
      schema: {
        summary: 'The process is up',
        tags: ['system'],
        response: { 200: { type: 'object', properties: { status: { type: 'string' } } } },
      },
    },
    async () => ({ status: 'ok' }),
  );

  app.get(
    '/readyz',
    {
      config: { public: true },
      schema: {
        summary: 'Ready to work: store open, rules loaded, listeners bound (503 otherwise)',
        tags: ['system'],
        response: {
          200: {
            type: 'object',
            properties: {
              ready: { type: 'boolean' },
              checks: { type: 'object', additionalProperties: { type: ['boolean', 'string'] } },
              warnings: { type: 'array', items: { type: 'string' }, description: 'weaknesses that do not stop work' },
            },
          },
          503: {
            type: 'object',
            properties: {
              ready: { type: 'boolean' },
              checks: { type: 'object', additionalProperties: { type: ['boolean', 'string'] } },
              warnings: { type: 'array', items: { type: 'string' } },
            },
          },
        },
      },
    },
    async (_req, reply) => {
      let report: { ready: boolean; checks: Record<string, boolean | string> };
      try {
        report = await w.deps.readiness();
      } catch (err) {
        w.deps.logger.warn({ err }, 'readiness check failed');
        report = { ready: false, checks: { readiness: 'the readiness check failed' } };
      }
      const checks = { ...report.checks, store: !w.store.closed && report.checks.store !== false };
      const ready = report.ready && checks.store === true;
      const warnings = anmTransportWarnings(w.deps.config.anm);
      return reply.code(ready ? 200 : 503).send({ ready, checks, ...(warnings.length > 0 ? { warnings } : {}) });
    },
  );

  app.get(
    '/metrics',
    { schema: { summary: 'Prometheus metrics (text exposition format)', tags: ['system'], produces: ['text/plain'] } },
    async (_req, reply) => {
      const m = await w.metrics.render();
      return reply.type(m.contentType).send(m.body);
    },
  );

  app.get('/api/v1/openapi.json', { config: { hidden: true } }, async () =>
    w.openapi.document({
      title: 'acesync API',
      version: VERSION,
      description:
        'Reads are open on loopback; every mutation needs Authorization: Bearer <token> (http.token_env). Errors are {code, message}.',
    }),
  );

  const asset = (path: string, type: string, body: string): void => {
    app.get(path, { config: { hidden: true, public: true } }, async (_req, reply) =>
      reply
        .type(type)
        .header('cache-control', 'public, max-age=31536000, immutable')
        .header('etag', `"${ASSET_VERSION}"`)
        .send(body),
    );
  };
  // Browsers ask for it on every page; no icon, and no 404 in their consoles.
  app.get('/favicon.ico', { config: { hidden: true, public: true } }, async (_req, reply) =>
    reply.code(204).header('cache-control', 'public, max-age=86400').send(),
  );
  asset('/assets/app.css', 'text/css; charset=utf-8', STYLE_CSS);
  asset('/assets/live.js', 'text/javascript; charset=utf-8', LIVE_JS);

  app.get(
    '/api/v1/stream',
    {
      schema: {
        summary: 'Live updates (server-sent events): snapshot, then context and summary changes',
        tags: ['system'],
        produces: ['text/event-stream'],
        response: { 503: S.errors[503] },
      },
    },
    async (req, reply) => {
      const why = w.hub.refusal(req.raw);
      if (why !== undefined) {
        // An expected refusal, answered here: the error handler would log every one as a failed
        // request, and a full page retries every 3 s. The hub logs it at debug, rate-limited.
        w.hub.noteRefused(req.raw, why);
        return reply
          .code(503)
          .type('application/json; charset=utf-8')
          .send({
            code: 'ACESYNC_UNAVAILABLE',
            message:
              why === 'per-client'
                ? 'too many live-update listeners from this address; close some pages and try again'
                : `too many live-update listeners (${w.hub.maxClients}); try again later`,
          });
      }
      reply.hijack();
      const headers: Record<string, string> = { ...SECURITY_HEADERS };
      if (!w.hub.attach(req.raw, reply.raw, headers)) {
        reply.raw.writeHead(503, { ...headers, 'content-type': 'application/json' });
        reply.raw.end(JSON.stringify({ code: 'ACESYNC_UNAVAILABLE', message: 'live updates are not available now' }));
      }
    },
  );
}
