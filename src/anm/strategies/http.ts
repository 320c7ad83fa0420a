/**
 * The `http` strategy: replay the request ANM's own "CLI > ANM Sync" button makes, after
 * a form login whose session cookie is kept. The request is whatever the operator
 * captured from their ANM (samples/anm/README.md); the defaults match the simulator.
 *
 * Session expiry is recognised the way Java web apps signal it: 401, a redirect to the
 * login page, or (optionally) a 200 that is the login page. Then the strategy logs in
 * once more and repeats the request once.
 */
import type { HttpStrategyConfig } from '../../config/sections/anm.js';
import type { Logger } from '../../core/log.js';
import { silentLogger } from '../../core/log.js';
import { anmError, AnmError } from '../anm-error.js';
import type { CircuitBreaker } from '../breaker.js';
import { CookieJar } from '../cookie-jar.js';
import { setCookies, type HttpResponse, type HttpTransport } from '../http-transport.js';
import { formEncode, renderRecord, renderTemplate, type TemplateVars } from '../template.js';
import type { UploadJob, UploadOptions, UploadResult, UploadStrategy } from '../strategy.js';
import { DeadlineExceeded, snippet, withDeadline } from './common.js';

export interface HttpStrategyOptions {
  config: HttpStrategyConfig;
  transport: HttpTransport;
  username: string;
  /** Resolved password; only ever rendered into the login fields. */
  password: string;
  /** Per-request deadline (anm.timeout_ms). */
  requestTimeoutMs: number;
  breaker?: CircuitBreaker;
  logger?: Logger;
}

export class HttpUploadStrategy implements UploadStrategy {
  readonly name = 'http' as const;
  readonly #cfg: HttpStrategyConfig;
  readonly #t: HttpTransport;
  readonly #user: string;
  readonly #password: string;
  readonly #reqTimeout: number;
  readonly #breaker?: CircuitBreaker;
  readonly #log: Logger;
  readonly #jar = new CookieJar();
  readonly #loginLocation: RegExp;
  readonly #loginPage?: RegExp;
  readonly #success: RegExp;
  #loginInFlight: Promise<void> | undefined;
  readonly #stats = { logins: 0, uploads: 0 };

  constructor(opts: HttpStrategyOptions) {
    this.#cfg = opts.config;
    this.#t = opts.transport;
    this.#user = opts.username;
    this.#password = opts.password;
    this.#reqTimeout = opts.requestTimeoutMs;
    this.#breaker = opts.breaker;
    this.#log = (opts.logger ?? silentLogger).child({
      component: 'anm-upload',
      strategy: 'http',
      anm: opts.transport.origin,
    });
    this.#loginLocation = new RegExp(opts.config.login.login_location_regex, 'i');
    if (opts.config.login.login_page_regex !== undefined)
      this.#loginPage = new RegExp(opts.config.login.login_page_regex, 'i');
    this.#success = new RegExp(opts.config.success.body_regex);
  }

  get stats(): { logins: number; uploads: number } {
    return { ...this.#stats };
  }

  async upload(job: UploadJob, opts: UploadOptions): Promise<UploadResult> {
    const started = Date.now();
    const what = `upload of ${job.device}/${job.context} via http`;
    return withDeadline(opts, this.#cfg.timeout_ms, what, async (signal) => {
      const login = this.#cfg.login.enabled;
      if (login && this.#jar.size === 0) await this.#login(signal);
      let res = await this.#sync(job, signal);
      if (login && this.#isLoginResponse(res)) {
        this.#log.info({ status: res.status }, 'ANM session expired: logging in again');
        this.#jar.clear();
        await this.#login(signal);
        res = await this.#sync(job, signal);
        if (this.#isLoginResponse(res))
          throw anmError(
            'ACESYNC_UPLOAD',
            'auth',
            `${what}: ANM still asks for a login right after logging in (HTTP ${res.status}); check anm.strategy.login`,
            { target: this.#t.origin, status: res.status, retryable: false },
          );
      }
      this.#check(res, what);
      this.#stats.uploads++;
      return {
        outcome: 'ok',
        strategy: 'http',
        status: res.status,
        durationMs: Date.now() - started,
        detail: `HTTP ${res.status}: ${snippet(res.body, 120)}`,
        ...(job.jobId !== undefined ? { jobId: job.jobId } : {}),
      };
    });
  }

  async close(): Promise<void> {
    this.#t.close();
  }

  #vars(job: UploadJob): TemplateVars {
    return {
      device: job.device,
      context: job.context,
      address: job.address,
      peer: job.peer ?? '',
      job_id: job.jobId !== undefined ? String(job.jobId) : '',
      username: this.#user,
      anm_url: this.#t.origin,
    };
  }

  async #sync(job: UploadJob, signal: AbortSignal): Promise<HttpResponse> {
    const r = this.#cfg.request;
    const vars = this.#vars(job);
    const url = this.#t.resolve(renderTemplate(r.path, vars, encodeURIComponent));
    for (const [k, v] of renderRecord(r.query, vars)) url.searchParams.append(k, v);
    const headers: Record<string, string> = Object.fromEntries(renderRecord(r.headers, vars));
    const fields = renderRecord(r.fields, vars);
    let body: string | undefined;
    if (r.method === 'GET') for (const [k, v] of fields) url.searchParams.append(k, v);
    else if (r.body_format === 'json') {
      body = JSON.stringify(Object.fromEntries(fields));
      headers['content-type'] ??= 'application/json';
    } else {
      body = formEncode(fields);
      headers['content-type'] ??= 'application/x-www-form-urlencoded';
    }
    return this.#send(r.method, url.pathname + url.search, headers, body, signal);
  }

  async #login(signal: AbortSignal): Promise<void> {
    // Concurrent uploads share one login.
    this.#loginInFlight ??= this.#doLogin(signal).finally(() => {
      this.#loginInFlight = undefined;
    });
    return this.#loginInFlight;
  }

  async #doLogin(signal: AbortSignal): Promise<void> {
    const l = this.#cfg.login;
    const fields = renderRecord(l.fields, { username: this.#user, password: this.#password });
    const headers: Record<string, string> = {};
    let path = renderTemplate(l.path, {}, encodeURIComponent);
    let body: string | undefined;
    if (l.method === 'GET') path += (path.includes('?') ? '&' : '?') + formEncode(fields);
    else {
      body = formEncode(fields);
      headers['content-type'] = 'application/x-www-form-urlencoded';
    }
    const res = await this.#send(l.method, path, headers, body, signal);
    const target = this.#t.origin;
    if (res.status >= 500)
      throw anmError('ACESYNC_UPLOAD', 'http-5xx', `ANM login: HTTP ${res.status}`, { target, status: res.status });
    // A refused login is final: repeating a bad password can lock the account.
    if (res.status >= 400 || this.#isLoginResponse(res))
      throw anmError(
        'ACESYNC_UPLOAD',
        'auth',
        `ANM refused the login of '${this.#user}' (HTTP ${res.status}${res.headers.location ? ` to ${snippet(String(res.headers.location), 80)}` : ''})`,
        { target, status: res.status, retryable: false },
      );
    if (this.#jar.size === 0)
      throw anmError(
        'ACESYNC_UPLOAD',
        'auth',
        `ANM login answered HTTP ${res.status} but set no session cookie; check anm.strategy.login`,
        { target, status: res.status, retryable: false },
      );
    this.#stats.logins++;
    this.#log.debug('logged in to ANM web UI');
  }

  async #send(
    method: string,
    path: string,
    headers: Record<string, string>,
    body: string | undefined,
    signal: AbortSignal,
  ): Promise<HttpResponse> {
    const run = async (): Promise<HttpResponse> => {
      const cookie = this.#jar.header();
      const res = await this.#t
        .request({
          method,
          url: path,
          headers: { accept: '*/*', ...headers, ...(cookie !== undefined ? { cookie } : {}) },
          ...(body !== undefined ? { body } : {}),
          timeoutMs: this.#reqTimeout,
          signal,
        })
        .catch((e: unknown) => {
          // Our own upload deadline cut a request ANM did not answer: that is a timeout
          // (it counts against the breaker), not a cancellation.
          if (e instanceof AnmError && e.kind === 'aborted' && signal.reason instanceof DeadlineExceeded)
            throw anmError(
              'ACESYNC_UPLOAD',
              'timeout',
              `ANM ${method} ${path.split('?')[0]}: no answer before the upload deadline`,
              { target: this.#t.origin, cause: e },
            );
          throw e;
        });
      this.#jar.store(setCookies(res));
      // 5xx is a server-health failure for the breaker; throw it inside the breaker's run.
      if (res.status >= 500)
        throw anmError(
          'ACESYNC_UPLOAD',
          'http-5xx',
          `ANM ${method} ${path.split('?')[0]}: HTTP ${res.status}: ${snippet(res.body, 120)}`,
          { target: this.#t.origin, status: res.status },
        );
      return res;
    };
    // A cancellation (shutdown) says nothing about ANM's health.
    return this.#breaker ? this.#breaker.run(run, (e) => e instanceof AnmError && e.kind === 'aborted') : run();
  }

  #isLoginResponse(res: HttpResponse): boolean {
    if (res.status === 401) return true;
    if (res.status >= 300 && res.status < 400 && typeof res.headers.location === 'string')
      return this.#loginLocation.test(res.headers.location);
    return res.status === 200 && this.#loginPage !== undefined && this.#loginPage.test(res.body);
  }

  #check(res: HttpResponse, what: string): void {
    const target = this.#t.origin;
    const okStatus = this.#cfg.success.status.includes(res.status);
    if (okStatus && this.#success.test(res.body)) return;
    if (res.status === 403)
      throw anmError('ACESYNC_UPLOAD', 'auth', `${what}: HTTP 403 (the ANM account may lack the right to sync)`, {
        target,
        status: res.status,
        retryable: false,
      });
    if (res.status >= 400)
      throw anmError('ACESYNC_UPLOAD', 'http-4xx', `${what}: HTTP ${res.status}: ${snippet(res.body)}`, {
        target,
        status: res.status,
      });
    // Answered, but not the success we expect: ANM may have failed to reach the ACE. Retry.
    throw anmError(
      'ACESYNC_UPLOAD',
      'criteria',
      `${what}: HTTP ${res.status} does not meet the success criteria (status ${this.#cfg.success.status.join('/')}, body /${this.#cfg.success.body_regex}/): ${snippet(res.body)}`,
      { target, status: res.status },
    );
  }
}
