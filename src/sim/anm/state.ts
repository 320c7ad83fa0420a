/**
 * What the simulated ANM holds: imported devices and contexts, its copy of each
 * context's configuration, sessions, an upload history and call counters. Tests read it
 * (directly or through the control API) to check what acesync made ANM do.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Clock } from '../../core/clock.js';
import { systemClock } from '../../core/clock.js';

export interface SimDevice {
  name: string;
  /** ANM's identity of the ACE: the management address it was imported with. */
  address: string;
  deviceType: 'ACE4710' | 'ACE_BLADE';
  slot?: number;
  chassisIp?: string;
  contexts: string[];
  ssh: { host: string; port: number; username: string; password?: string; hostKeySha256?: string };
}

/** ANM's copy of one context. */
export interface AnmCopy {
  device: string;
  context: string;
  config: string;
  sha256: string;
  at: number;
  user: string;
}

export interface UploadRecord {
  device: string;
  context: string;
  at: number;
  user: string;
  ok: boolean;
  sha256?: string;
  bytes?: number;
  error?: string;
  /** Contexts this (Admin) sync imported. */
  imported?: string[];
}

export interface SimCounters {
  requests: number;
  soap: Record<string, number>;
  soapFaults: number;
  webLogins: number;
  webLoginFailures: number;
  syncs: number;
  syncFailures: number;
  /** Requests answered 500, hung or delayed on purpose. */
  injected: number;
}

interface Session {
  user: string;
  expires: number;
}

const MAX_SESSIONS = 1_000;
const MAX_HISTORY = 10_000;
const MAX_CONTEXTS_PER_DEVICE = 250;

export const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');

export class AnmSimState {
  readonly devices = new Map<string, SimDevice>();
  readonly copies = new Map<string, AnmCopy>();
  readonly history: UploadRecord[] = [];
  counters: SimCounters = AnmSimState.zeroCounters();
  readonly #users: Map<string, string>;
  readonly #soapSessions = new Map<string, Session>();
  readonly #webSessions = new Map<string, Session>();
  readonly #clock: Clock;
  tokenTtlMs: number;

  constructor(opts: { users: Map<string, string>; tokenTtlMs: number; clock?: Clock; devices?: SimDevice[] }) {
    this.#users = opts.users;
    this.tokenTtlMs = opts.tokenTtlMs;
    this.#clock = opts.clock ?? systemClock;
    for (const d of opts.devices ?? []) this.devices.set(d.name, { ...d, contexts: [...new Set(d.contexts)] });
  }

  static zeroCounters(): SimCounters {
    return {
      requests: 0,
      soap: {},
      soapFaults: 0,
      webLogins: 0,
      webLoginFailures: 0,
      syncs: 0,
      syncFailures: 0,
      injected: 0,
    };
  }

  now(): number {
    return this.#clock.now();
  }

  checkPassword(user: string, password: string): boolean {
    const want = this.#users.get(user);
    return want !== undefined && want === password;
  }

  /** Open a session (SOAP token or web session id) for `user`. */
  openSession(kind: 'soap' | 'web', user: string): string {
    const map = kind === 'soap' ? this.#soapSessions : this.#webSessions;
    this.#prune(map);
    if (map.size >= MAX_SESSIONS) map.delete(map.keys().next().value!);
    const id = randomBytes(18).toString('base64url');
    map.set(id, { user, expires: this.now() + this.tokenTtlMs });
    return id;
  }

  /** The user of a live session (its idle timer restarts), or undefined. */
  session(kind: 'soap' | 'web', id: string | undefined): string | undefined {
    if (id === undefined) return undefined;
    const map = kind === 'soap' ? this.#soapSessions : this.#webSessions;
    const s = map.get(id);
    if (!s) return undefined;
    if (s.expires <= this.now()) {
      map.delete(id);
      return undefined;
    }
    s.expires = this.now() + this.tokenTtlMs;
    return s.user;
  }

  closeSession(kind: 'soap' | 'web', id: string): boolean {
    return (kind === 'soap' ? this.#soapSessions : this.#webSessions).delete(id);
  }

  /** Forget every session, as ANM does on restart or idle timeout. */
  expireSessions(): void {
    this.#soapSessions.clear();
    this.#webSessions.clear();
  }

  get sessionCounts(): { soap: number; web: number } {
    this.#prune(this.#soapSessions);
    this.#prune(this.#webSessions);
    return { soap: this.#soapSessions.size, web: this.#webSessions.size };
  }

  /** Find an imported device by ANM name, else by address. */
  findDevice(name: string | undefined, address: string | undefined): SimDevice | undefined {
    if (name) {
      const d = this.devices.get(name);
      if (d) return d;
    }
    if (address) {
      const hits = [...this.devices.values()].filter((d) => d.address === address || d.chassisIp === address);
      if (hits.length === 1) return hits[0];
    }
    return undefined;
  }

  copy(device: string, context: string): AnmCopy | undefined {
    return this.copies.get(`${device}\u0000${context}`);
  }

  storeCopy(device: SimDevice, context: string, config: string, user: string): AnmCopy {
    const c: AnmCopy = { device: device.name, context, config, sha256: sha256(config), at: this.now(), user };
    this.copies.set(`${device.name}\u0000${context}`, c);
    return c;
  }

  /** Import user contexts (ANM does this when the Admin context is synced). Returns the new ones. */
  importContexts(device: SimDevice, names: string[]): string[] {
    const added: string[] = [];
    for (const n of names) {
      if (device.contexts.includes(n) || device.contexts.length >= MAX_CONTEXTS_PER_DEVICE) continue;
      device.contexts.push(n);
      added.push(n);
    }
    return added;
  }

  record(r: UploadRecord): void {
    if (this.history.length >= MAX_HISTORY) this.history.shift();
    this.history.push(r);
  }

  countSoap(op: string): void {
    // Bounded: only names the parser accepted reach here, but cap the map anyway.
    if (this.counters.soap[op] === undefined && Object.keys(this.counters.soap).length >= 64) op = '(other)';
    this.counters.soap[op] = (this.counters.soap[op] ?? 0) + 1;
  }

  /** A JSON-able picture for the control API (configs omitted; fetch one with `copy`). */
  snapshot(): Record<string, unknown> {
    return {
      devices: [...this.devices.values()].map((d) => ({
        name: d.name,
        address: d.address,
        deviceType: d.deviceType,
        contexts: d.contexts,
      })),
      copies: [...this.copies.values()].map(({ config, ...rest }) => ({ ...rest, bytes: Buffer.byteLength(config) })),
      history: this.history.slice(-1000),
      counters: this.counters,
      sessions: this.sessionCounts,
    };
  }

  #prune(map: Map<string, Session>): void {
    const now = this.now();
    for (const [k, s] of map) if (s.expires <= now) map.delete(k);
  }
}
