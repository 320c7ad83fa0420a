/**
 * Who may do what. Every mutation needs the API token (`Authorization: Bearer <token>`,
 * or the token field of a page form); the token comes from the environment variable named
 * by `http.token_env` and is read at each request, so it can be rotated with a restart of
 * nothing. When that variable is unset, mutations are refused (ACESYNC_TOKEN_UNSET): an
 * unauthenticated write API is never the default.
 *
 * Reads are open when the server is bound to loopback (the default). Bound elsewhere,
 * reads need the token too: the API by bearer header, the page by a session cookie that
 * `/login` sets (an HMAC of the token, never the token itself).
 *
 * Comparisons are constant-time over SHA-256 digests, so neither content nor length leaks.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { AcesyncError } from '../core/errors.js';

export const SESSION_COOKIE = 'acesync_session';

export function isLoopbackHost(host: string): boolean {
  const h = host
    .trim()
    .toLowerCase()
    .replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^127(\.\d{1,3}){3}$/.test(h) || h === '::ffff:127.0.0.1';
}

const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();

/** Constant-time token comparison. */
export function tokenMatches(presented: string | undefined, expected: string): boolean {
  if (typeof presented !== 'string' || presented.length === 0 || presented.length > 4096) return false;
  return timingSafeEqual(digest(presented), digest(expected));
}

export function bearerOf(req: FastifyRequest): string | undefined {
  const h = req.headers.authorization;
  if (typeof h !== 'string') return undefined;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(h);
  return m ? m[1] : undefined;
}

/** The value of the session cookie for a token. */
export function sessionValue(token: string): string {
  return createHmac('sha256', token).update('acesync-session-v1').digest('base64url');
}

export function cookieOf(req: FastifyRequest, name: string): string | undefined {
  const h = req.headers.cookie;
  if (typeof h !== 'string' || h.length > 8192) return undefined;
  for (const part of h.split(';')) {
    const i = part.indexOf('=');
    if (i > 0 && part.slice(0, i).trim() === name) return part.slice(i + 1).trim();
  }
  return undefined;
}

export interface TokenSource {
  tokenEnv: string;
  env: NodeJS.ProcessEnv;
}

export function currentToken(src: TokenSource): string | undefined {
  const t = src.env[src.tokenEnv];
  return t === undefined || t === '' ? undefined : t;
}

/**
 * Why a request needs the token: it changes state (every mutation, everywhere), or it only
 * reads, from a server bound beyond loopback. The 401 says which, so a GET is never told
 * it "changes state".
 */
export type TokenNeed = 'mutation' | 'read' | 'form';

const MISSING: Readonly<Record<TokenNeed, string>> = {
  mutation: 'this request changes state: it needs the API token (Authorization: Bearer <token>)',
  form: 'this request changes state: it needs the API token (the token field of the form)',
  read: 'this server is reachable beyond loopback, so reading needs the API token too (Authorization: Bearer <token>, or log in at /login)',
};

/** Throws unless `presented` is the API token. */
export function requireToken(src: TokenSource, presented: string | undefined, need: TokenNeed = 'mutation'): void {
  const token = currentToken(src);
  if (token === undefined)
    throw new AcesyncError(
      'ACESYNC_TOKEN_UNSET',
      `mutations are disabled: set the environment variable ${src.tokenEnv} (http.token_env) to an API token and restart`,
    );
  if (presented === undefined || presented === '') throw new AcesyncError('ACESYNC_UNAUTHORIZED', MISSING[need]);
  if (!tokenMatches(presented, token)) throw new AcesyncError('ACESYNC_UNAUTHORIZED', 'the token is not valid');
}

/** May this request read (bound off loopback: token or session needed)? */
export function readAllowed(src: TokenSource, req: FastifyRequest): boolean {
  const token = currentToken(src);
  if (token === undefined) return false;
  const bearer = bearerOf(req);
  if (bearer !== undefined) return tokenMatches(bearer, token);
  const cookie = cookieOf(req, SESSION_COOKIE);
  return cookie !== undefined && tokenMatches(cookie, sessionValue(token));
}
