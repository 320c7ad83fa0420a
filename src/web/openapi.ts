/**
 * The OpenAPI 3.1 document, generated from the route schemas fastify validates with: an
 * `onRoute` hook records every route that has a schema, and `document()` turns them into
 * paths. One source of truth: a route's documentation cannot drift from its validation.
 */
import type { RouteOptions } from 'fastify';

type JsonSchema = Record<string, unknown>;

declare module 'fastify' {
  /** Documentation keys the OpenAPI generator reads (fastify ignores them). */
  interface FastifySchema {
    summary?: string;
    description?: string;
    tags?: string[];
    /** Content type of the 2xx answer when it is not JSON. */
    produces?: string[];
  }
}

export interface RouteDoc {
  method: string;
  url: string;
  schema: {
    summary?: string;
    description?: string;
    tags?: string[];
    params?: JsonSchema;
    querystring?: JsonSchema;
    body?: JsonSchema;
    response?: Record<string, JsonSchema>;
    produces?: string[];
  };
  auth: boolean;
}

/** What a route declares in its `config` for the generator and the auth hook. */
export interface RouteMeta {
  /** A mutation: needs the bearer token. */
  mutation?: boolean;
  /** Not in the OpenAPI document. */
  hidden?: boolean;
  /** Readable without a token even when bound off loopback (health, assets, login). */
  public?: boolean;
}

export class OpenApiCollector {
  readonly routes: RouteDoc[] = [];

  /** The onRoute hook. */
  readonly onRoute = (opts: RouteOptions): void => {
    const meta = (opts.config ?? {}) as RouteMeta;
    if (!opts.schema || meta.hidden) return;
    const methods = (Array.isArray(opts.method) ? opts.method : [opts.method]).filter((m) => m !== 'HEAD');
    for (const method of methods)
      this.routes.push({
        method: method.toLowerCase(),
        url: opts.url,
        schema: opts.schema as RouteDoc['schema'],
        auth: meta.mutation === true,
      });
  };

  document(info: { title: string; version: string; description?: string }): Record<string, unknown> {
    const paths: Record<string, Record<string, unknown>> = {};
    for (const r of [...this.routes].sort((a, b) => a.url.localeCompare(b.url) || a.method.localeCompare(b.method))) {
      const path = r.url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
      const op: Record<string, unknown> = {};
      if (r.schema.summary) op.summary = r.schema.summary;
      if (r.schema.description) op.description = r.schema.description;
      if (r.schema.tags) op.tags = r.schema.tags;
      op.operationId = `${r.method}${path.replace(/[{}]/g, '').replace(/[^A-Za-z0-9]+(.)?/g, (_, c: string | undefined) => (c ? c.toUpperCase() : ''))}`;
      const parameters = [...toParameters(r.schema.params, 'path'), ...toParameters(r.schema.querystring, 'query')];
      if (parameters.length) op.parameters = parameters;
      if (r.schema.body)
        op.requestBody = { required: true, content: { 'application/json': { schema: r.schema.body } } };
      const responses: Record<string, unknown> = {};
      for (const [status, schema] of Object.entries(r.schema.response ?? {})) {
        const { description, ...rest } = schema as JsonSchema & { description?: string };
        const type = status.startsWith('2') ? (r.schema.produces ?? ['application/json'])[0]! : 'application/json';
        responses[status] = {
          description: description ?? (status.startsWith('2') ? 'OK' : 'Error'),
          content: { [type]: { schema: rest } },
        };
      }
      const produces = r.schema.produces?.[0];
      if (!Object.keys(responses).some((s) => s.startsWith('2')))
        responses['200'] = produces
          ? { description: 'OK', content: { [produces]: { schema: { type: 'string' } } } }
          : { description: 'OK' };
      op.responses = responses;
      if (r.auth) op.security = [{ bearerAuth: [] }];
      (paths[path] ??= {})[r.method] = op;
    }
    return {
      openapi: '3.1.0',
      info,
      paths,
      components: {
        securitySchemes: {
          bearerAuth: {
            type: 'http',
            scheme: 'bearer',
            description: 'The token from the environment variable named by http.token_env.',
          },
        },
      },
    };
  }
}

function toParameters(schema: JsonSchema | undefined, where: 'path' | 'query'): Array<Record<string, unknown>> {
  if (!schema || typeof schema.properties !== 'object') return [];
  const required = new Set(Array.isArray(schema.required) ? (schema.required as string[]) : []);
  return Object.entries(schema.properties as Record<string, JsonSchema>).map(([name, s]) => {
    const { description, ...rest } = s as JsonSchema & { description?: string };
    return {
      name,
      in: where,
      required: where === 'path' || required.has(name),
      ...(description ? { description } : {}),
      schema: rest,
    };
  });
}
