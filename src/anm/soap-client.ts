/**
 * Client of ANM's documented SOAP `OperationManager` (SOAP 1.1, rpc/literal, namespace
 * http://anm.cisco.com, soapAction ""): login/logout and the inventory listings acesync
 * uses to reconcile ANM's view with its own. There is no sync operation in this API;
 * uploads go through a strategy (strategy.ts).
 *
 * The session token is reused across calls. ANM's fault text for an expired session is
 * not documented, so any `WSException` on a call that carries a token triggers exactly
 * one re-login and retry; a second fault is the answer.
 */
import type { Logger } from '../core/log.js';
import { silentLogger } from '../core/log.js';
import { anmError, AnmError } from './anm-error.js';
import type { CircuitBreaker } from './breaker.js';
import type { HttpTransport } from './http-transport.js';
import { buildSoapRequest, parseSoapResponse, type SoapValue } from './soap-envelope.js';
import { childText, descendant, type XmlElement } from './xml.js';

/** ANM 4.1 WSDL `DeviceType`. */
export const DEVICE_TYPES = ['CAT6K', 'ACE_BLADE', 'VIRTUAL_CONTEXT', 'ACE4710', 'GSS', 'CSS', 'CSM'] as const;
export type DeviceType = (typeof DEVICE_TYPES)[number];

/** ANM's `DeviceID`: for a virtual context, `name` is the context and `ipAddr` the ACE's management address. */
export interface DeviceId {
  name?: string;
  deviceType?: string;
  /** `ipAddr` in the 4.1 XSD, `ipAddress` in the 5.1 docs: both are read into this. */
  ipAddr?: string;
  slot?: string;
  chassisIPAddr?: string;
}

export interface CallOptions {
  signal?: AbortSignal;
  /** Per-request deadline; default the client's. */
  timeoutMs?: number;
}

export interface AnmSoapClientOptions {
  transport: HttpTransport;
  /** Path of the endpoint, default /anm/OperationManager. */
  soapPath?: string;
  username: string;
  /** The resolved password. Kept in memory only; never logged. */
  password: string;
  timeoutMs: number;
  breaker?: CircuitBreaker;
  logger?: Logger;
}

/** Bounds on what ANM's listings may hand us. */
const MAX_ITEMS = 10_000;
const MAX_FIELD = 256;

export class AnmSoapClient {
  readonly #t: HttpTransport;
  readonly #path: string;
  readonly #user: string;
  readonly #password: string;
  readonly #timeoutMs: number;
  readonly #breaker?: CircuitBreaker;
  readonly #log: Logger;
  #sid: string | undefined;
  #loginInFlight: Promise<string> | undefined;
  readonly #stats = { logins: 0, relogins: 0, calls: 0, faults: 0 };

  constructor(opts: AnmSoapClientOptions) {
    this.#t = opts.transport;
    this.#path = opts.soapPath ?? '/anm/OperationManager';
    this.#user = opts.username;
    this.#password = opts.password;
    this.#timeoutMs = opts.timeoutMs;
    this.#breaker = opts.breaker;
    this.#log = (opts.logger ?? silentLogger).child({ component: 'anm-soap', anm: opts.transport.origin });
  }

  get stats(): { logins: number; relogins: number; calls: number; faults: number } {
    return { ...this.#stats };
  }

  /** True while a session token is held. */
  get loggedIn(): boolean {
    return this.#sid !== undefined;
  }

  /** Log in (or reuse the current session) and return nothing: the token stays inside. */
  async login(opts: CallOptions = {}): Promise<void> {
    await this.#session(opts);
  }

  /** End the session, if any. Errors are swallowed: this runs on shutdown. */
  async logout(opts: CallOptions = {}): Promise<void> {
    const sid = this.#sid;
    this.#sid = undefined;
    if (sid === undefined) return;
    try {
      await this.#call('logout', [['sessionToken', { sid }]], opts);
    } catch (err) {
      this.#log.debug({ err: (err as Error).message }, 'ANM logout failed (ignored)');
    }
  }

  /** `listDeviceIds(sessionToken, deviceType)`. */
  async listDeviceIds(deviceType: DeviceType, opts: CallOptions = {}): Promise<DeviceId[]> {
    const body = await this.#authed(
      'listDeviceIds',
      (sid) => [
        ['sessionToken', { sid }],
        ['deviceType', deviceType],
      ],
      opts,
    );
    return readDeviceIds(body);
  }

  /** `listVirtualContexts(sessionToken, DeviceID)`: the contexts of one ACE (module or appliance). */
  async listVirtualContexts(device: DeviceId, opts: CallOptions = {}): Promise<DeviceId[]> {
    const id: SoapValue = {
      name: device.name,
      deviceType: device.deviceType,
      ipAddr: device.ipAddr,
      slot: device.slot,
      chassisIPAddr: device.chassisIPAddr,
    };
    const body = await this.#authed(
      'listVirtualContexts',
      (sid) => [
        ['sessionToken', { sid }],
        ['deviceIDs', id],
      ],
      opts,
    );
    return readDeviceIds(body);
  }

  /** Log out and release sockets. */
  async close(opts: CallOptions = { timeoutMs: 5_000 }): Promise<void> {
    await this.logout(opts);
    this.#t.close();
  }

  async #authed(
    operation: string,
    parts: (sid: string) => Array<[string, SoapValue]>,
    opts: CallOptions,
  ): Promise<XmlElement> {
    const reused = this.#sid !== undefined;
    const sid = await this.#session(opts);
    try {
      return await this.#call(operation, parts(sid), opts);
    } catch (err) {
      // A fault right after a fresh login is not an expired session: it is the answer.
      if (!reused || !(err instanceof AnmError) || err.kind !== 'fault') throw err;
      // Most likely an expired session: drop it (unless another call already replaced it), log in once more, retry
      // once.
      if (this.#sid === sid) this.#sid = undefined;
      this.#stats.relogins++;
      this.#log.info(
        { operation, fault: err.message },
        'ANM fault on a session call: logging in again and retrying once',
      );
      const fresh = await this.#session(opts);
      return this.#call(operation, parts(fresh), opts);
    }
  }

  /** Current token, or a new login. Concurrent callers share one login request. */
  async #session(opts: CallOptions): Promise<string> {
    if (this.#sid !== undefined) return this.#sid;
    if (!this.#loginInFlight) {
      // Not tied to the first caller's signal: other callers wait on this login too.
      this.#loginInFlight = this.#doLogin({ timeoutMs: opts.timeoutMs ?? this.#timeoutMs }).finally(() => {
        this.#loginInFlight = undefined;
      });
    }
    return waitWithSignal(this.#loginInFlight, opts.signal, this.#t.origin);
  }

  async #doLogin(opts: CallOptions): Promise<string> {
    let body: XmlElement;
    try {
      body = await this.#call(
        'login',
        [
          ['user', this.#user],
          ['password', this.#password],
        ],
        opts,
      );
    } catch (err) {
      if (err instanceof AnmError && err.kind === 'fault') {
        // Credentials refused. Not retryable: repeating a bad password can lock the account.
        throw anmError('ACESYNC_ANM_FAULT', 'auth', `ANM refused the login of '${this.#user}': ${err.message}`, {
          target: this.#t.origin,
          retryable: false,
        });
      }
      throw err;
    }
    const sid = descendant(body, 'sid')?.text.trim();
    if (!sid || sid.length > 1024)
      throw anmError('ACESYNC_ANM_HTTP', 'protocol', 'ANM login response carries no SessionToken sid', {
        target: this.#t.origin,
      });
    this.#stats.logins++;
    this.#sid = sid;
    this.#log.debug('logged in to ANM');
    return sid;
  }

  async #call(operation: string, parts: Array<[string, SoapValue]>, opts: CallOptions): Promise<XmlElement> {
    const run = async (): Promise<XmlElement> => {
      this.#stats.calls++;
      const res = await this.#t.request({
        method: 'POST',
        url: this.#path,
        headers: { 'content-type': 'text/xml; charset=utf-8', soapaction: '""', accept: 'text/xml' },
        body: buildSoapRequest(operation, parts),
        timeoutMs: opts.timeoutMs ?? this.#timeoutMs,
        ...(opts.signal ? { signal: opts.signal } : {}),
      });
      const target = this.#t.origin;
      // JAX-WS answers faults with HTTP 500 and a SOAP body: read the body before the status.
      let parsed: ReturnType<typeof parseSoapResponse> | undefined;
      if (res.body.trimStart().startsWith('<') && !res.truncated) {
        try {
          parsed = parseSoapResponse(res.body);
        } catch (e) {
          if (res.status === 200)
            throw anmError(
              'ACESYNC_ANM_HTTP',
              'protocol',
              `ANM ${operation}: unreadable SOAP response (${(e as Error).message})`,
              { target, status: res.status },
            );
        }
      }
      if (parsed?.kind === 'fault') {
        this.#stats.faults++;
        const msg =
          parsed.fault.wsExceptionMessage ||
          parsed.fault.faultstring ||
          parsed.fault.faultcode ||
          'fault without a message';
        throw anmError('ACESYNC_ANM_FAULT', 'fault', `ANM ${operation}: ${msg}`, {
          target,
          status: res.status,
          retryable: false,
        });
      }
      if (res.status === 401 || res.status === 403)
        throw anmError('ACESYNC_ANM_HTTP', 'auth', `ANM ${operation}: HTTP ${res.status}`, {
          target,
          status: res.status,
          retryable: false,
        });
      if (res.status >= 500)
        throw anmError('ACESYNC_ANM_HTTP', 'http-5xx', `ANM ${operation}: HTTP ${res.status}`, {
          target,
          status: res.status,
        });
      if (res.status !== 200)
        throw anmError('ACESYNC_ANM_HTTP', 'http-4xx', `ANM ${operation}: HTTP ${res.status}`, {
          target,
          status: res.status,
          retryable: false,
        });
      if (!parsed)
        throw anmError('ACESYNC_ANM_HTTP', 'protocol', `ANM ${operation}: response is not a SOAP envelope`, {
          target,
          status: res.status,
        });
      return parsed.body;
    };
    return this.#breaker ? this.#breaker.run(run, (e) => e instanceof AnmError && e.kind === 'aborted') : run();
  }
}

/** Read the `item`s of a `DeviceIDArray` wherever the response wraps them (`return`, `DeviceIDArray`). */
export function readDeviceIds(response: XmlElement): DeviceId[] {
  const items: XmlElement[] = [];
  const walk = (el: XmlElement): void => {
    for (const c of el.children) {
      if (items.length >= MAX_ITEMS) return;
      if (c.local === 'item') items.push(c);
      else walk(c);
    }
  };
  walk(response);
  return items.map((it) => {
    const f = (name: string): string | undefined => {
      const v = childText(it, name);
      return v === undefined || v === '' ? undefined : v.slice(0, MAX_FIELD);
    };
    const d: DeviceId = {};
    const name = f('name');
    const deviceType = f('deviceType');
    const ip = f('ipAddr') ?? f('ipAddress');
    const slot = f('slot');
    const chassis = f('chassisIPAddr');
    if (name !== undefined) d.name = name;
    if (deviceType !== undefined) d.deviceType = deviceType;
    if (ip !== undefined) d.ipAddr = ip;
    if (slot !== undefined) d.slot = slot;
    if (chassis !== undefined) d.chassisIPAddr = chassis;
    return d;
  });
}

function waitWithSignal<T>(p: Promise<T>, signal: AbortSignal | undefined, target: string): Promise<T> {
  if (!signal) return p;
  if (signal.aborted) return Promise.reject(anmError('ACESYNC_ANM_HTTP', 'aborted', 'ANM login aborted', { target }));
  return new Promise<T>((resolveP, rejectP) => {
    const onAbort = (): void => rejectP(anmError('ACESYNC_ANM_HTTP', 'aborted', 'ANM login aborted', { target }));
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolveP(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        rejectP(e);
      },
    );
  });
}
