/**
 * Turn a browser HAR export of the operator's own click on ANM's sync button into the
 * `anm.strategy` block of the `http` strategy (config/sections/anm.ts). Pure: text in,
 * a proposal out. What is never copied: cookies, Authorization headers, passwords, session
 * ids (cookies, `;jsessionid=` path parameters, session-like query fields). A request that
 * carries a per-page token (a CSRF-looking field or header, or any value that an earlier
 * response handed out) cannot be replayed from a template: that is said, and the `command`
 * strategy is proposed instead.
 */
import { AcesyncError } from '../core/errors.js';

export interface HarNameValue {
  name: string;
  value: string;
}

interface HarEntry {
  index: number;
  method: string;
  url: URL;
  headers: HarNameValue[];
  query: HarNameValue[];
  /** Form or JSON fields of the body, in order. */
  fields: HarNameValue[];
  bodyFormat: 'none' | 'form' | 'json' | 'other';
  /** A JSON body that is not one flat object of scalars. */
  nestedJson: boolean;
  status: number;
  responseHeaders: HarNameValue[];
  responseText: string;
  responseLocation?: string;
}

export interface HarImportOptions {
  device?: string;
  context?: string;
  address?: string;
}

export interface HttpStrategyProposal {
  type: 'http';
  login: { enabled: boolean; method?: 'POST' | 'GET'; path?: string; fields?: Record<string, string> };
  request: {
    method: 'POST' | 'GET' | 'PUT';
    path: string;
    query: Record<string, string>;
    fields: Record<string, string>;
    headers: Record<string, string>;
    body_format: 'form' | 'json';
  };
  success: { status: number[]; body_regex: string };
}

export interface PerPageToken {
  where: 'field' | 'header' | 'query';
  name: string;
  /** The value was handed out by an earlier response (page, header or cookie) of the capture. */
  fromEarlierResponse: boolean;
}

export interface HarImport {
  /** Origin of ANM as captured, e.g. https://anm.example:8443. */
  origin: string;
  /** The http block, unless a per-page token makes it unusable. */
  strategy?: HttpStrategyProposal;
  token?: PerPageToken;
  /** Which requests were taken (method and path, no values). */
  loginRequest?: string;
  syncRequest: string;
  /** What the operator should check (comment lines). */
  notes: string[];
  /** Values found for the placeholders (the device/context/address the capture was made on). */
  found: { device?: string; context?: string; address?: string };
}

/** Bad input: not a HAR, or no sync request in it. The CLI exits 2. */
export class HarError extends AcesyncError {
  constructor(message: string) {
    super('ACESYNC_USAGE', message);
  }
}

const MAX_ENTRIES = 5000;
const MAX_TEXT = 256 * 1024;
const IPV4 = /^(?:\d{1,3}\.){3}\d{1,3}$/;
const TOKEN_NAME = /csrf|xsrf|token|nonce|viewstate|struts\.token|__requestverification|authenticity|_sourcepage|__fp/i;
const SESSION_NAME = /^(?:jsessionid|sessionid|session|sid|phpsessid|aspsessionid\w*)$/i;
const PASSWORD_NAME = /pass(?:word)?|passwd|pwd|secret/i;
const USER_NAME = /user|uname|account|^login$|^email$/i;
/** Request headers never copied: the browser's, the session's, and those acesync sets itself. */
const DROPPED_HEADERS =
  /^(?::.*|cookie|authorization|proxy-authorization|host|content-length|content-type|connection|origin|referer|user-agent|accept(?:-.*)?|sec-.*|cache-control|pragma|upgrade-insecure-requests|te|dnt|priority|keep-alive|if-.*)$/i;
const STATIC = /\.(?:js|css|png|gif|jpe?g|svg|ico|woff2?|ttf|map)$/i;
const SYNC_WORDS = /sync|upload|clitoanm|cli_to_anm|cli-to-anm|refresh|import/i;
const LOGIN_PATH = /j_security_check|login|signin|logon|auth/i;

function str(v: unknown, max = MAX_TEXT): string {
  return typeof v === 'string' ? v.slice(0, max) : typeof v === 'number' ? String(v) : '';
}

function pairs(v: unknown): HarNameValue[] {
  if (!Array.isArray(v)) return [];
  return v
    .slice(0, 500)
    .filter((x): x is Record<string, unknown> => typeof x === 'object' && x !== null)
    .map((x) => ({ name: str(x.name, 256), value: str(x.value, 8192) }))
    .filter((x) => x.name !== '');
}

function header(list: HarNameValue[], name: string): string | undefined {
  return list.find((h) => h.name.toLowerCase() === name)?.value;
}

function parseEntry(raw: unknown, index: number): HarEntry | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const e = raw as { request?: Record<string, unknown>; response?: Record<string, unknown> };
  const req = e.request;
  if (!req || typeof req !== 'object') return undefined;
  let url: URL;
  try {
    url = new URL(str(req.url, 8192));
  } catch {
    return undefined;
  }
  const headers = pairs(req.headers);
  const post = (req.postData ?? {}) as { mimeType?: unknown; text?: unknown; params?: unknown };
  const mime = (str(post.mimeType, 200) || header(headers, 'content-type') || '').toLowerCase();
  const text = str(post.text);
  let fields: HarNameValue[] = [];
  let bodyFormat: HarEntry['bodyFormat'] = text === '' && pairs(post.params).length === 0 ? 'none' : 'other';
  let nestedJson = false;
  if (mime.includes('json') || /^\s*\{/.test(text)) {
    try {
      const obj = JSON.parse(text) as unknown;
      if (obj && typeof obj === 'object' && !Array.isArray(obj)) {
        bodyFormat = 'json';
        for (const [k, v] of Object.entries(obj as Record<string, unknown>)) {
          if (v === null || typeof v === 'object') nestedJson = true;
          else fields.push({ name: k, value: String(v) });
        }
      } else nestedJson = true;
    } catch {
      bodyFormat = 'other';
    }
  } else if (mime.includes('x-www-form-urlencoded') || (bodyFormat !== 'none' && /^[^=&\s]+=/.test(text))) {
    bodyFormat = 'form';
    const params = pairs(post.params);
    fields = params.length > 0 ? params : [...new URLSearchParams(text)].map(([name, value]) => ({ name, value }));
  }
  const res = (e.response ?? {}) as { status?: unknown; headers?: unknown; content?: { text?: unknown } };
  const responseHeaders = pairs(res.headers);
  const location = header(responseHeaders, 'location');
  return {
    index,
    method: str(req.method, 16).toUpperCase() || 'GET',
    url,
    headers,
    query: [...url.searchParams].map(([name, value]) => ({ name, value })),
    fields,
    bodyFormat,
    nestedJson,
    status: typeof res.status === 'number' ? res.status : 0,
    responseHeaders,
    responseText: str(res.content?.text),
    ...(location !== undefined ? { responseLocation: location } : {}),
  };
}

export function parseHar(text: string): HarEntry[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new HarError(`not a HAR file: the JSON does not parse (${(e as Error).message.slice(0, 120)})`);
  }
  const entries = (doc as { log?: { entries?: unknown } } | null)?.log?.entries;
  if (!Array.isArray(entries))
    throw new HarError('not a HAR file: no log.entries array (export it from the Network tab: "Save all as HAR")');
  const out: HarEntry[] = [];
  entries.slice(0, MAX_ENTRIES).forEach((raw, i) => {
    const e = parseEntry(raw, i);
    if (e) out.push(e);
  });
  if (out.length === 0) throw new HarError('the HAR has no request with a readable URL');
  return out;
}

/** `/anm/x.do;jsessionid=ABC` -> `/anm/x.do`. */
function cleanPath(p: string): string {
  return p.replace(/;jsessionid=[^/?#]*/gi, '');
}

const isLogin = (e: HarEntry): boolean =>
  e.method === 'POST' &&
  (e.fields.some((f) => PASSWORD_NAME.test(f.name)) || (LOGIN_PATH.test(e.url.pathname) && e.fields.length > 0));

function mentions(e: HarEntry, v: string | undefined): boolean {
  if (v === undefined || v === '') return false;
  return (
    e.url.pathname.includes(v) || e.query.some((q) => q.value.includes(v)) || e.fields.some((f) => f.value.includes(v))
  );
}

function syncScore(e: HarEntry, o: HarImportOptions): number {
  if (isLogin(e) || STATIC.test(e.url.pathname)) return 0;
  let s = 0;
  if (SYNC_WORDS.test(e.url.pathname)) s += 4;
  if ([...e.query, ...e.fields].some((f) => SYNC_WORDS.test(f.name) || SYNC_WORDS.test(f.value))) s += 2;
  if (e.method !== 'GET') s += 1;
  if (mentions(e, o.context)) s += 3;
  if (mentions(e, o.device)) s += 2;
  if (mentions(e, o.address)) s += 2;
  if (s > 0 && e.status >= 200 && e.status < 300) s += 1;
  return s;
}

/** Guess which captured value is the device, the context and the address from field names. */
function guessValues(e: HarEntry, o: HarImportOptions): HarImport['found'] {
  const found: HarImport['found'] = { ...o };
  for (const f of [...e.fields, ...e.query]) {
    const n = f.name.toLowerCase();
    if (f.value === '') continue;
    if (found.address === undefined && IPV4.test(f.value) && /ip|addr|host|mgmt/.test(n)) found.address = f.value;
    else if (found.context === undefined && /context|ctx|vc/.test(n) && !IPV4.test(f.value)) found.context = f.value;
    else if (found.device === undefined && /device|ace|chassis/.test(n) && !IPV4.test(f.value) && !/type/.test(n))
      found.device = f.value;
  }
  return found;
}

function templated(value: string, found: HarImport['found']): string {
  // Longest first, so "ace-a/VC_WEB" is not cut by a shorter match; whole values first.
  const subs: Array<[string, string]> = (
    [
      [found.address, '{{address}}'],
      [found.context, '{{context}}'],
      [found.device, '{{device}}'],
    ] as Array<[string | undefined, string]>
  )
    .filter((x): x is [string, string] => x[0] !== undefined && x[0] !== '')
    .sort((a, b) => b[0].length - a[0].length);
  for (const [v, t] of subs) if (value === v) return t;
  let out = value;
  for (const [v, t] of subs) if (v.length >= 3) out = out.split(v).join(t);
  // A literal `{{` from the capture would be read as a placeholder.
  return out.replace(/\{\{(?!(?:address|context|device)\}\})/g, '{ {');
}

/** A value handed out earlier: in a response body, a response header or a Set-Cookie. */
function handedOutBefore(entries: HarEntry[], before: number, value: string): boolean {
  if (value.length < 8) return false;
  return entries.some(
    (e) =>
      e.index < before && (e.responseText.includes(value) || e.responseHeaders.some((h) => h.value.includes(value))),
  );
}

function findToken(entries: HarEntry[], sync: HarEntry, found: HarImport['found']): PerPageToken | undefined {
  const ours = new Set([found.device, found.context, found.address].filter((x): x is string => x !== undefined));
  let best: { t: PerPageToken; score: number } | undefined;
  const check = (where: PerPageToken['where'], list: HarNameValue[]): void => {
    for (const f of list) {
      if (where === 'header' && /^(?:cookie|authorization)$/i.test(f.name)) continue;
      if (SESSION_NAME.test(f.name)) continue;
      const earlier = !ours.has(f.value) && handedOutBefore(entries, sync.index, f.value);
      const random = /^[A-Za-z0-9+/=_-]{16,}$/.test(f.value);
      if (!TOKEN_NAME.test(f.name) && !(earlier && random)) continue;
      // The most token-like wins: handed out earlier, random-looking, token-named.
      const score = (earlier ? 4 : 0) + (random ? 2 : 0) + (TOKEN_NAME.test(f.name) ? 1 : 0);
      if (!best || score > best.score)
        best = { t: { where, name: f.name.slice(0, 80), fromEarlierResponse: earlier }, score };
    }
  };
  check('header', sync.headers);
  check('field', sync.fields);
  check('query', sync.query);
  return best?.t;
}

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** A body regex that matches this success answer and, as far as we can tell, not a failure. */
export function suggestBodyRegex(body: string): { regex: string; note?: string } {
  const t = body.trim();
  if (t.startsWith('{')) {
    try {
      const obj = JSON.parse(t) as Record<string, unknown>;
      for (const k of ['result', 'status', 'outcome', 'state']) {
        const v = obj[k];
        if (typeof v === 'string' && v.length <= 40)
          return { regex: `"${escapeRegex(k)}"\\s*:\\s*"${escapeRegex(v)}"` };
      }
      for (const k of ['success', 'ok']) if (obj[k] === true) return { regex: `"${k}"\\s*:\\s*true` };
    } catch {
      /* not JSON after all */
    }
  }
  // A word only, not the sentence: the sentence usually names the context, which changes per job.
  for (const re of [/\bsuccess(?:ful(?:ly)?)?\b/i, /\bsucceeded\b/i, /\bsynchroni[sz]ed\b/i, /\bcompleted?\b/i]) {
    const m = re.exec(t);
    if (m) return { regex: escapeRegex(m[0]) };
  }
  return {
    regex: '.',
    note: 'REVIEW: no success wording in the captured answer; body_regex "." accepts any non-empty answer: compare with a failed sync and tighten it',
  };
}

export function importHar(text: string, o: HarImportOptions = {}): HarImport {
  const entries = parseHar(text);
  const scored = entries.map((e) => ({ e, s: syncScore(e, o) })).filter((x) => x.s > 0);
  if (scored.length === 0)
    throw new HarError(
      'no sync request found in the HAR: capture again with "Preserve log" on, click the sync button ' +
        '(e.g. "CLI > ANM Sync") and export after the answer arrived; --context NAME helps to find it',
    );
  // Highest score; among equals the last one (the click came after the page loads).
  const sync = scored.reduce((a, b) => (b.s >= a.s ? b : a)).e;
  const login = entries.filter((e) => e.index < sync.index && isLogin(e)).pop();
  const found = guessValues(sync, o);
  const notes: string[] = [];
  const origin = sync.url.origin;
  const syncDesc = `${sync.method} ${cleanPath(sync.url.pathname)}`;

  if (found.context === undefined)
    notes.push('REVIEW: no context value recognised: give --context NAME (the context you clicked sync on)');
  if (found.device !== undefined)
    notes.push(
      `{{device}} is acesync's device name; the capture used '${found.device}': if ANM names the ACE differently, use {{address}}`,
    );
  if (/;jsessionid=/i.test(sync.url.pathname))
    notes.push('a ;jsessionid= in the path was dropped (the cookie carries it)');

  const token = findToken(entries, sync, found);
  const result: HarImport = {
    origin,
    syncRequest: syncDesc,
    ...(login ? { loginRequest: `${login.method} ${cleanPath(login.url.pathname)}` } : {}),
    notes,
    found,
  };
  if (token) {
    result.token = token;
    notes.push(
      `the sync request carries a per-page token (${token.where} '${token.name}'` +
        `${token.fromEarlierResponse ? ', its value came from an earlier page of the capture' : ''}): a template cannot replay it. ` +
        'Use the command strategy with a script that loads the page, extracts the token, then posts (samples/anm/upload-via-script.sh)',
    );
    return result;
  }
  if (sync.bodyFormat === 'other' || sync.nestedJson) {
    notes.push(
      'the sync request body is neither a form nor one flat JSON object: a template cannot express it; use the command strategy',
    );
    return result;
  }
  const method = (['POST', 'GET', 'PUT'] as const).find((m) => m === sync.method);
  if (!method) {
    notes.push(
      `the sync request uses ${sync.method.slice(0, 10)}, which the http strategy does not send: use the command strategy`,
    );
    return result;
  }

  const query: Record<string, string> = {};
  for (const q of sync.query) {
    if (SESSION_NAME.test(q.name)) {
      notes.push(`query field '${q.name.slice(0, 40)}' looks like a session id: left out`);
      continue;
    }
    query[q.name] = templated(q.value, found);
  }
  const fields: Record<string, string> = {};
  for (const f of sync.fields) {
    if (PASSWORD_NAME.test(f.name) || SESSION_NAME.test(f.name)) {
      notes.push(`field '${f.name.slice(0, 40)}' looks like a secret or a session id: left out`);
      continue;
    }
    fields[f.name] = templated(f.value, found);
  }
  const headers: Record<string, string> = {};
  for (const h of sync.headers) {
    if (DROPPED_HEADERS.test(h.name)) continue;
    if (!/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/.test(h.name)) continue;
    headers[h.name] = templated(h.value, found);
  }
  let path = templated(cleanPath(sync.url.pathname), found);
  if (!path.startsWith('/')) path = '/' + path;

  let loginBlock: HttpStrategyProposal['login'];
  if (login && login.bodyFormat === 'form') {
    const lf: Record<string, string> = {};
    const userField = login.fields.find((f) => !PASSWORD_NAME.test(f.name) && USER_NAME.test(f.name))?.name;
    for (const f of login.fields) {
      if (PASSWORD_NAME.test(f.name)) lf[f.name] = '{{password}}';
      else if (f.name === userField) lf[f.name] = '{{username}}';
      else if (TOKEN_NAME.test(f.name) || SESSION_NAME.test(f.name)) {
        notes.push(
          `the login form carries '${f.name.slice(0, 40)}' (a per-page token?): left out; if the login fails, use the command strategy`,
        );
      } else lf[f.name] = templated(f.value, {});
    }
    loginBlock = { enabled: true, method: 'POST', path: cleanPath(login.url.pathname), fields: lf };
    if (login.status !== 0 && !(login.status >= 300 && login.status < 400))
      notes.push(
        `the login answered HTTP ${login.status}, not a redirect: set login.login_page_regex to text of the login page`,
      );
  } else if (login) {
    loginBlock = { enabled: true };
    notes.push(
      'REVIEW: the login request is not a form post: the default form login is kept; if it fails, use the command strategy',
    );
  } else {
    loginBlock = { enabled: true };
    notes.push(
      'REVIEW: no login request in the capture (log out and in again while recording): the default j_security_check login is kept',
    );
  }

  const success = suggestBodyRegex(sync.responseText);
  if (success.note) notes.push(success.note);
  if (sync.status >= 300 && sync.status < 400)
    notes.push(
      `the sync answered a redirect (${sync.status}${sync.responseLocation ? ` to ${cleanPath(sync.responseLocation).slice(0, 80)}` : ''}): check what a failure answers`,
    );
  if (sync.status === 0) notes.push('REVIEW: the capture has no answer status for the sync request: 200 assumed');
  result.strategy = {
    type: 'http',
    login: loginBlock,
    request: {
      method,
      path,
      query,
      fields,
      headers,
      body_format: sync.bodyFormat === 'json' ? 'json' : 'form',
    },
    success: { status: [sync.status > 0 ? sync.status : 200], body_regex: success.regex },
  };
  return result;
}
