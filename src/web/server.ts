/**
 * The web server: status page, JSON API, live updates, metrics, health. Reads the store;
 * never decides (operator requests become jobs and events like any rule's action).
 *
 *   const app = buildWebServer({ store, inventory, counters, config, logger, clock, readiness, processor, notifier });
 *   await app.listen({ host: config.http.host, port: config.http.port });
 *
 * Security (see security.ts and auth.ts): CSP without inline script, escaped and bounded
 * device strings, Host check on loopback, bearer token for every mutation, reads open
 * only on loopback, `{code, message}` errors that never carry internals or secrets.
 */
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { AcesyncError } from '../core/errors.js';
import { anmTransportWarnings } from '../config/sections/anm.js';
import { OutboxStore } from '../store/outbox.js';
import { AlertStore } from '../store/alerts.js';
import { bearerOf, isLoopbackHost, readAllowed, requireToken, type TokenSource } from './auth.js';
import type { WebContext, WebDeps } from './context.js';
import { clientErrorResponse, sendError, wantsHtml } from './http-errors.js';
import { Metrics } from './metrics.js';
import { OpenApiCollector, type RouteMeta } from './openapi.js';
import { actionRoutes } from './routes/api-actions.js';
import { activityRoutes } from './routes/api-activity.js';
import { inventoryRoutes } from './routes/api-inventory.js';
import { versionRoutes } from './routes/api-versions.js';
import { pageRoutes } from './routes/pages.js';
import { procedureRoutes } from './routes/procedures.js';
import { systemRoutes } from './routes/system.js';
import { allowedHost, applySecurityHeaders, SECURITY_HEADERS } from './security.js';
import { SseHub } from './sse-hub.js';
import { asStoreWriteFailure } from '../store/database.js';

export type { WebDeps, ReadinessReport } from './context.js';

/** Largest request body (forms and JSON are tiny). */
const BODY_LIMIT = 16 * 1024;

const extras = new WeakMap<FastifyInstance, { metrics: Metrics; hub: SseHub }>();

/** The metrics registry (for `observeJob`) and the live-update hub of a built server. */
export function webExtras(app: FastifyInstance): { metrics: Metrics; hub: SseHub } {
  const e = extras.get(app);
  if (!e) throw new Error('not a server built by buildWebServer');
  return e;
}

export function buildWebServer(deps: WebDeps): FastifyInstance {
  const logger = deps.logger.child({ component: 'web' });
  const app = Fastify({
    loggerInstance: logger as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: BODY_LIMIT,
    routerOptions: { maxParamLength: 600 },
    // SSE connections would hold close() open: end them.
    forceCloseConnections: true,
    return503OnClosing: true,
    // Router errors (bad percent-encoding, a path part over maxParamLength) would otherwise be
    // answered by fastify itself: its own body shape, the path echoed, no security headers.
    frameworkErrors: (err, req, reply) => {
      applySecurityHeaders(reply);
      return sendError(req, reply, err, logger);
    },
    clientErrorHandler: (err, socket) => {
      if ((err as { code?: string }).code === 'ECONNRESET' || socket.destroyed) return;
      if (socket.writable) socket.end(clientErrorResponse(err as { code?: string }, SECURITY_HEADERS));
      else socket.destroy(err);
    },
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', useDefaults: true, allErrors: false } },
  }) as unknown as FastifyInstance;

  const store = deps.store;
  const alerts = deps.notifier?.alerts ?? new AlertStore(store.db);
  const outbox = deps.notifier?.outbox ?? new OutboxStore(store.db, alerts);
  const hub = new SseHub({
    store,
    alerts,
    logger,
    intervalMs: deps.liveIntervalMs,
    maxClients: deps.maxLiveClients,
    maxPerClient: deps.maxLiveClientsPerAddress ?? deps.config.http.live_clients_per_address,
  });
  const metrics = deps.metrics ?? new Metrics();
  metrics.attach({
    store,
    counters: deps.counters,
    clock: deps.clock,
    processor: deps.processor,
    notifier: deps.notifier,
    sseClients: () => hub.clients,
    anmInsecure: () => (anmTransportWarnings(deps.config.anm).length > 0 ? 1 : 0),
  });
  const tokens: TokenSource = { tokenEnv: deps.config.http.token_env, env: deps.env ?? process.env };
  const queue = deps.queue ?? store.jobs;
  const openapi = new OpenApiCollector();
  const w: WebContext = {
    deps,
    store,
    queue,
    alerts,
    outbox,
    hub,
    metrics,
    openapi,
    tokens,
    actions: { store, queue, processor: deps.processor, clock: deps.clock },
    readsNeedToken: !isLoopbackHost(deps.config.http.host),
  };
  extras.set(app, { metrics, hub });

  const extraHosts: string[] = [];
  if (deps.config.http.external_url)
    extraHosts.push(new URL(deps.config.http.external_url).hostname.replace(/^\[|\]$/g, '').toLowerCase());

  app.addHook('onRoute', openapi.onRoute);
  // A GET or HEAD that changes state would be reachable by a link or a prefetch: refuse to build one.
  app.addHook('onRoute', (route) => {
    const methods = ([] as string[]).concat(route.method);
    if ((route.config as RouteMeta | undefined)?.mutation && methods.some((m) => m === 'GET' || m === 'HEAD'))
      throw new Error(`${route.url}: a GET route cannot be a mutation`);
  });

  app.addHook('onRequest', async (req, reply) => {
    applySecurityHeaders(reply);
    const meta = (req.routeOptions.config ?? {}) as RouteMeta;
    if (!w.readsNeedToken && !allowedHost(req, extraHosts))
      throw new AcesyncError(
        'ACESYNC_BAD_REQUEST',
        'unexpected Host header: this server answers to loopback names only (set http.external_url for another name)',
      );
    if (meta.mutation) {
      requireToken(tokens, bearerOf(req), 'mutation');
      return;
    }
    if (w.readsNeedToken && !meta.public && !readAllowed(tokens, req)) {
      if (wantsHtml(req) && req.method === 'GET') return reply.redirect('/login', 303);
      requireToken(tokens, bearerOf(req), 'read');
    }
  });

  app.addHook('onSend', async (_req, reply, payload) => {
    applySecurityHeaders(reply);
    return payload;
  });

  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string', bodyLimit: 32 * 1024 },
    (_req, body, done) => {
      const out: Record<string, string> = {};
      // A repeated field (the procedure page's ticked contexts) is one value per line.
      for (const [k, v] of new URLSearchParams(body as string))
        if (Object.hasOwn(out, k)) out[k] += `\n${v}`;
        else if (Object.keys(out).length < 20) out[k] = v;
      done(null, out);
    },
  );

  app.setErrorHandler((err, req, reply) => {
    // The request still gets its 503; the service stops the way every other writer stops it.
    const fatal = asStoreWriteFailure(err);
    if (fatal && deps.onFatal) {
      logger.fatal({ err: fatal }, 'a request could not write the state database: stopping');
      deps.onFatal(fatal);
    }
    return sendError(req, reply, err, logger);
  });
  app.setNotFoundHandler((req, reply) =>
    sendError(req, reply, new AcesyncError('ACESYNC_NOT_FOUND', 'no such page or API route'), logger),
  );

  systemRoutes(app, w);
  inventoryRoutes(app, w);
  versionRoutes(app, w);
  activityRoutes(app, w);
  actionRoutes(app, w);
  pageRoutes(app, w);
  procedureRoutes(app, w);

  app.addHook('onClose', async () => hub.close());
  return app;
}
