/**
 * GET /api/v1/events, /jobs, /alerts, /alerts/deliveries, /rules. Lists are newest first
 * and paged by `limit` + `cursor` (pass the previous page's `nextCursor`).
 */
import type { FastifyInstance } from 'fastify';
import { relative as relPath, isAbsolute } from 'node:path';
import type { DeliveryStatus } from '../../store/outbox.js';
import type { AlertStatus } from '../../store/alerts.js';
import type { WebContext } from '../context.js';
import { eventSummary, listEvents } from '../../store/queries/events.js';
import { listJobs } from '../../store/queries/jobs.js';
import { bound } from '../views/html.js';
import * as S from './schemas.js';

/** A copy of a stored event with every string bounded (they come from devices). */
export function boundDeep(v: unknown, max = 2048, depth = 0): unknown {
  if (typeof v === 'string') return bound(v, max);
  if (depth > 6 || v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.slice(0, 200).map((x) => boundDeep(x, max, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v as Record<string, unknown>).slice(0, 100))
    out[k] = boundDeep(x, max, depth + 1);
  return out;
}

export function activityRoutes(app: FastifyInstance, w: WebContext): void {
  const { store, queue, alerts, deps } = w;

  app.get<{ Querystring: { kind?: string; device?: string; context?: string; limit: number; cursor?: number } }>(
    '/api/v1/events',
    {
      schema: {
        summary: 'Stored events, newest first',
        description:
          'A page examines a bounded range of event ids; a page with fewer items than `limit` but a `nextCursor` means: continue from there.',
        tags: ['activity'],
        querystring: {
          type: 'object',
          properties: {
            kind: { type: 'string', enum: S.EVENT_KINDS },
            device: S.name,
            context: S.name,
            limit: S.limit,
            cursor: S.cursor,
          },
          additionalProperties: false,
        },
        response: { 200: S.pageOf(S.eventItem), 400: S.errors[400] },
      },
    },
    async (req) => {
      const page = listEvents(store.db, req.query);
      return {
        items: page.items.map((e) => ({
          id: e.id,
          receivedAt: e.receivedAt,
          kind: e.kind,
          msgId: e.msgId,
          device: e.device,
          context: e.context,
          summary: bound(eventSummary(e.event), 500),
          event: boundDeep(e.event),
        })),
        nextCursor: page.nextCursor,
      };
    },
  );

  app.get<{
    Querystring: { state?: string; type?: string; device?: string; context?: string; limit: number; cursor?: number };
  }>(
    '/api/v1/jobs',
    {
      schema: {
        summary: 'Jobs of the persistent queue, newest first',
        tags: ['activity'],
        querystring: {
          type: 'object',
          properties: {
            state: { type: 'string', enum: [...S.jobItem.properties.state.enum] },
            type: { type: 'string', enum: ['audit', 'upload', 'check-crypto', 'alert'] },
            device: S.name,
            context: { type: 'string', maxLength: 256 },
            limit: S.limit,
            cursor: S.cursor,
          },
          additionalProperties: false,
        },
        response: { 200: S.pageOf(S.jobItem), 400: S.errors[400] },
      },
    },
    async (req) => listJobs(store.db, queue, req.query),
  );

  app.get<{ Querystring: { status?: AlertStatus; device?: string; context?: string; limit: number; cursor?: number } }>(
    '/api/v1/alerts',
    {
      schema: {
        summary: 'Alerts (firing and resolved), newest first',
        tags: ['alerts'],
        querystring: {
          type: 'object',
          properties: {
            status: { type: 'string', enum: ['firing', 'resolved'] },
            device: S.name,
            context: S.name,
            limit: S.limit,
            cursor: S.cursor,
          },
          additionalProperties: false,
        },
        response: { 200: S.pageOf(S.alertItem), 400: S.errors[400] },
      },
    },
    async (req) => {
      const q = req.query;
      const items = alerts.list({
        status: q.status,
        device: q.device,
        context: q.context,
        beforeId: q.cursor,
        limit: q.limit,
      });
      return { items, nextCursor: items.length === q.limit ? items[items.length - 1]!.id : undefined };
    },
  );

  app.get<{ Querystring: { webhook?: string; status?: DeliveryStatus; limit: number; cursor?: number } }>(
    '/api/v1/alerts/deliveries',
    {
      schema: {
        summary: 'The webhook outbox: notifications and their delivery state (never the URL or the body)',
        tags: ['alerts'],
        querystring: {
          type: 'object',
          properties: {
            webhook: S.name,
            status: { type: 'string', enum: ['pending', 'sending', 'sent', 'failed', 'superseded'] },
            limit: S.limit,
            cursor: S.cursor,
          },
          additionalProperties: false,
        },
        response: { 200: S.pageOf(S.deliveryItem), 400: S.errors[400] },
      },
    },
    async (req) => {
      const q = req.query;
      const items = w.outbox
        .deliveries({ webhook: q.webhook, status: q.status, beforeId: q.cursor, limit: q.limit })
        .map(({ body: _body, items: _items, ...d }) => d);
      return { items, nextCursor: items.length === q.limit ? items[items.length - 1]!.id : undefined };
    },
  );

  app.get(
    '/api/v1/rules',
    {
      schema: {
        summary: 'The rules in force: name, file, description, triggers, actions',
        tags: ['rules'],
        response: {
          200: {
            type: 'object',
            properties: {
              source: { type: 'string' },
              loadedAt: { type: 'integer' },
              items: { type: 'array', items: S.ruleItem },
            },
          },
        },
      },
    },
    async () => {
      const rs = deps.processor?.ruleset;
      if (!rs) return { items: [] };
      const file = (f: string): string => {
        const r = relPath(rs.source, f);
        return r && !r.startsWith('..') && !isAbsolute(r) ? r : f;
      };
      return {
        source: rs.source,
        loadedAt: rs.loadedAt,
        items: rs.rules.map((r) => ({
          name: r.name,
          description: r.description,
          file: file(r.file),
          line: r.line,
          priority: r.priority,
          on: r.kinds ? [...r.kinds] : undefined,
          actions: r.actions.map((a) => (a.type === 'job' ? a.job : a.type)),
          throttle: r.throttle,
        })),
      };
    },
  );
}
