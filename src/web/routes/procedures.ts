/**
 * Manual procedure runs (one per HA pair): the page with the numbered steps and the bulk
 * acknowledgement form, and the API (read the run; acknowledge it, whole or selected
 * contexts, with the bearer token).
 */
import type { FastifyInstance } from 'fastify';
import { buildProcedure, procedureSettings } from '../../anm/procedure.js';
import { openRun } from '../../notify/procedure-alert.js';
import type { RunFacts } from '../../store/queries/procedure.js';
import { requireToken, currentToken } from '../auth.js';
import type { WebContext } from '../context.js';
import { acknowledgeProcedure } from '../procedure-actions.js';
import { procedureHref, procedurePage } from '../views/procedure-page.js';
import * as S from './schemas.js';

const pairParams = {
  type: 'object',
  required: ['pair'],
  properties: {
    pair: { type: 'string', minLength: 1, maxLength: 300, description: 'devices of the pair joined by +' },
  },
} as const;

const ackBody = {
  type: ['object', 'null'],
  properties: {
    contexts: {
      type: 'array',
      maxItems: 5000,
      items: { type: 'string', maxLength: 300 },
      description: 'DEVICE/CONTEXT entries to acknowledge; default every context of the run that waits',
    },
    note: { type: 'string', maxLength: 200, description: 'why (recorded with each acknowledgement)' },
  },
  additionalProperties: false,
} as const;

const ackResult = {
  type: 'object',
  required: ['pair', 'acknowledged', 'message'],
  properties: {
    pair: { type: 'string' },
    acknowledged: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          device: { type: 'string' },
          context: { type: 'string' },
          jobs: S.actionResult.properties.jobs,
        },
      },
    },
    message: { type: 'string' },
  },
} as const;

export function procedureRoutes(app: FastifyInstance, w: WebContext): void {
  const { store, deps } = w;
  const view = (
    pair: string,
  ): { run: RunFacts | undefined; procedure: ReturnType<typeof buildProcedure> | undefined } => {
    const run = openRun(store, w.alerts, pair, deps.clock.now());
    const procedure = run
      ? buildProcedure({
          pair: pair.split('+'),
          pairKey: pair,
          ...run,
          settings: procedureSettings(deps.config.anm),
        })
      : undefined;
    return { run, procedure };
  };

  app.get<{ Params: { pair: string }; Querystring: Record<string, string | undefined> }>(
    '/procedures/:pair',
    async (req, reply) => {
      const { pair } = req.params;
      const { run, procedure } = view(pair);
      const n = Number(req.query.acknowledged);
      const notice =
        req.query.done === 'acknowledged' && Number.isSafeInteger(n) && n >= 0
          ? { ok: true, text: `Acknowledged ${n} context${n === 1 ? '' : 's'}; each is re-audited to confirm.` }
          : undefined;
      const html = procedurePage({
        pairKey: pair,
        ...(procedure ? { procedure } : {}),
        contexts: (run?.contexts ?? []).map((c) => ({ ...c, state: store.context(c.device, c.context) })),
        ...(notice ? { notice } : {}),
        tokenConfigured: currentToken(w.tokens) !== undefined,
        tokenEnv: w.tokens.tokenEnv,
      });
      return reply.type('text/html; charset=utf-8').send(html.value);
    },
  );

  app.post<{ Params: { pair: string }; Body: Record<string, string | undefined> | undefined }>(
    '/procedures/:pair/acknowledge',
    async (req, reply) => {
      const body = req.body && typeof req.body === 'object' ? req.body : {};
      requireToken(w.tokens, typeof body.token === 'string' ? body.token : undefined);
      // Ticked checkboxes arrive as one `ctx` value per line (server.ts form parser).
      const selected = (body.ctx ?? '').split('\n').filter(Boolean);
      const r = acknowledgeProcedure(w.actions, w.alerts, req.params.pair, selected, body.note || undefined);
      w.hub.poke();
      return reply.redirect(
        `${procedureHref(req.params.pair)}?done=acknowledged&acknowledged=${r.acknowledged.length}`,
        303,
      );
    },
  );

  app.get<{ Params: { pair: string } }>(
    '/api/v1/procedures/:pair',
    {
      schema: {
        summary: "The pair's open manual procedure run: its steps and contexts",
        tags: ['procedures'],
        params: pairParams,
        response: { 200: { type: 'object', additionalProperties: true }, ...S.errors },
      },
    },
    async (req) => {
      const { run, procedure } = view(req.params.pair);
      return {
        pair: req.params.pair,
        open: run !== undefined,
        procedure: procedure ?? null,
        contexts: run?.contexts ?? [],
      };
    },
  );

  app.post<{ Params: { pair: string }; Body: { contexts?: string[]; note?: string } | null | undefined }>(
    '/api/v1/procedures/:pair/acknowledge',
    {
      config: { mutation: true },
      schema: {
        summary: "Acknowledge the pair's manual procedure run: every waiting context, or the listed ones",
        description:
          "After the operator uploaded the run's contexts in ANM's GUI. For each (default: every context of the run that still waits), exactly what the per-context acknowledge-upload does: ANM's copy recorded as the configuration last audited, an upload-result (ok, manual, acknowledged) through the rules, and a confirming audit. 404 when no procedure is open for the pair, 409 when a listed context does not wait in it (nothing is acknowledged then).",
        tags: ['procedures', 'actions'],
        params: pairParams,
        body: ackBody,
        response: { 202: ackResult, ...S.errors },
      },
    },
    async (req, reply) => {
      const r = acknowledgeProcedure(w.actions, w.alerts, req.params.pair, req.body?.contexts, req.body?.note);
      w.hub.poke();
      return reply.code(202).send(r);
    },
  );
}
