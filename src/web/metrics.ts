/**
 * Prometheus metrics (prom-client, a registry of our own: two instances in one process,
 * as tests make, never collide). Most values are read at scrape time from what already
 * counts them (ingest counters, the store, the notifier), so the hot paths pay nothing;
 * job outcomes and durations are observed by the workers through `observeJob`.
 *
 * Counters derived from tables (events per kind, rule hits, decisions) count rows added
 * since this process attached, by an id cursor: retention deleting old rows never makes
 * a counter go down.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Clock } from '../core/clock.js';
import type { IngestCounters } from '../ingest/types.js';
import type { Notifier } from '../notify/notifier.js';
import type { Processor } from '../engine/processor.js';
import { MetricsReads } from '../store/metrics-reads.js';
import type { Store } from '../store/store.js';
import { jobDepth } from '../store/queries/jobs.js';
import { dropMisnamedDefaults, registerOperatorMetrics, type OperatorSources } from './metrics-operators.js';

export interface MetricSources {
  store: Store;
  counters: IngestCounters;
  clock: Clock;
  processor?: Processor;
  notifier?: Notifier;
  /** Live-update listeners. */
  sseClients?: () => number;
  /** 1 when acesync talks to ANM over http:// or without verifying its certificate. */
  anmInsecure?: () => number;
}

type Labels = Record<string, string>;

/** A monotonic per-label tally fed from a table by an id cursor. */
class TableTally {
  readonly counts = new Map<string, { labels: Labels; n: number }>();
  cursor = 0;
  add(labels: Labels, n: number): void {
    const key = JSON.stringify(labels);
    const e = this.counts.get(key);
    if (e) e.n += n;
    else if (this.counts.size < 5000) this.counts.set(key, { labels, n });
  }
}

export class Metrics {
  readonly registry = new Registry();
  #src: MetricSources | undefined;
  #reads: MetricsReads | undefined;
  #ops: OperatorSources = {};
  readonly #events = new TableTally();
  readonly #decisions = new TableTally();
  readonly #rules = new TableTally();
  readonly #jobsFinished: Counter<'type' | 'outcome'>;
  readonly #jobDuration: Histogram<'type' | 'outcome'>;

  constructor(opts: { defaultMetrics?: boolean } = {}) {
    const r = [this.registry];
    if (opts.defaultMetrics ?? true) {
      collectDefaultMetrics({ register: this.registry });
      dropMisnamedDefaults(this.registry);
    }
    // prom-client calls collect() with the metric as `this`; the sources are ours.
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const self = this;
    registerOperatorMetrics(this.registry, () => ({ ...this.#ops, store: this.#src?.store }));

    new Counter({
      name: 'acesync_ingest_messages_total',
      help: 'Syslog datagrams/frames and SNMP notifications received, per transport, source and outcome.',
      labelNames: ['transport', 'source', 'outcome'],
      registers: r,
      collect() {
        const s = self.#src;
        if (!s) return;
        this.reset();
        for (const x of s.counters.snapshot())
          this.inc({ transport: x.transport, source: x.source, outcome: x.outcome }, x.count);
      },
    });
    new Counter({
      name: 'acesync_ingest_kernel_drops_total',
      help: 'Datagrams the kernel dropped on acesync sockets (receive buffer full).',
      registers: r,
      collect() {
        const s = self.#src;
        if (!s) return;
        this.reset();
        this.inc(s.counters.kernelDrops);
      },
    });
    new Counter({
      name: 'acesync_snmp_rejections_total',
      help: 'SNMP notifications rejected, per reason (unknown-user, bad-digest, undecryptable, unknown-community, ...); the sources are in the log.',
      labelNames: ['reason'],
      registers: r,
      collect() {
        const s = self.#src;
        if (!s) return;
        this.reset();
        for (const [reason, n] of s.counters.snmpRejections) this.inc({ reason }, n);
      },
    });
    new Counter({
      name: 'acesync_ingest_worker_failures_total',
      help: 'Times the syslog UDP worker thread failed and was restarted (each gap is reported as ingest-loss).',
      registers: r,
      collect() {
        const s = self.#src;
        if (!s) return;
        this.reset();
        this.inc(s.counters.workerFailures);
      },
    });
    new Counter({
      name: 'acesync_processor_events_total',
      help: 'Events through the rule processor, by stage (received, noise, stored, evaluated, errors).',
      labelNames: ['stage'],
      registers: r,
      collect() {
        const p = self.#src?.processor;
        if (!p) return;
        this.reset();
        for (const stage of ['received', 'noise', 'stored', 'evaluated', 'errors', 'timersFired'] as const)
          this.inc({ stage }, p.stats[stage]);
      },
    });
    new Counter({
      name: 'acesync_lifecycle_refused_total',
      help: 'Context creations/removals not applied, per reason (not-admin, unknown-source: suspicious-source events; creation-rate, context-cap: lifecycle-refused).',
      labelNames: ['reason'],
      registers: r,
      collect() {
        const p = self.#src?.processor;
        if (!p) return;
        this.reset();
        for (const [reason, n] of Object.entries(p.guard.stats.refused)) this.inc({ reason }, n);
      },
    });
    new Counter({
      name: 'acesync_attribution_mismatches_total',
      help: "Messages whose device-id token (or clogOriginID) named another context than their source address's (attributed to the source).",
      registers: r,
      collect() {
        const p = self.#src?.processor;
        if (!p) return;
        this.reset();
        this.inc(p.guard.stats.attributionMismatches);
      },
    });
    new Counter({
      name: 'acesync_events_total',
      help: 'Events stored, per kind (since this process started).',
      labelNames: ['kind'],
      registers: r,
      collect() {
        self.#tallyEvents();
        this.reset();
        for (const { labels, n } of self.#events.counts.values()) this.inc(labels, n);
      },
    });
    new Counter({
      name: 'acesync_rule_hits_total',
      help: 'Rules whose trigger and conditions matched, per rule and status (fired, throttled).',
      labelNames: ['rule', 'status'],
      registers: r,
      collect() {
        self.#tallyDecisions();
        this.reset();
        for (const { labels, n } of self.#rules.counts.values()) this.inc(labels, n);
      },
    });
    new Counter({
      name: 'acesync_decisions_total',
      help: 'Decisions recorded, per kind (state, action, match, ...) and action.',
      labelNames: ['kind', 'action'],
      registers: r,
      collect() {
        self.#tallyDecisions();
        this.reset();
        for (const { labels, n } of self.#decisions.counts.values()) this.inc(labels, n);
      },
    });
    new Gauge({
      name: 'acesync_jobs',
      help: 'Jobs in the persistent queue, per type and state (pending is the queue depth).',
      labelNames: ['type', 'state'],
      registers: r,
      collect() {
        const s = self.#src;
        if (!s || s.store.closed) return;
        this.reset();
        for (const x of jobDepth(s.store.db)) this.set({ type: x.type, state: x.state }, x.count);
      },
    });
    this.#jobsFinished = new Counter({
      name: 'acesync_jobs_finished_total',
      help: 'Jobs finished by the workers, per type and outcome.',
      labelNames: ['type', 'outcome'],
      registers: r,
    });
    this.#jobDuration = new Histogram({
      name: 'acesync_job_duration_seconds',
      help: 'Time a worker spent on a job, per type and outcome.',
      labelNames: ['type', 'outcome'],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600],
      registers: r,
    });
    new Gauge({
      name: 'acesync_contexts',
      help: "Contexts per sync state (of ANM's copy).",
      labelNames: ['sync'],
      registers: r,
      collect() {
        const s = self.#src;
        if (!s || s.store.closed) return;
        this.reset();
        const counts = new Map<string, number>();
        for (const c of s.store.contexts()) counts.set(c.sync, (counts.get(c.sync) ?? 0) + 1);
        for (const [sync, n] of counts) this.set({ sync }, n);
      },
    });
    new Gauge({
      name: 'acesync_device_last_successful_audit_age_seconds',
      help: 'Seconds since the last audit of any context of the device that did not fail (since first seen, when never audited).',
      labelNames: ['device'],
      registers: r,
      collect() {
        const s = self.#src;
        const reads = self.#reads;
        if (!s || !reads || s.store.closed) return;
        this.reset();
        const now = s.clock.now();
        const last = new Map<string, number>();
        for (const c of s.store.contexts())
          if (c.lastAuditAt !== undefined && c.lastAuditOutcome !== 'error')
            last.set(c.device, Math.max(last.get(c.device) ?? 0, c.lastAuditAt));
        for (const d of reads.configuredDevices())
          this.set({ device: d.name }, Math.max(0, (now - (last.get(d.name) ?? d.first_seen)) / 1000));
      },
    });
    new Gauge({
      name: 'acesync_alerts_firing',
      help: 'Alerts currently firing, per alertname, severity, device and context (sum() for the total).',
      labelNames: ['alertname', 'severity', 'device', 'context'],
      registers: r,
      collect() {
        const n = self.#src?.notifier;
        if (!n || self.#src!.store.closed) return;
        this.reset();
        for (const a of n.alerts.firing())
          this.inc({ alertname: a.alertname, severity: a.severity, device: a.device, context: a.context });
      },
    });
    new Counter({
      name: 'acesync_webhook_deliveries_total',
      help: 'Webhook delivery attempts, per webhook and outcome (sent, retry, failed).',
      labelNames: ['webhook', 'outcome'],
      registers: r,
      collect() {
        const n = self.#src?.notifier;
        if (!n) return;
        this.reset();
        for (const [webhook, counts] of n.stats.deliveries)
          for (const [outcome, v] of Object.entries(counts)) this.inc({ webhook, outcome }, v);
      },
    });
    // Every delivery attempt (sent, retry, failed) is timed by the notifier into a bounded list, observed here at
    // the scrape: a histogram only grows, so what one scrape drained stays counted in every later one.
    new Histogram({
      name: 'acesync_webhook_delivery_duration_seconds',
      help: 'Duration of webhook delivery attempts (POSTs), per webhook and outcome (sent, retry, failed).',
      labelNames: ['webhook', 'outcome'],
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: r,
      collect() {
        const n = self.#src?.notifier;
        if (!n) return;
        for (const d of n.stats.durations.splice(0))
          this.observe({ webhook: d.webhook, outcome: d.outcome }, d.seconds);
      },
    });
    new Gauge({
      name: 'acesync_webhook_outbox',
      help: 'Notifications in the webhook outbox, per webhook and status.',
      labelNames: ['webhook', 'status'],
      registers: r,
      collect() {
        const n = self.#src?.notifier;
        if (!n || self.#src!.store.closed) return;
        this.reset();
        for (const x of n.outbox.deliveryCounts()) this.set({ webhook: x.webhook, status: x.status }, x.count);
      },
    });
    new Gauge({
      name: 'acesync_live_clients',
      help: 'Browsers listening to live updates (server-sent events).',
      registers: r,
      collect() {
        const f = self.#src?.sseClients;
        if (f) this.set(f());
      },
    });
    new Gauge({
      name: 'acesync_anm_insecure',
      help: '1 when ANM is reached over http:// or with anm.insecure (certificate not verified), else 0.',
      registers: r,
      collect() {
        const f = self.#src?.anmInsecure;
        if (f) this.set(f());
      },
    });
  }

  /** Point the collectors at the running service. Table counters start from now. */
  attach(src: MetricSources): void {
    this.#src = src;
    this.#reads = new MetricsReads(src.store.db);
    this.#events.cursor = this.#reads.maxId('events');
    this.#decisions.cursor = this.#reads.maxId('decisions');
  }

  /** Sources of the operator metrics that live outside the web server (SSH poller, ANM breakers). */
  attachOperators(ops: Omit<OperatorSources, 'store'>): void {
    this.#ops = { ...this.#ops, ...ops };
  }

  /** Workers call this when a job ends (outcome: done, retry, failed, ...). */
  observeJob(type: string, outcome: string, seconds: number): void {
    this.#jobsFinished.inc({ type, outcome });
    if (Number.isFinite(seconds) && seconds >= 0) this.#jobDuration.observe({ type, outcome }, seconds);
  }

  /** The text exposition of every metric. */
  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }

  #tallyEvents(): void {
    const s = this.#src;
    const reads = this.#reads;
    if (!s || !reads || s.store.closed) return;
    const rows = reads.eventsByKind(this.#events.cursor);
    for (const r of rows) {
      this.#events.add({ kind: r.kind }, r.n);
      this.#events.cursor = Math.max(this.#events.cursor, r.m);
    }
  }

  #tallyDecisions(): void {
    const s = this.#src;
    const reads = this.#reads;
    if (!s || !reads || s.store.closed) return;
    const rows = reads.decisionsByKind(this.#decisions.cursor);
    let max = this.#decisions.cursor;
    const actions = new Map<string, number>();
    for (const r of rows) {
      max = Math.max(max, r.m);
      if (r.kind === 'match' || r.kind === 'throttled')
        this.#rules.add({ rule: r.rule ?? '', status: r.kind === 'match' ? 'fired' : 'throttled' }, r.n);
      // Rules are aggregated out of the decisions counter (it would repeat rule_hits).
      const k = `${r.kind}\u0000${r.action ?? ''}`;
      actions.set(k, (actions.get(k) ?? 0) + r.n);
    }
    for (const [k, n] of actions) {
      const [kind, action] = k.split('\u0000');
      this.#decisions.add({ kind: kind!, action: action! }, n);
    }
    this.#decisions.cursor = max;
  }
}
