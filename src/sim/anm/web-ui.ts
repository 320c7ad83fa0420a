/**
 * The simulated ANM web GUI, as far as acesync's `http` strategy uses it: a Java EE
 * style form login (`j_security_check`, JSESSIONID cookie, redirect to the login page
 * when the session is missing) and the "CLI > ANM Sync" action. Like ANM, the sync
 * reads the context's running-config from the ACE over SSH and stores it as ANM's copy;
 * an Admin sync also imports the user contexts it finds (`context NAME` lines).
 *
 * The paths and field names are the simulator's own; they are the defaults of the
 * `http` strategy. A real ANM's request must be captured (samples/anm/README.md).
 */
import type { AnmSimState, SimDevice } from './state.js';

export interface WebRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  secure: boolean;
}

export interface WebReply {
  status: number;
  headers?: Record<string, string | string[]>;
  body?: string;
}

export interface AceLogin {
  host: string;
  port: number;
  username: string;
  password?: string;
  hostKeySha256?: string;
}

/** How the simulator reads a context's running-config from the ACE (SSH in production, injectable in tests). */
export type FetchRunningConfig = (
  device: AceLogin,
  context: string,
  opts: { signal: AbortSignal; timeoutMs: number },
) => Promise<string>;

export const WEB_PATHS = {
  loginPage: '/anm/login.jsp',
  login: '/anm/j_security_check',
  logout: '/anm/logout.do',
  home: '/anm/index.do',
  sync: '/anm/virtualContext/syncCliToAnm.do',
} as const;

const SESSION_COOKIE = 'JSESSIONID';
const MAX_CONCURRENT_FETCHES = 8;
const MAX_WAITING_FETCHES = 256;

function cookieValue(header: string | string[] | undefined, name: string): string | undefined {
  const all = Array.isArray(header) ? header.join('; ') : (header ?? '');
  for (const part of all.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

const json = (status: number, obj: unknown): WebReply => ({
  status,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(obj),
});
const redirect = (location: string, extra: Record<string, string | string[]> = {}): WebReply => ({
  status: 302,
  headers: { location, ...extra },
});
const html = (body: string): WebReply => ({
  status: 200,
  headers: { 'content-type': 'text/html; charset=utf-8' },
  body,
});
const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** User contexts an Admin running-config defines. */
export function contextsInAdminConfig(config: string): string[] {
  const out: string[] = [];
  for (const m of config.matchAll(/^context ([A-Za-z0-9_.-]{1,64})\s*$/gm)) out.push(m[1]!);
  return out;
}

export class WebUi {
  readonly #state: AnmSimState;
  readonly #fetch: FetchRunningConfig;
  readonly #fetchTimeoutMs: number;
  readonly #closing = new AbortController();
  #active = 0;
  readonly #waiting: Array<() => void> = [];

  constructor(state: AnmSimState, fetch: FetchRunningConfig, fetchTimeoutMs: number) {
    this.#state = state;
    this.#fetch = fetch;
    this.#fetchTimeoutMs = fetchTimeoutMs;
  }

  /** Abort running fetches (simulator shutdown). */
  close(): void {
    this.#closing.abort();
  }

  /** Answer a GUI request, or undefined when the path is not the GUI's. */
  async handle(req: WebRequest): Promise<WebReply | undefined> {
    const sid = cookieValue(req.headers.cookie, SESSION_COOKIE);
    const user = this.#state.session('web', sid);
    switch (req.path) {
      case WEB_PATHS.loginPage:
        return html(
          `<html><body><h1>ANM simulator</h1>${req.query.has('error') ? '<p class="error">Invalid user name or password</p>' : ''}` +
            `<form method="POST" action="${WEB_PATHS.login}"><input name="j_username"/><input type="password" name="j_password"/><button>Login</button></form></body></html>`,
        );
      case WEB_PATHS.login: {
        if (req.method !== 'POST') return { status: 405, headers: { allow: 'POST' } };
        const form = new URLSearchParams(req.body);
        const u = form.get('j_username') ?? '';
        if (!this.#state.checkPassword(u, form.get('j_password') ?? '')) {
          this.#state.counters.webLoginFailures++;
          return redirect(`${WEB_PATHS.loginPage}?error=1`);
        }
        this.#state.counters.webLogins++;
        const id = this.#state.openSession('web', u);
        return redirect(WEB_PATHS.home, {
          'set-cookie': `${SESSION_COOKIE}=${id}; Path=/anm; HttpOnly${req.secure ? '; Secure' : ''}`,
        });
      }
      case WEB_PATHS.logout:
        if (sid) this.#state.closeSession('web', sid);
        return redirect(WEB_PATHS.loginPage, { 'set-cookie': `${SESSION_COOKIE}=; Path=/anm; Max-Age=0` });
      case WEB_PATHS.home:
        if (!user) return redirect(WEB_PATHS.loginPage);
        return html(
          `<html><body><h1>ANM simulator</h1><p>Logged in as ${esc(user)}</p><ul>` +
            [...this.#state.devices.values()]
              .map((d) => `<li>${esc(d.name)} (${esc(d.address)}): ${d.contexts.map(esc).join(', ')}</li>`)
              .join('') +
            '</ul></body></html>',
        );
      case WEB_PATHS.sync:
        if (!user) return redirect(WEB_PATHS.loginPage);
        return this.#sync(req, user);
      default:
        return undefined;
    }
  }

  async #sync(req: WebRequest, user: string): Promise<WebReply> {
    const form = req.method === 'GET' ? req.query : new URLSearchParams(req.body);
    const direction = form.get('direction') ?? 'CLI_TO_ANM';
    if (direction !== 'CLI_TO_ANM')
      return json(400, { result: 'error', message: `direction ${direction.slice(0, 40)} is not simulated` });
    const device = this.#state.findDevice(form.get('deviceName') ?? undefined, form.get('deviceIp') ?? undefined);
    const context = form.get('contextName') ?? '';
    if (!device) return json(404, { result: 'error', message: 'device not found in ANM' });
    if (!device.contexts.includes(context))
      return json(404, {
        result: 'error',
        message: `context ${context.slice(0, 64)} is not imported in ANM for ${device.name}`,
      });
    if (this.#waiting.length >= MAX_WAITING_FETCHES)
      return json(503, { result: 'error', message: 'too many syncs in progress' });
    this.#state.counters.syncs++;
    await this.#slot();
    try {
      return await this.#fetchAndStore(device, context, user);
    } finally {
      this.#active--;
      this.#waiting.shift()?.();
    }
  }

  async #fetchAndStore(device: SimDevice, context: string, user: string): Promise<WebReply> {
    const signal = AbortSignal.any([this.#closing.signal, AbortSignal.timeout(this.#fetchTimeoutMs)]);
    let config: string;
    try {
      config = await this.#fetch({ ...device.ssh }, context, { signal, timeoutMs: this.#fetchTimeoutMs });
    } catch (e) {
      const error = `could not read the running-config of ${context} from ${device.name}: ${(e as Error).message.slice(0, 200)}`;
      this.#state.counters.syncFailures++;
      this.#state.record({ device: device.name, context, at: this.#state.now(), user, ok: false, error });
      // ANM shows the failure in the page; the HTTP request itself succeeds.
      return json(200, { result: 'error', message: error });
    }
    const copy = this.#state.storeCopy(device, context, config, user);
    const imported = context === 'Admin' ? this.#state.importContexts(device, contextsInAdminConfig(config)) : [];
    this.#state.record({
      device: device.name,
      context,
      at: copy.at,
      user,
      ok: true,
      sha256: copy.sha256,
      bytes: Buffer.byteLength(config),
      ...(imported.length ? { imported } : {}),
    });
    return json(200, {
      result: 'success',
      message: `CLI > ANM Sync completed for ${device.name}/${context}`,
      sha256: copy.sha256,
      imported,
    });
  }

  #slot(): Promise<void> {
    if (this.#active < MAX_CONCURRENT_FETCHES) {
      this.#active++;
      return Promise.resolve();
    }
    return new Promise((resolveP) =>
      this.#waiting.push(() => {
        this.#active++;
        resolveP();
      }),
    );
  }
}
