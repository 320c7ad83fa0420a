/**
 * The notifier: the worker for `alert` jobs and the webhook outbox.
 *
 * Path of an alert (every step is a row, so a kill -9 anywhere loses nothing):
 *   rule `alert` action -> `alert` job (rules/engine.ts; a storm merges into one job)
 *   -> intake: job claimed, alert row upserted by fingerprint, job completed (one transaction)
 *   -> resolution (resolve.ts): the alert is marked resolved when its condition clears
 *   -> grouping per webhook (grouping.ts): group_wait / group_interval / repeat_interval
 *   -> outbox row with the exact body -> POST, signed, retried with exponential backoff
 *   -> on success, what the webhook now knows of each alert (so "resolved" is sent once).
 *
 * Deliveries of one webhook go out one at a time, oldest first, so a resolved notice never
 * overtakes the firing one. A newer notification of a group supersedes an older one still
 * waiting (it carries the whole group). Delivery is at least once: a crash during a POST
 * sends it again at start; receivers can dedupe on `X-Acesync-Delivery`.
 */
import type { Clock } from '../core/clock.js';
import type { WebhookConfig } from '../config/sections/webhooks.js';
import type { Logger } from '../core/log.js';
import { AlertStore, itemKey, type AlertRecord, type NoticedAlert } from '../store/alerts.js';
import type { AcesyncError } from '../core/errors.js';
import type { Store } from '../store/store.js';
import { asStoreWriteFailure } from '../store/database.js';
import { postWebhook } from './delivery.js';
import { EventReads } from '../store/event-reads.js';
import { OutboxStore, type DeliveryRecord } from '../store/outbox.js';
import { decideGroup, groupAlerts, nextLook } from './grouping.js';
import { alertFromJob, newAlert, type RaiseRequest } from './intake.js';
import { buildPayload, groupKey } from './payload.js';
import { buildReceivers, postUrl, renderBody, requestHeaders, timingOf, type Receiver } from './receivers.js';
import { resolution, type ResolutionSignal } from './resolve.js';
import { initSignalCursor, scanSignals } from './signals.js';
import { procedureAlert, procedureDone, type ProcedureSettings } from './procedure-alert.js';

export interface NotifierOptions {
  store: Store;
  webhooks: readonly WebhookConfig[];
  clock: Clock;
  logger: Logger;
  /** Public URL of the status page (config http.external_url), for links in alerts. */
  externalUrl: string;
  /** Folder relative template paths resolve against (the config file's). */
  baseDir?: string;
  env?: NodeJS.ProcessEnv;
  /** Loop period. Default 250 ms. */
  tickMs?: number;
  /** Alerts naming no device resolve after this long without firing again. Default 1 h. */
  resolveTimeoutMs?: number;
  /** Resolved alerts not yet told to a receiver are considered for this long. Default 24 h. */
  resolvedLookbackMs?: number;
  fetch?: typeof fetch;
  /** Jitter source for retry delays. */
  random?: () => number;
  /** Told after alerts were raised or resolved (live page updates). */
  onChange?: () => void;
  /** The manual procedure's wording (sync label, note, runbook); default the manual strategy's defaults. */
  procedure?: ProcedureSettings;
  /** The state database cannot be written: the service must stop (without it, logged once a minute). */
  onFatal?: (err: AcesyncError) => void;
}

export type DeliveryOutcome = 'sent' | 'retry' | 'failed';

export interface NotifierStats {
  alertsRaised: number;
  alertsResolved: number;
  /** Alerts refused because MAX_FIRING_ALERTS were open. */
  alertsDropped: number;
  deliveries: Map<string, Record<DeliveryOutcome, number>>;
  /** Delivery durations in seconds per webhook (for a histogram); drained by the metrics scrape. */
  durations: Array<{ webhook: string; outcome: DeliveryOutcome; seconds: number }>;
}

const MAX_DURATIONS = 10_000;
/** Retention of resolved alerts and finished notifications runs this often. */
const PRUNE_EVERY_MS = 3_600_000;

export class Notifier {
  readonly alerts: AlertStore;
  readonly outbox: OutboxStore;
  receivers: readonly Receiver[];
  readonly stats: NotifierStats = {
    alertsRaised: 0,
    alertsResolved: 0,
    alertsDropped: 0,
    deliveries: new Map(),
    durations: [],
  };
  #o: NotifierOptions;
  readonly #store: Store;
  readonly #reads: EventReads;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #inflight = new Map<string, Promise<void>>();
  readonly #failing = new Set<string>();
  #abort = new AbortController();
  #timer: NodeJS.Timeout | undefined;
  #running = false;
  #started = false;
  /** Something changed since the last planning pass. */
  #dirty = true;
  #nextPlanAt = 0;
  #lastResolveAt = -Infinity;
  #lastDecisionId = -1;
  #lastPassError = -Infinity;
  #lastPruneAt = -Infinity;

  constructor(opts: NotifierOptions) {
    this.#o = opts;
    this.#store = opts.store;
    this.#clock = opts.clock;
    this.#log = opts.logger.child({ component: 'notifier' });
    this.alerts = new AlertStore(opts.store.db);
    this.outbox = new OutboxStore(opts.store.db, this.alerts);
    this.#reads = new EventReads(opts.store.db);
    initSignalCursor(this.#reads, this.alerts);
    this.receivers = buildReceivers(opts.webhooks, opts.env ?? process.env, opts.baseDir ?? process.cwd());
    for (const r of this.receivers) this.stats.deliveries.set(r.config.name, { sent: 0, retry: 0, failed: 0 });
  }

  /** The manual procedure's new wording (anm.strategy of a configuration reload): alerts raised from now on. */
  setProcedure(procedure: ProcedureSettings): void {
    this.#o = { ...this.#o, procedure };
  }

  /**
   * A configuration reload: the new webhooks (built and checked by the caller with
   * buildReceivers) replace the old; deliveries to removed ones are failed and dropped.
   */
  replaceReceivers(receivers: readonly Receiver[]): void {
    this.receivers = receivers;
    for (const r of receivers)
      if (!this.stats.deliveries.has(r.config.name))
        this.stats.deliveries.set(r.config.name, { sent: 0, retry: 0, failed: 0 });
    const now = this.#clock.now();
    this.#store.transaction(() => this.#dropUnconfigured(now));
    this.#dirty = true;
  }

  /** Recover deliveries a crash left in flight and start the loop. */
  start(): void {
    if (this.#started) return;
    this.#started = true;
    this.#abort = new AbortController();
    const now = this.#clock.now();
    this.#store.transaction(() => {
      const n = this.outbox.recoverSending(now);
      if (n > 0) this.#log.info({ deliveries: n }, 'webhook deliveries interrupted by a restart are due again');
      this.#dropUnconfigured(now);
    });
    const loop = (): void => {
      this.#timer = setTimeout(() => {
        this.tick()
          .catch((err) => this.#passFailed(err))
          .finally(() => {
            if (this.#started) loop();
          });
      }, this.#o.tickMs ?? 250);
      this.#timer.unref();
    };
    loop();
  }

  /** Stop the loop and wait (bounded) for deliveries in flight; they are aborted and retried at the next start. */
  async stop(): Promise<void> {
    this.#started = false;
    if (this.#timer) clearTimeout(this.#timer);
    this.#abort.abort();
    await Promise.race([
      Promise.allSettled([...this.#inflight.values()]),
      new Promise((r) => setTimeout(r, 2000).unref()),
    ]);
  }

  /** Raise an alert directly (a worker whose job ran out of attempts). */
  raise(req: RaiseRequest): AlertRecord | undefined {
    const now = this.#clock.now();
    const r = this.#store.transaction(() => this.alerts.fire(newAlert(req, now)));
    if (!r) this.stats.alertsDropped++;
    else this.stats.alertsRaised++;
    this.#changed();
    return r?.alert;
  }

  /** One pass: take alert jobs, resolve, plan notifications, start due deliveries. */
  async tick(): Promise<void> {
    if (this.#running || this.#store.closed) return;
    this.#running = true;
    try {
      const now = this.#clock.now();
      const taken = this.intake();
      const resolved = this.#resolve(now, taken > 0);
      if (taken > 0 || resolved > 0) this.#changed();
      if (this.#dirty || now >= this.#nextPlanAt) this.#plan(now);
      for (const r of this.receivers) this.#deliverNext(r, now);
      if (now - this.#lastPruneAt >= PRUNE_EVERY_MS) {
        this.#lastPruneAt = now;
        this.prune(now);
      }
    } finally {
      this.#running = false;
    }
  }

  /** A pass, then wait for the deliveries it started (tests, shutdown drains). */
  async flush(): Promise<void> {
    await this.tick();
    await Promise.allSettled([...this.#inflight.values()]);
  }

  /** Claim `alert` jobs and turn them into alert rows, atomically. Returns how many. */
  intake(): number {
    return this.#store.transaction(() => {
      const jobs = this.#store.jobs.claim({ types: ['alert'], limit: 500, perDevice: 500 });
      const now = this.#clock.now();
      for (const job of jobs) {
        const raw = alertFromJob(job);
        // One alert per pair and run for the manual procedure, however many contexts wait.
        const r = this.alerts.fire(
          raw.alertname === 'manual-procedure' && raw.device
            ? procedureAlert(this.#store, this.alerts, raw, job, now, this.#o.procedure)
            : raw,
        );
        if (!r) {
          this.stats.alertsDropped++;
          this.#store.jobs.complete(job.id, { dropped: 'too many open alerts' });
          continue;
        }
        this.stats.alertsRaised++;
        this.#store.jobs.complete(job.id, {
          alert: r.alert.id,
          fingerprint: r.alert.fingerprint,
          reopened: r.reopened || undefined,
        });
      }
      return jobs.length;
    });
  }

  /** Logged at most once a minute: a full disk must not turn into four log lines a second. */
  #passFailed(err: unknown): void {
    // A database that cannot be written stops the service (the app's fatal exit), like every other writer.
    const fatal = asStoreWriteFailure(err);
    if (fatal && this.#o.onFatal) {
      if (this.#started) this.#log.fatal({ err: fatal }, 'the notifier cannot write the state database: stopping');
      this.#started = false;
      this.#o.onFatal(fatal);
      return;
    }
    const now = Date.now();
    if (now - this.#lastPassError < 60_000) return;
    this.#lastPassError = now;
    this.#log.error({ err }, 'notifier pass failed (retried every tick; this is logged once a minute)');
  }

  #changed(): void {
    this.#dirty = true;
    this.#o.onChange?.();
  }

  /** Scan new events for resolution signals, then check every firing alert. */
  #resolve(now: number, force: boolean): number {
    return this.#store.transaction(() => {
      const signals = scanSignals(this.#reads, this.alerts);
      // Every state change writes a decision row: a new one means contexts may have cleared.
      const decisions = this.#reads.maxDecisionId();
      const changed = decisions !== this.#lastDecisionId;
      if (!force && !changed && signals.size === 0 && now - this.#lastResolveAt < 1000) return 0;
      this.#lastResolveAt = now;
      this.#lastDecisionId = decisions;
      const view = {
        now,
        resolveTimeoutMs: this.#o.resolveTimeoutMs ?? 3_600_000,
        context: (d: string, c: string) => this.#store.context(d, c),
        contextsOf: (d: string) =>
          this.#store.view
            .contextsOf(d)
            .map((c) => this.#store.context(d, c)!)
            .filter(Boolean),
        signal: (k: ResolutionSignal['kind'], d: string, c: string) => signals.get(`${k}|${d}|${c}`),
        procedureDone: (pairKey: string) => procedureDone(this.#store, this.alerts, pairKey, now),
        anmAllKnownAt: anmAllKnownAt(this.#store),
      };
      let n = 0;
      for (const a of this.alerts.firing()) {
        const why = resolution(a, view);
        if (why && this.alerts.resolve(a.id, now, why)) n++;
      }
      this.stats.alertsResolved += n;
      return n;
    });
  }

  /** Group alerts per webhook and queue the notifications that are due. */
  #plan(now: number): void {
    this.#dirty = false;
    let next = now + 60_000;
    const lookback = now - (this.#o.resolvedLookbackMs ?? 86_400_000);
    for (const r of this.receivers) {
      const w = r.config;
      const timing = timingOf(r);
      this.#store.transaction(() => {
        const candidates: NoticedAlert[] = [
          ...this.alerts.firingFor(w.name),
          ...(w.send_resolved ? this.alerts.resolvedFor(w.name, lookback) : []),
        ];
        const groups = groupAlerts(candidates, w.group_by, groupKey);
        const seen = new Set<string>();
        for (const g of groups) {
          seen.add(g.groupKey);
          const state = this.outbox.group(w.name, g.groupKey);
          const d = decideGroup(state, g.alerts, now, timing);
          if (d.action === 'open') {
            this.outbox.putGroup({
              webhook: w.name,
              groupKey: g.groupKey,
              groupLabels: g.groupLabels,
              createdAt: now,
              nextFlushAt: d.nextFlushAt,
              lastItems: [],
            });
            next = Math.min(next, d.nextFlushAt);
          } else if (d.action === 'delete') {
            this.outbox.deleteGroup(w.name, g.groupKey);
          } else if (d.action === 'flush') {
            const payload = buildPayload({
              receiver: w.name,
              groupLabels: g.groupLabels,
              alerts: d.alerts,
              externalURL: this.#o.externalUrl,
              maxAlerts: w.max_alerts,
            });
            let body: string;
            try {
              body = renderBody(r, payload);
            } catch (err) {
              this.#log.error({ err, webhook: w.name }, 'webhook template failed to render; notification skipped');
              continue;
            }
            this.outbox.enqueueDelivery({
              webhook: w.name,
              groupKey: g.groupKey,
              alertStatus: payload.status,
              items: d.items,
              body,
              maxAttempts: w.max_attempts,
              at: now,
            });
            const st = {
              webhook: w.name,
              groupKey: g.groupKey,
              groupLabels: g.groupLabels,
              createdAt: state?.createdAt ?? now,
              nextFlushAt: d.nextFlushAt,
              lastFlushAt: now,
              lastItems: d.items.map(itemKey),
            };
            this.outbox.putGroup(st);
            next = Math.min(next, nextLook(st, now, timing));
          } else if (state) next = Math.min(next, nextLook(state, now, timing));
        }
        // Groups whose alerts are all gone (resolved and told, or pruned).
        for (const st of this.outbox.groups(w.name))
          if (!seen.has(st.groupKey)) this.outbox.deleteGroup(w.name, st.groupKey);
      });
    }
    this.#nextPlanAt = next;
  }

  #backoff(r: Receiver, attempt: number): number {
    const w = r.config;
    const exp = Math.min(w.backoff_max_ms, w.backoff_base_ms * 2 ** Math.max(0, attempt - 1));
    const jitter = exp * 0.2;
    return Math.max(0, Math.round(exp - jitter + 2 * jitter * (this.#o.random ?? Math.random)()));
  }

  /** Send the webhook's due notifications one after another (oldest first), in the background. */
  #deliverNext(r: Receiver, now: number): void {
    const name = r.config.name;
    if (this.#inflight.has(name)) return;
    const due = (at: number): DeliveryRecord | undefined => {
      const d = this.outbox.head(name);
      return d && d.status === 'pending' && d.nextAttemptAt <= at && this.outbox.markSending(d.id, at) ? d : undefined;
    };
    const first = due(now);
    if (!first) return;
    const run = async (): Promise<void> => {
      for (let d: DeliveryRecord | undefined = first; d;) {
        await this.#send(r, d);
        if (this.#store.closed || this.#abort.signal.aborted) return;
        d = due(this.#clock.now());
      }
    };
    const p = run()
      .catch((err) =>
        asStoreWriteFailure(err)
          ? this.#passFailed(err)
          : this.#log.error({ err, webhook: name }, 'webhook delivery loop failed'),
      )
      .finally(() => this.#inflight.delete(name));
    this.#inflight.set(name, p);
  }

  async #send(r: Receiver, d: DeliveryRecord): Promise<void> {
    const w = r.config;
    const attempt = d.attempts + 1;
    const out = await postWebhook({
      url: postUrl(r),
      body: d.body,
      headers: requestHeaders(r, d.body, d.id, attempt),
      timeoutMs: w.timeout_ms,
      signal: this.#abort.signal,
      fetch: this.#o.fetch,
    });
    if (this.#store.closed) return;
    const at = this.#clock.now();
    const counts = this.stats.deliveries.get(w.name)!;
    let outcome: DeliveryOutcome;
    try {
      if (out.ok) {
        outcome = 'sent';
        this.outbox.markSent(d.id, out.status, at);
        if (this.#failing.delete(w.name))
          this.#log.info({ webhook: w.name, delivery: d.id }, 'webhook receiver accepts notifications again');
      } else if (this.#abort.signal.aborted) {
        // Shutting down: not the receiver's fault, do not spend an attempt on it.
        this.outbox.markRetry(d.id, at, 'interrupted by shutdown', out.status, at);
        this.outbox.refundAttempt(d.id);
        return;
      } else if (out.retryable && attempt < d.maxAttempts) {
        outcome = 'retry';
        const retryAt = at + this.#backoff(r, attempt);
        this.outbox.markRetry(d.id, retryAt, out.error, out.status, at);
        if (!this.#failing.has(w.name)) {
          this.#failing.add(w.name);
          this.#log.warn(
            { webhook: w.name, delivery: d.id, attempt, error: out.error, retryAt: new Date(retryAt).toISOString() },
            'webhook delivery failed; retrying with backoff',
          );
        }
      } else {
        outcome = 'failed';
        this.outbox.markFailed(d.id, out.error, out.status, at);
        this.#log.error(
          { webhook: w.name, delivery: d.id, attempts: attempt, error: out.error },
          'webhook delivery given up (kept as failed in the outbox)',
        );
      }
    } catch (err) {
      this.#log.error({ err, webhook: w.name, delivery: d.id }, 'recording a webhook delivery failed');
      return;
    }
    counts[outcome]++;
    if (this.stats.durations.length < MAX_DURATIONS)
      this.stats.durations.push({ webhook: w.name, outcome, seconds: out.ms / 1000 });
    this.#dirty = true;
  }

  /** Deliveries and groups of webhooks no longer in the configuration. */
  #dropUnconfigured(now: number): void {
    const names = new Set(this.receivers.map((r) => r.config.name));
    this.outbox.dropUnconfigured(names, now);
  }

  /** Retention of resolved alerts and finished deliveries (the loop runs it hourly). */
  prune(now = this.#clock.now()): { alerts: number; deliveries: number } {
    return this.#store.transaction(() => ({ alerts: this.alerts.prune(now), deliveries: this.outbox.prune(now) }));
  }
}

/** When the last reconcile with ANM answered with nothing missing (undefined while contexts are missing). */
function anmAllKnownAt(store: Store): number | undefined {
  const r = store.anmInventory.lastRun();
  return r?.ok && store.anmInventory.unknown(1).length === 0 ? r.at : undefined;
}
