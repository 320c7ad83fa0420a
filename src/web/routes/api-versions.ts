/**
 * Configuration versions as operators use them (issue 16): one stored version as text
 * (view or download), each version with who changed it and the commands (111008 events
 * between the audit before it and the audit that first saw it), and a bounded search
 * across the newest version of every context. Reads: the same token rules as every read.
 */
import type { FastifyInstance } from 'fastify';
import { AcesyncError } from '../../core/errors.js';
import type { ConfigVersion } from '../../store/config-versions.js';
import { MAX_SEARCH_QUERY, searchLatest, versionCause } from '../../store/queries/version-history.js';
import type { WebContext } from '../context.js';
import { bound } from '../views/html.js';
import { notFoundContext } from './api-inventory.js';
import * as S from './schemas.js';

const HASH = '^[0-9a-f]{8,128}$';

/** A stored version by full hash or unique prefix (at least 8 hex digits). */
export function pickVersion(versions: readonly ConfigVersion[], h: string): ConfigVersion | undefined {
  const exact = versions.find((v) => v.hash === h);
  if (exact) return exact;
  const prefixed = versions.filter((v) => v.hash.startsWith(h));
  return prefixed.length === 1 ? prefixed[0] : undefined;
}

/** A file name made of safe characters only (device and context names come from devices). */
export function versionFileName(device: string, context: string, hash: string): string {
  const safe = (s: string) => s.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 64);
  return `${safe(device)}_${safe(context)}_${hash.slice(0, 12)}.cfg`;
}

export function versionRoutes(app: FastifyInstance, w: WebContext): void {
  const { store } = w;

  app.get<{ Params: { device: string; context: string; hash: string }; Querystring: { download?: string } }>(
    '/api/v1/contexts/:device/:context/versions/:hash',
    {
      schema: {
        summary: 'One stored configuration version of a context, as text (download=1: as a file)',
        tags: ['inventory'],
        params: {
          type: 'object',
          required: ['device', 'context', 'hash'],
          properties: { ...S.contextParams.properties, hash: { type: 'string', pattern: HASH } },
          additionalProperties: false,
        },
        querystring: {
          type: 'object',
          properties: { download: { type: 'string', enum: ['0', '1'] } },
          additionalProperties: false,
        },
        produces: ['text/plain'],
      },
    },
    async (req, reply) => {
      const { device, context, hash } = req.params;
      if (!store.context(device, context)) throw notFoundContext(device, context);
      const v = pickVersion(store.versions.list(device, context, 1000), hash);
      if (!v)
        throw new AcesyncError('ACESYNC_NOT_FOUND', 'no stored configuration version with that hash for this context');
      if (v.text === undefined)
        throw new AcesyncError('ACESYNC_NOT_FOUND', 'the text of this version is not stored (only its hash)');
      reply.type('text/plain; charset=utf-8').header('etag', `"${v.hash}"`);
      if (req.query.download === '1')
        reply.header('content-disposition', `attachment; filename="${versionFileName(device, context, v.hash)}"`);
      return reply.send(v.text);
    },
  );

  app.get<{ Params: { device: string; context: string } }>(
    '/api/v1/contexts/:device/:context/versions',
    {
      schema: {
        summary: 'Stored configuration versions of a context, newest first, with who changed what',
        tags: ['inventory'],
        params: S.contextParams,
      },
    },
    async (req) => {
      const { device, context } = req.params;
      if (!store.context(device, context)) throw notFoundContext(device, context);
      const versions = store.versions.list(device, context, 100);
      return {
        versions: versions.map((v, i) => {
          const cause = i < 50 ? versionCause(store.db, device, context, v, versions) : undefined;
          return {
            hash: v.hash,
            firstSeen: v.firstSeen,
            lastSeen: v.lastSeen,
            seenCount: v.seenCount,
            isAnm: v.isAnm,
            textStored: v.text !== undefined,
            changedBy: cause?.users.map((u) => bound(u, 64)),
            changes: cause?.changes.map((c) => ({
              at: c.at,
              user: c.user === undefined ? undefined : bound(c.user, 64),
              command: c.command === undefined ? undefined : bound(c.command, 500),
            })),
            changesTruncated: cause?.truncated,
          };
        }),
      };
    },
  );

  app.get<{ Querystring: { q: string } }>(
    '/api/v1/search',
    {
      schema: {
        summary: 'Contexts whose newest stored configuration contains q (plain text, case-insensitive)',
        tags: ['inventory'],
        querystring: {
          type: 'object',
          required: ['q'],
          properties: { q: { type: 'string', minLength: 1, maxLength: MAX_SEARCH_QUERY } },
          additionalProperties: false,
        },
      },
    },
    async (req) => {
      const r = searchLatest(store.db, req.query.q);
      return {
        q: req.query.q,
        truncated: r.truncated,
        hits: r.hits.map((h) => ({ ...h, lines: h.lines.map((l) => ({ n: l.n, text: bound(l.text, 500) })) })),
      };
    },
  );
}
