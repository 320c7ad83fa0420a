/**
 * The server-rendered page: the overview, a context's page, its operator forms (which post
 * the token the operator types: no token is ever kept in the page, a cookie or a script),
 * and the login form used when the server is bound off loopback.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { AcesyncError } from '../../core/errors.js';
import { canonicalAddress } from '../../config/add-source.js';
import { acknowledgeUpload, resyncContext, type ActionResult } from '../actions.js';
import { adoptBaseline } from '../adopt.js';
import { pairKeyOf } from '../../anm/procedure.js';
import { pairOf } from '../../store/queries/procedure.js';
import { currentToken, requireToken, SESSION_COOKIE, sessionValue, tokenMatches } from '../auth.js';
import type { WebContext } from '../context.js';
import { contextDetail } from '../../store/queries/context-detail.js';
import { buildOverview } from '../../store/queries/overview.js';
import { contextPage } from '../views/context-page.js';
import { html } from '../views/html.js';
import { contextHref, page } from '../views/layout.js';
import { overviewPage } from '../views/overview-page.js';
import { notifyPanel } from '../views/notify-panel.js';
import { loginPanel } from '../views/device-panel.js';
import { sendersPanel, unknownSenders } from '../views/senders-panel.js';
import { failingReceivers } from '../../store/queries/notify-health.js';
import { searchLatest, versionCause } from '../../store/queries/version-history.js';
import { searchPage } from '../views/search-page.js';
import { contextTimeline } from '../../store/queries/timeline.js';
import { silencedTargets } from '../../store/queries/silenced.js';
import { SILENCING_ALERTS } from '../views/layout.js';
import { notFoundContext } from './api-inventory.js';

type Form = Record<string, string | undefined> | undefined;

function sendHtml(reply: FastifyReply, body: { value: string }, status = 200): FastifyReply {
  return reply.code(status).type('text/html; charset=utf-8').send(body.value);
}

/** The notice after a form post: rebuilt from job ids in the query, never echoed from it. */
function noticeFrom(
  w: WebContext,
  device: string,
  context: string,
  q: Record<string, string | undefined>,
): { ok: boolean; text: string } | undefined {
  const done = q.done === 'resync' || q.done === 'acknowledged' ? q.done : undefined;
  if (!done) return undefined;
  const ids = (q.jobs ?? '')
    .split(',')
    .slice(0, 10)
    .map((s) => Number(s))
    .filter((n) => Number.isSafeInteger(n) && n > 0);
  const jobs = ids
    .map((id) => w.queue.get(id))
    .filter((j) => j !== undefined && j.device === device && (j.context === context || j.context === ''));
  const list = jobs.map((j) => `${j!.type} job ${j!.id} (${j!.state})`).join(', ');
  return {
    ok: true,
    text:
      done === 'resync'
        ? `Resync queued: ${list || 'no job'}.`
        : `Upload acknowledged${list ? `; queued ${list}` : ''}.`,
  };
}

export function pageRoutes(app: FastifyInstance, w: WebContext): void {
  const { store, deps } = w;

  app.get<{ Querystring: Record<string, string | undefined> }>('/', async (req, reply) => {
    const now = deps.clock.now();
    // The notice after the adopt form: a count from the query, never text echoed from it.
    const n = Number(req.query.adopted);
    // After "add to sources": only an address that parses and is now listed is named.
    const added = req.query.done === 'source-added' ? canonicalAddress(req.query.address ?? '') : undefined;
    const at = added !== undefined ? deps.inventory.lookupSource(added) : undefined;
    const notice =
      req.query.done === 'adopted' && Number.isSafeInteger(n) && n >= 0
        ? { ok: true, text: `Baseline adopted for ${n} context${n === 1 ? '' : 's'}: ANM's copy recorded, no upload.` }
        : at
          ? {
              ok: true,
              text: `Added ${added} to the sources of ${at.context ? `${at.context} on ` : ''}${at.device}; the configuration was reloaded.`,
            }
          : undefined;
    const extra = html`${loginPanel(w.alerts.firing(), now)}${notifyPanel(failingReceivers(store.db), now)}${sendersPanel(
      unknownSenders(deps.counters.snapshot(), (a) => deps.inventory.isKnownSource(a)),
      {
        devices: [...deps.inventory.devices.keys()],
        tokenConfigured: currentToken(w.tokens) !== undefined,
        tokenEnv: w.tokens.tokenEnv,
      },
    )}`;
    return sendHtml(
      reply,
      overviewPage(
        {
          ...buildOverview(store, deps.inventory, deps.config, w.alerts, now),
          silenced: silencedTargets(store.db, [...SILENCING_ALERTS]),
        },
        {
          tokenConfigured: currentToken(w.tokens) !== undefined,
          tokenEnv: w.tokens.tokenEnv,
          ...(notice ? { notice } : {}),
        },
        extra,
      ),
    );
  });

  app.get<{ Querystring: Record<string, string | undefined> }>('/search', async (req, reply) => {
    const q = typeof req.query.q === 'string' ? req.query.q.slice(0, 200) : '';
    return sendHtml(reply, searchPage(q, q.trim() ? searchLatest(store.db, q) : undefined, deps.clock.now()));
  });

  // The page's "adopt" button of a device or a pair: the same action as the API's.
  app.post<{ Body: Form }>('/baseline/adopt', async (req, reply) => {
    const body = req.body && typeof req.body === 'object' ? req.body : {};
    requireToken(w.tokens, typeof body.token === 'string' ? body.token : undefined);
    const devices = (body.devices ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)
      .slice(0, 2);
    if (devices.length === 0) throw new AcesyncError('ACESYNC_BAD_REQUEST', 'the form names no device');
    const r = adoptBaseline(w.actions, { devices }, 'API token holder (status page)', body.reason ?? '');
    w.hub.poke();
    return reply.redirect(`/?done=adopted&adopted=${r.adopted.length}`, 303);
  });

  app.get<{ Params: { device: string; context: string }; Querystring: Record<string, string | undefined> }>(
    '/contexts/:device/:context',
    async (req, reply) => {
      const { device, context } = req.params;
      if (!store.context(device, context)) throw notFoundContext(device, context);
      const q = req.query;
      const hash = (v: string | undefined) => (typeof v === 'string' && /^[0-9a-f]{8,128}$/.test(v) ? v : undefined);
      const now = deps.clock.now();
      const detail = contextDetail(store, device, context, { from: hash(q.from), to: hash(q.to) });
      const causes = new Map(
        detail.versions.slice(0, 50).map((v) => [v.hash, versionCause(store.db, device, context, v, detail.versions)]),
      );
      const c = detail.state!;
      const timeline = contextTimeline(
        store.db,
        { device, context, sync: c.sync, since: c.since, ftGroup: c.ftGroup, peer: detail.peer?.device },
        now,
      );
      const silenced = silencedTargets(store.db, [...SILENCING_ALERTS]).has(`${device}\u0000${context}`);
      return sendHtml(
        reply,
        contextPage({
          device,
          context,
          detail,
          alerts: w.alerts.list({ device, context, limit: 20 }),
          now,
          notice: noticeFrom(w, device, context, q),
          tokenConfigured: currentToken(w.tokens) !== undefined,
          tokenEnv: w.tokens.tokenEnv,
          procedureHref: `/procedures/${encodeURIComponent(pairKeyOf(pairOf(store, device)))}`,
          causes,
          timeline,
          silenced,
        }),
      );
    },
  );

  const formAction = (
    suffix: string,
    done: 'resync' | 'acknowledged',
    run: (device: string, context: string) => ActionResult,
  ): void => {
    app.post<{ Params: { device: string; context: string }; Body: Form }>(
      `/contexts/:device/:context/${suffix}`,
      async (req, reply) => {
        const { device, context } = req.params;
        const body = req.body && typeof req.body === 'object' ? req.body : {};
        requireToken(w.tokens, typeof body.token === 'string' ? body.token : undefined, 'form');
        const r = run(device, context);
        w.hub.poke();
        return reply.redirect(
          `${contextHref(device, context)}?done=${done}&jobs=${r.jobs.map((j) => j.id).join(',')}#actions`,
          303,
        );
      },
    );
  };
  formAction('resync', 'resync', (d, c) => resyncContext(w.actions, d, c));
  formAction('acknowledge', 'acknowledged', (d, c) => acknowledgeUpload(w.actions, d, c));

  app.get('/login', { config: { public: true } }, async (_req, reply) =>
    sendHtml(
      reply,
      page({
        title: 'Sign in',
        body: html`<h1>Sign in</h1>
<p>This acesync is reachable beyond this machine, so reading it needs the API token (from the environment variable <code>${w.tokens.tokenEnv}</code>).</p>
<form class="action" method="post" action="/login">
<label for="login-token">API token</label>
<input id="login-token" name="token" type="password" autocomplete="current-password" required>
<button type="submit">Sign in</button>
</form>`,
      }),
    ),
  );

  app.post<{ Body: Form }>('/login', { config: { public: true } }, async (req, reply) => {
    const token = currentToken(w.tokens);
    if (token === undefined)
      throw new AcesyncError(
        'ACESYNC_TOKEN_UNSET',
        `signing in is not possible: the environment variable ${w.tokens.tokenEnv} is not set`,
      );
    const given = req.body && typeof req.body === 'object' ? req.body.token : undefined;
    if (!tokenMatches(given, token)) throw new AcesyncError('ACESYNC_UNAUTHORIZED', 'the token is not valid');
    const secure = (deps.config.http.external_url ?? '').startsWith('https:') ? '; Secure' : '';
    reply.header(
      'set-cookie',
      `${SESSION_COOKIE}=${sessionValue(token)}; Path=/; HttpOnly; SameSite=Strict; Max-Age=43200${secure}`,
    );
    return reply.redirect('/', 303);
  });
}
