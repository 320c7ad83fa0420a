/**
 * GET /api/v1/devices, /pairs, /contexts (filter by state), /contexts/:device/:context
 * (with reasons, history, jobs, explanation) and its /diff.
 */
import type { FastifyInstance } from 'fastify';
import { AcesyncError } from '../../core/errors.js';
import type { ContextState } from '../../engine/types.js';
import type { WebContext } from '../context.js';
import { contextDetail as detailOf } from '../../store/queries/context-detail.js';
import { deviceViews } from '../../store/queries/overview.js';
import { lastReason, stateWording } from '../views/format.js';
import { bound } from '../views/html.js';
import * as S from './schemas.js';

export function contextJson(c: ContextState): Record<string, unknown> {
  return {
    device: c.device,
    context: c.context,
    sync: c.sync,
    label: stateWording(c.sync).label,
    since: c.since,
    configured: c.configured,
    ftGroup: c.ftGroup,
    reason: bound(lastReason(c.reasons), 2000),
    lastAuditAt: c.lastAuditAt,
    lastAuditOutcome: c.lastAuditOutcome,
    lastAuditHash: c.lastAuditHash,
    lastUploadAt: c.lastUploadAt,
    lastUploadOutcome: c.lastUploadOutcome,
    anmHash: c.anmHash,
  };
}

export function notFoundContext(device: string, context: string): AcesyncError {
  return new AcesyncError('ACESYNC_NOT_FOUND', `no context '${bound(context, 80)}' on device '${bound(device, 80)}'`);
}

export function inventoryRoutes(app: FastifyInstance, w: WebContext): void {
  const { store, deps } = w;

  app.get(
    '/api/v1/devices',
    {
      schema: {
        summary: 'Devices with their FT roles, last successful audit and logging drift',
        tags: ['inventory'],
        response: { 200: { type: 'object', properties: { items: { type: 'array', items: S.deviceItem } } } },
      },
    },
    async () => {
      const now = deps.clock.now();
      const views = deviceViews(store, deps.inventory, deps.config, now);
      const contexts = store.contexts();
      return {
        items: [...views.values()].map((d) => ({
          name: d.name,
          host: d.host,
          peer: d.peer,
          pair: deps.inventory.pairOf(d.name)?.id,
          configured: d.configured,
          contexts: contexts.filter((c) => c.device === d.name && c.sync !== 'removed').length,
          roles: d.roles,
          lastSuccessfulAuditAt: d.lastGoodAuditAt,
          auditOverdue: d.auditOverdue,
          loggingDrift: d.loggingDrift,
          pollCadence: store.pollCadence(d.name, now),
        })),
      };
    },
  );

  app.get(
    '/api/v1/pairs',
    {
      schema: {
        summary: 'HA pairs and the HA State of each peer per FT group',
        tags: ['inventory'],
        response: { 200: { type: 'object', properties: { items: { type: 'array', items: S.pairItem } } } },
      },
    },
    async () => {
      const roles = store.roles();
      return {
        items: deps.inventory.pairs.map((p) => {
          const groups = [...new Set(roles.filter((r) => p.devices.includes(r.device)).map((r) => r.group))].sort(
            (a, b) => a - b,
          );
          return {
            id: p.id,
            devices: p.devices,
            groups: groups.map((g) => ({
              group: g,
              roles: Object.fromEntries(
                roles.filter((r) => r.group === g && p.devices.includes(r.device)).map((r) => [r.device, r.role]),
              ),
            })),
          };
        }),
      };
    },
  );

  app.get<{ Querystring: { state?: string; device?: string } }>(
    '/api/v1/contexts',
    {
      schema: {
        summary: 'Contexts and the state of their copy in ANM',
        tags: ['inventory'],
        querystring: {
          type: 'object',
          properties: {
            state: {
              type: 'string',
              enum: [...S.contextItem.properties.sync.enum],
              description: 'only contexts in this sync state',
            },
            device: S.name,
          },
          additionalProperties: false,
        },
        response: {
          200: { type: 'object', properties: { items: { type: 'array', items: S.contextItem } } },
          400: S.errors[400],
        },
      },
    },
    async (req) => {
      const { state, device } = req.query;
      return {
        items: store
          .contexts()
          .filter((c) => (state === undefined || c.sync === state) && (device === undefined || c.device === device))
          .map(contextJson),
      };
    },
  );

  app.get<{ Params: { device: string; context: string } }>(
    '/api/v1/contexts/:device/:context',
    {
      schema: {
        summary: 'One context: state, reasons, HA State, configuration history, jobs and the explanation chain',
        tags: ['inventory'],
        params: S.contextParams,
        response: { 200: S.contextDetail, 404: S.errors[404] },
      },
    },
    async (req) => {
      const { device, context } = req.params;
      const c = store.context(device, context);
      if (!c) throw notFoundContext(device, context);
      const d = detailOf(store, device, context);
      return {
        ...contextJson(c),
        reasons: c.reasons.map((r) => ({ ...r, text: bound(r.text, 2000) })),
        role: d.role,
        peer: d.peer ? { device: d.peer.device, sync: d.peer.state?.sync } : undefined,
        versions: d.versions.map((v) => ({
          hash: v.hash,
          firstSeen: v.firstSeen,
          lastSeen: v.lastSeen,
          seenCount: v.seenCount,
          isAnm: v.isAnm,
          textStored: v.text !== undefined,
        })),
        jobs: d.jobs,
        explanation: d.chains,
      };
    },
  );

  app.get<{ Params: { device: string; context: string }; Querystring: { from: string; to: string } }>(
    '/api/v1/contexts/:device/:context/diff',
    {
      schema: {
        summary: 'Unified diff between two stored configuration versions of a context',
        tags: ['inventory'],
        params: S.contextParams,
        querystring: {
          type: 'object',
          required: ['from', 'to'],
          properties: {
            from: { type: 'string', pattern: '^[0-9a-f]{8,128}$' },
            to: { type: 'string', pattern: '^[0-9a-f]{8,128}$' },
          },
          additionalProperties: false,
        },
        response: {
          200: {
            type: 'object',
            properties: { from: { type: 'string' }, to: { type: 'string' }, diff: { type: 'string' } },
          },
          400: S.errors[400],
          404: S.errors[404],
        },
      },
    },
    async (req) => {
      const { device, context } = req.params;
      if (!store.context(device, context)) throw notFoundContext(device, context);
      const versions = store.versions.list(device, context, 1000);
      const pick = (h: string) => versions.find((v) => v.hash === h) ?? versions.find((v) => v.hash.startsWith(h));
      const from = pick(req.query.from);
      const to = pick(req.query.to);
      if (!from || !to)
        throw new AcesyncError('ACESYNC_NOT_FOUND', 'no stored configuration version with that hash for this context');
      const diff = store.versions.diff(device, context, from.hash, to.hash);
      if (diff === undefined)
        throw new AcesyncError('ACESYNC_NOT_FOUND', 'the text of one of these versions is not stored (only its hash)');
      return { from: from.hash, to: to.hash, diff };
    },
  );

  app.get(
    '/api/v1/anm/unknown',
    {
      schema: {
        summary:
          "Configured contexts ANM's inventory does not list (SOAP reconcile at start and every anm.reconcile_interval_ms)",
        tags: ['inventory'],
        response: {
          200: {
            type: 'object',
            properties: {
              enabled: { type: 'boolean' },
              lastRun: {
                type: ['object', 'null'],
                properties: {
                  at: { type: 'number' },
                  ok: { type: 'boolean' },
                  error: { type: 'string' },
                  matched: { type: 'number' },
                  anmOnly: { type: 'number' },
                },
              },
              items: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: {
                    device: { type: 'string' },
                    context: { type: 'string' },
                    host: { type: 'string' },
                    firstSeen: { type: 'number' },
                    lastSeen: { type: 'number' },
                  },
                },
              },
            },
          },
        },
      },
    },
    async () => {
      const run = store.anmInventory.lastRun();
      return {
        enabled: deps.config.anm.enabled,
        lastRun: run ? { ...run, ...(run.error !== undefined ? { error: bound(run.error, 500) } : {}) } : null,
        items: store.anmInventory.unknown(1000),
      };
    },
  );
}
