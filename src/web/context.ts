/**
 * What the route modules share: the service's parts (WebDeps, given by the caller) and
 * what the server builds once (alert queries, SSE hub, metrics, OpenAPI collector).
 */
import type { AcesyncError } from '../core/errors.js';
import type { Clock } from '../core/clock.js';
import type { Config } from '../config/schema.js';
import type { IngestCounters } from '../ingest/types.js';
import type { Inventory } from '../inventory/inventory.js';
import type { JobQueue } from '../store/job-queue.js';
import type { Logger } from '../core/log.js';
import type { Notifier } from '../notify/notifier.js';
import type { Processor } from '../engine/processor.js';
import type { AlertStore } from '../store/alerts.js';
import type { OutboxStore } from '../store/outbox.js';
import type { Store } from '../store/store.js';
import type { ActionDeps } from './actions.js';
import type { TokenSource } from './auth.js';
import type { Metrics } from './metrics.js';
import type { OpenApiCollector } from './openapi.js';
import type { SseHub } from './sse-hub.js';

export interface ReadinessReport {
  ready: boolean;
  /** Named checks, e.g. `{ store: true, rules: true, listeners: 'udp 514 not bound' }`. */
  checks: Record<string, boolean | string>;
}

export interface WebDeps {
  store: Store;
  /** The persistent job queue; default `store.jobs`. */
  queue?: JobQueue;
  /** The rule processor: rules listing, acknowledging manual uploads. */
  processor?: Processor;
  inventory: Inventory;
  counters: IngestCounters;
  config: Config;
  logger: Logger;
  clock: Clock;
  /** `/readyz` asks this (store open, rules loaded, listeners bound). */
  readiness: () => ReadinessReport | Promise<ReadinessReport>;
  notifier?: Notifier;
  /** Metrics the workers also observe (`observeJob`); created if absent. */
  metrics?: Metrics;
  /** Environment the API token is read from (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** Live updates: look for changes this often (default 500 ms). */
  liveIntervalMs?: number;
  /** Live updates: listeners at most (default 50). */
  maxLiveClients?: number;
  /** Live updates: listeners from one remote address at most (default http.live_clients_per_address). */
  maxLiveClientsPerAddress?: number;
  /** A request's store write failed for want of storage: the service must stop (the app's fatal exit). */
  onFatal?: (err: AcesyncError) => void;
}

export interface WebContext {
  deps: WebDeps;
  store: Store;
  queue: JobQueue;
  alerts: AlertStore;
  outbox: OutboxStore;
  hub: SseHub;
  metrics: Metrics;
  openapi: OpenApiCollector;
  tokens: TokenSource;
  actions: ActionDeps;
  /** Reads need a token (server bound off loopback). */
  readsNeedToken: boolean;
}
