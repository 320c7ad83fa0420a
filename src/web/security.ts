/**
 * Response headers every answer carries, and the Host check.
 *
 * - CSP: nothing but this origin; no inline script or style (`script-src 'self'`), no
 *   framing (`frame-ancestors 'none'`), forms post only here. Device-sourced text that got
 *   past escaping still could not run.
 * - nosniff, no referrer (context names in URLs stay here), no caching of state.
 * - Host: bound to loopback, only loopback names are answered. This defeats DNS rebinding,
 *   where a web page the operator visits resolves its own name to 127.0.0.1 to read the
 *   open-on-loopback API.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { isLoopbackHost } from './auth.js';

export const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');

export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': CSP,
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'permissions-policy': 'camera=(), microphone=(), geolocation=()',
};

export function applySecurityHeaders(reply: FastifyReply): void {
  for (const [k, v] of Object.entries(SECURITY_HEADERS)) reply.header(k, v);
  if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
}

/** The host part of a Host header (`[::1]:8080` -> `::1`). */
export function hostName(header: string | undefined): string | undefined {
  if (!header || header.length > 300) return undefined;
  const h = header.trim().toLowerCase();
  if (h.startsWith('[')) {
    const end = h.indexOf(']');
    return end > 0 ? h.slice(1, end) : undefined;
  }
  const i = h.lastIndexOf(':');
  return i >= 0 && h.indexOf(':') === i ? h.slice(0, i) : h;
}

/** Names a loopback-bound server answers to: loopback names, plus the external URL's host. */
export function allowedHost(req: FastifyRequest, extra: readonly string[]): boolean {
  const name = hostName(req.headers.host);
  if (name === undefined) return false;
  return isLoopbackHost(name) || extra.includes(name);
}
