/**
 * The mutations: POST resync a context, audit a device, acknowledge a manual upload, adopt
 * baselines. Each needs the bearer token (route config `mutation: true`, checked by the
 * auth hook).
 */
import type { FastifyInstance } from 'fastify';
import type { WebContext } from '../context.js';
import { acknowledgeUpload, auditDevice, resyncContext } from '../actions.js';
import { adoptBaseline } from '../adopt.js';
import * as S from './schemas.js';

type Body = { note?: string } | null | undefined;

export function actionRoutes(app: FastifyInstance, w: WebContext): void {
  const responses = { 202: S.actionResult, ...S.errors };

  app.post<{ Params: { device: string; context: string }; Body: Body }>(
    '/api/v1/contexts/:device/:context/resync',
    {
      config: { mutation: true },
      schema: {
        summary: 'Audit this context and upload it to ANM now; returns the job ids',
        tags: ['actions'],
        params: S.contextParams,
        body: S.actionBody,
        response: responses,
      },
    },
    async (req, reply) => {
      const r = resyncContext(w.actions, req.params.device, req.params.context, req.body?.note);
      return reply.code(202).send(r);
    },
  );

  app.post<{ Params: { device: string }; Body: Body }>(
    '/api/v1/devices/:device/audit',
    {
      config: { mutation: true },
      schema: {
        summary: 'Audit every context of this device now; returns the job id',
        tags: ['actions'],
        params: S.deviceParams,
        body: S.actionBody,
        response: responses,
      },
    },
    async (req, reply) => {
      const r = auditDevice(w.actions, req.params.device, req.body?.note);
      return reply.code(202).send(r);
    },
  );

  app.post<{ Params: { device: string; context: string }; Body: Body }>(
    '/api/v1/contexts/:device/:context/acknowledge-upload',
    {
      config: { mutation: true },
      schema: {
        summary: 'The operator uploaded this context in ANM (manual strategy): record it and re-audit',
        description:
          "For an upload that finished as waiting-operator (manual strategy): records ANM's copy as the configuration last audited, and sends an upload-result (ok, manual, acknowledged) event through the rules: the default rule upload-ok-reaudits marks the context syncing and queues the confirming audit. 409 when no upload is waiting.",
        tags: ['actions'],
        params: S.contextParams,
        body: S.actionBody,
        response: responses,
      },
    },
    async (req, reply) => {
      const r = acknowledgeUpload(w.actions, req.params.device, req.params.context, req.body?.note);
      w.hub.poke();
      return reply.code(202).send(r);
    },
  );

  app.post<{ Body: { all?: boolean; devices?: string[]; context?: string; reason: string; by?: string } }>(
    '/api/v1/baseline/adopt',
    {
      config: { mutation: true },
      schema: {
        summary: "Adopt the audited configurations of the selected contexts as ANM's copy (no upload)",
        description:
          "For a first install next to an ANM that already holds these configurations. For each selected context (all, devices, and/or a context name), the configuration of its last audit is recorded as ANM's copy and an operator event (adopt-baseline, who, reason) goes through the rules: the default rule baseline-adopted marks the context in-sync with one decision naming who and why. Nothing is uploaded. 409 (ACESYNC_NOT_AUDITED) when a selected context was never audited: nothing is adopted and the message lists them.",
        tags: ['actions'],
        body: S.adoptBody,
        response: { 200: S.adoptResult, ...S.errors },
      },
    },
    async (req, reply) => {
      const b = req.body;
      const by = `API token holder${b.by ? ` (${b.by})` : ''}`;
      const r = adoptBaseline(
        w.actions,
        {
          ...(b.all !== undefined ? { all: b.all } : {}),
          ...(b.devices !== undefined ? { devices: b.devices } : {}),
          ...(b.context !== undefined ? { context: b.context } : {}),
        },
        by,
        b.reason,
      );
      w.hub.poke();
      return reply.code(200).send(r);
    },
  );
}
