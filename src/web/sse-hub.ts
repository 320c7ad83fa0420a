/**
 * Server-sent events for the live page. While at least one client listens, the hub looks
 * at the store's in-memory context states every `intervalMs` (cheap: no query) and sends
 * each context whose visible fields changed; a new client first gets a snapshot, so a
 * change between page render and connect is not missed. `poke()` makes it look at once
 * (wire it to the processor's onRecords for sub-interval latency).
 *
 * Bounds: at most `maxClients` listeners and `maxPerClient` from one remote address (the
 * next one gets 503, so one client cannot take every slot); refusals are logged at debug,
 * at most once per `refusalLogMs` with the count since the last line; a client that does not
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
import { SILENCING_ALERTS } from './views/layout.js';
import { silencedTargets } from '../store/queries/silenced.js';

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
  /** Every audit so far failed (no configuration was ever recorded): "never audited successfully". */
  lastAuditNever: boolean;
  lastUpload: string;
  lastUploadShort: string;
  lastUploadOutcome: string;
  /** Logging of the context is silenced (a silencing alert fires): the badge keeps its flag. */
  silenced: boolean;
}

export function liveUpdate(c: ContextState, silenced = false): LiveUpdate {
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
    lastAuditNever: c.lastAuditOutcome === 'error' && c.lastAuditHash === undefined,
    lastUpload: isoTime(c.lastUploadAt),
    lastUploadShort: shortTime(c.lastUploadAt),
    lastUploadOutcome: bound(c.lastUploadOutcome ?? '', 32),
    silenced,
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
  /** Listeners from one remote address at most. */
  maxPerClient?: number;
  /** At most one refusal log line per this long. */
  refusalLogMs?: number;
  /** Milliseconds now (the refusal log's rate limit). */
  now?: () => number;
}

/** Why a listener is refused. */
export type SseRefusal = 'full' | 'per-client' | 'closed';

interface Client {
  res: ServerResponse;
  address: string;
}

const addressOf = (req: IncomingMessage): string => req.socket?.remoteAddress ?? 'unknown';

export class SseHub {
  readonly #o: Required<Omit<SseHubOptions, 'store' | 'alerts' | 'logger'>> &
    Pick<SseHubOptions, 'store' | 'alerts' | 'logger'>;
  readonly #clients = new Set<Client>();
  readonly #perAddress = new Map<string, number>();
  #refusedSinceLog = 0;
  #lastRefusalLog = Number.NEGATIVE_INFINITY;
  /** Listeners refused (metrics, tests). */
  refused = 0;
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
      maxPerClient: opts.maxPerClient ?? 10,
      refusalLogMs: opts.refusalLogMs ?? 60_000,
      now: opts.now ?? Date.now,
    };
  }

  get clients(): number {
    return this.#clients.size;
  }

  get maxClients(): number {
    return this.#o.maxClients;
  }

  /** Would a listener from this request be refused, and why (undefined: it would be taken). */
  refusal(req: IncomingMessage): SseRefusal | undefined {
    if (this.#closed) return 'closed';
    if (this.#clients.size >= this.#o.maxClients) return 'full';
    if ((this.#perAddress.get(addressOf(req)) ?? 0) >= this.#o.maxPerClient) return 'per-client';
    return undefined;
  }

  /**
   * Count a refusal and log it at debug, rate-limited: a client retrying every 3 s (the
   * stream's `retry`) or a flood must not fill the log.
   */
  noteRefused(req: IncomingMessage, why: SseRefusal): void {
    this.refused++;
    this.#refusedSinceLog++;
    const now = this.#o.now();
    if (now - this.#lastRefusalLog < this.#o.refusalLogMs) return;
    this.#o.logger.debug(
      {
        why,
        address: addressOf(req),
        refused: this.#refusedSinceLog,
        clients: this.#clients.size,
        maxClients: this.#o.maxClients,
        maxPerClient: this.#o.maxPerClient,
      },
      'live-update listener refused (503)',
    );
    this.#refusedSinceLog = 0;
    this.#lastRefusalLog = now;
  }

  /** Take over a response as an event stream. False when refused (the caller answers 503). */
  attach(req: IncomingMessage, res: ServerResponse, headers: Record<string, string>): boolean {
    const why = this.refusal(req);
    if (why) {
      this.noteRefused(req, why);
      return false;
    }
    const address = addressOf(req);
    res.writeHead(200, {
      ...headers,
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    const client: Client = { res, address };
    if (this.#clients.size === 0) this.#prime();
    this.#add(client);
    const drop = (): void => {
      this.#remove(client);
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
    this.#perAddress.clear();
  }

  #add(c: Client): void {
    this.#clients.add(c);
    this.#perAddress.set(c.address, (this.#perAddress.get(c.address) ?? 0) + 1);
  }

  #remove(c: Client): void {
    if (!this.#clients.delete(c)) return;
    const n = (this.#perAddress.get(c.address) ?? 1) - 1;
    if (n <= 0) this.#perAddress.delete(c.address);
    else this.#perAddress.set(c.address, n);
  }

  #contexts(): ContextState[] {
    return this.#o.store.closed ? [] : this.#o.store.contexts();
  }

  #summary(contexts: ContextState[]): { counts: Record<SyncState, number>; alertsFiring: number } {
    const counts = Object.fromEntries(SYNC_STATES.map((s) => [s, 0])) as Record<SyncState, number>;
    for (const c of contexts) counts[c.sync]++;
    return { counts, alertsFiring: this.#o.store.closed ? 0 : this.#o.alerts.countFiring() };
  }

  /** Contexts whose logging is silenced, by `device\u0000context` (one small indexed query). */
  #silenced(): Set<string> {
    return this.#o.store.closed ? new Set() : silencedTargets(this.#o.store.db, [...SILENCING_ALERTS]);
  }

  #update(c: ContextState, silenced: ReadonlySet<string>): LiveUpdate {
    return liveUpdate(c, silenced.has(`${c.device}\u0000${c.context}`));
  }

  #snapshot(): { contexts: LiveUpdate[]; counts: Record<SyncState, number>; alertsFiring: number } {
    const all = this.#contexts();
    const silenced = this.#silenced();
    return {
      contexts: all.slice(0, this.#o.maxSnapshot).map((c) => this.#update(c, silenced)),
      ...this.#summary(all),
    };
  }

  /** Remember the current state so the first check sends only what changes after it. */
  #prime(): void {
    this.#last.clear();
    const all = this.#contexts();
    const silenced = this.#silenced();
    for (const c of all) this.#last.set(`${c.device}\u0000${c.context}`, JSON.stringify(this.#update(c, silenced)));
    this.#lastSummary = JSON.stringify(this.#summary(all));
  }

  #check(): void {
    try {
      const all = this.#contexts();
      const silenced = this.#silenced();
      for (const c of all) {
        const key = `${c.device}\u0000${c.context}`;
        const msg = JSON.stringify(this.#update(c, silenced));
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
      this.#remove(c);
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
