/**
 * Server-sent events for the live page. While at least one client listens, the hub looks
 * at the store's in-memory context states every `intervalMs` (cheap: no query) and sends
 * each context whose visible fields changed; a new client first gets a snapshot, so a
 * change between page render and connect is not missed. `poke()` makes it look at once
 * (wire it to the processor's onRecords for sub-interval latency).
 *
 * Bounds: at most `maxClients` listeners (the next one gets 503); a client that does not
 * read (more than `maxBufferedBytes` queued) is dropped; a comment line every
 * `heartbeatMs` keeps proxies from timing the stream out.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { SYNC_STATES, type SyncState } from '../core/events.js';
import type { Logger } from '../core/log.js';
import type { ContextState } from '../engine/types.js';
import type { AlertStore } from '../store/alerts.js';
import type { Store } from '../store/store.js';
import { isoTime, lastReason, shortTime, stateWording } from './views/format.js';
import { bound } from './views/html.js';

/** What the live script needs to redraw one context on one device. */
export interface LiveUpdate {
  device: string;
  context: string;
  sync: string;
  label: string;
  tone: string;
  symbol: string;
  help: string;
  since: string;
  sinceShort: string;
  reason: string;
  lastAudit: string;
  lastAuditShort: string;
  lastAuditOutcome: string;
  lastUpload: string;
  lastUploadShort: string;
  lastUploadOutcome: string;
}

export function liveUpdate(c: ContextState): LiveUpdate {
  const w = stateWording(c.sync);
  return {
    device: bound(c.device, 256),
    context: bound(c.context, 256),
    sync: c.sync,
    label: w.label,
    tone: w.tone,
    symbol: w.symbol,
    help: w.help,
    since: isoTime(c.since),
    sinceShort: shortTime(c.since),
    reason: bound(lastReason(c.reasons), 160),
    lastAudit: isoTime(c.lastAuditAt),
    lastAuditShort: shortTime(c.lastAuditAt),
    lastAuditOutcome: bound(c.lastAuditOutcome ?? '', 32),
    lastUpload: isoTime(c.lastUploadAt),
    lastUploadShort: shortTime(c.lastUploadAt),
    lastUploadOutcome: bound(c.lastUploadOutcome ?? '', 32),
  };
}

export interface SseHubOptions {
  store: Store;
  alerts: AlertStore;
  logger: Logger;
  intervalMs?: number;
  heartbeatMs?: number;
  maxClients?: number;
  maxBufferedBytes?: number;
  /** Contexts sent in a snapshot at most. */
  maxSnapshot?: number;
}

interface Client {
  res: ServerResponse;
}

export class SseHub {
  readonly #o: Required<Omit<SseHubOptions, 'store' | 'alerts' | 'logger'>> &
    Pick<SseHubOptions, 'store' | 'alerts' | 'logger'>;
  readonly #clients = new Set<Client>();
  readonly #last = new Map<string, string>();
  #lastSummary = '';
  #poll: NodeJS.Timeout | undefined;
  #beat: NodeJS.Timeout | undefined;
  #closed = false;
  /** Messages sent (tests and metrics). */
  sent = 0;

  constructor(opts: SseHubOptions) {
    // Per field: the server passes its optional settings through, so an absent one arrives
    // as an explicit undefined, which a spread would let override the default (no client
    // bound, and a 1 ms poll).
    this.#o = {
      ...opts,
      intervalMs: opts.intervalMs ?? 500,
      heartbeatMs: opts.heartbeatMs ?? 15_000,
      maxClients: opts.maxClients ?? 50,
      maxBufferedBytes: opts.maxBufferedBytes ?? 1024 * 1024,
      maxSnapshot: opts.maxSnapshot ?? 5000,
    };
  }

  get clients(): number {
    return this.#clients.size;
  }

  get maxClients(): number {
    return this.#o.maxClients;
  }

  /** Take over a response as an event stream. False when the hub is full or closed (the caller answers 503). */
  attach(req: IncomingMessage, res: ServerResponse, headers: Record<string, string>): boolean {
    if (this.#closed || this.#clients.size >= this.#o.maxClients) return false;
    res.writeHead(200, {
      ...headers,
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    const client: Client = { res };
    if (this.#clients.size === 0) this.#prime();
    this.#clients.add(client);
    const drop = (): void => {
      this.#clients.delete(client);
      if (this.#clients.size === 0) this.#stopTimers();
    };
    req.on('close', drop);
    res.on('error', drop);
    res.write('retry: 3000\n\n');
    this.#write(client, 'snapshot', JSON.stringify(this.#snapshot()));
    this.#startTimers();
    return true;
  }

  /** Look for changes now. */
  poke(): void {
    if (this.#clients.size > 0) this.#check();
  }

  close(): void {
    this.#closed = true;
    this.#stopTimers();
    for (const c of this.#clients) c.res.end();
    this.#clients.clear();
  }

  #contexts(): ContextState[] {
    return this.#o.store.closed ? [] : this.#o.store.contexts();
  }

  #summary(contexts: ContextState[]): { counts: Record<SyncState, number>; alertsFiring: number } {
    const counts = Object.fromEntries(SYNC_STATES.map((s) => [s, 0])) as Record<SyncState, number>;
    for (const c of contexts) counts[c.sync]++;
    return { counts, alertsFiring: this.#o.store.closed ? 0 : this.#o.alerts.countFiring() };
  }

  #snapshot(): { contexts: LiveUpdate[]; counts: Record<SyncState, number>; alertsFiring: number } {
    const all = this.#contexts();
    return { contexts: all.slice(0, this.#o.maxSnapshot).map(liveUpdate), ...this.#summary(all) };
  }

  /** Remember the current state so the first check sends only what changes after it. */
  #prime(): void {
    this.#last.clear();
    const all = this.#contexts();
    for (const c of all) this.#last.set(`${c.device}\u0000${c.context}`, JSON.stringify(liveUpdate(c)));
    this.#lastSummary = JSON.stringify(this.#summary(all));
  }

  #check(): void {
    try {
      const all = this.#contexts();
      for (const c of all) {
        const key = `${c.device}\u0000${c.context}`;
        const msg = JSON.stringify(liveUpdate(c));
        if (this.#last.get(key) === msg) continue;
        this.#last.set(key, msg);
        this.#broadcast('context', msg);
      }
      const summary = JSON.stringify(this.#summary(all));
      if (summary !== this.#lastSummary) {
        this.#lastSummary = summary;
        this.#broadcast('summary', summary);
      }
    } catch (err) {
      this.#o.logger.warn({ err }, 'live update check failed');
    }
  }

  #broadcast(event: string, data: string): void {
    for (const c of this.#clients) this.#write(c, event, data);
  }

  #write(c: Client, event: string, data: string): void {
    if (c.res.writableLength > this.#o.maxBufferedBytes) {
      // A reader that stopped reading: drop it rather than buffer without bound.
      this.#clients.delete(c);
      c.res.destroy();
      return;
    }
    c.res.write(`event: ${event}\ndata: ${data}\n\n`);
    this.sent++;
  }

  #startTimers(): void {
    if (!this.#poll) {
      this.#poll = setInterval(() => this.#check(), this.#o.intervalMs);
      this.#poll.unref();
    }
    if (!this.#beat) {
      this.#beat = setInterval(() => {
        for (const c of this.#clients) c.res.write(': ping\n\n');
      }, this.#o.heartbeatMs);
      this.#beat.unref();
    }
  }

  #stopTimers(): void {
    if (this.#poll) clearInterval(this.#poll);
    if (this.#beat) clearInterval(this.#beat);
    this.#poll = undefined;
    this.#beat = undefined;
  }
}
