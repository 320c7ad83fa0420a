/**
 * The action stage, assembled: the SSH poller and its audit scheduler, the ANM upload
 * strategy, and the job runner that connects the persistent queue to them. Results go
 * back into the event queue, so the rule engine sees every outcome.
 */
import type { AcesyncError } from '../core/errors.js';
import type { Config } from '../config/schema.js';
import type { LoadedConfig } from '../config/load.js';
import type { AceEvent } from '../core/events.js';
import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/log.js';
import type { Inventory } from '../inventory/inventory.js';
import type { Store } from '../store/store.js';
import { buildPolling, type AuditScheduler, type Poller } from '../devices/index.js';
import type { BreakerRegistry } from '../anm/breaker.js';
import { createAnmClient, createBreakers } from '../anm/connect.js';
import { createUploadStrategy, type UploadStrategy } from '../anm/strategy.js';
import { manualStrategySchema } from '../config/sections/anm.js';
import { firstAuditMode } from '../config/sections/engine.js';
import type { AnmSoapClient } from '../anm/soap-client.js';
import { StoreKnownHosts } from '../store/known-hosts.js';
import { PRIORITY, type Job, type JobQueue } from '../store/job-queue.js';
import { inventoryContextRefs, reconcile } from '../anm/reconcile.js';
import { JobRunner, type JobPool } from './runner.js';
import { SwappableStrategy } from './swap-strategy.js';
import {
  auditBatchHandler,
  auditHandler,
  cryptoHandler,
  gaveUpEvents,
  uploadHandler,
  type WorkerDeps,
} from './workers.js';
import { asStoreWriteFailure } from '../store/database.js';

export interface ActionsDeps {
  loaded: LoadedConfig;
  inventory: Inventory;
  store: Store;
  jobs: JobQueue;
  emit(event: AceEvent): void;
  clock: Clock;
  logger: Logger;
  env?: NodeJS.ProcessEnv;
  /** Metrics hook: every finished job attempt. */
  onJobFinished?(job: Job, outcome: 'done' | 'retry' | 'failed', ms: number): void;
  /** The state database cannot be written (from the job runner): the service must stop. */
  onFatal?(err: AcesyncError): void;
}

export interface Actions {
  poller: Poller;
  scheduler: AuditScheduler;
  runner: JobRunner;
  /** The upload strategy in use (swapped by `prepareAnm(...).commit()`). */
  readonly strategy: UploadStrategy;
  readonly anmClient?: AnmSoapClient;
  /** The ANM circuit breakers (one per server), for metrics. */
  readonly breakers: BreakerRegistry;
  start(): void;
  stop(): Promise<void>;
  /**
   * A configuration reload of `anm:` (and `engine.first_audit`): strategy, SOAP client and breakers are built
   * from the new section (this throws, on a missing secret say, before anything is swapped); `commit` swaps them
   * in (a running upload finishes on the old strategy, which is closed after it), `discard` closes them unused.
   */
  prepareAnm(loaded: LoadedConfig): { commit(): void; discard(): void };
  /**
   * A configuration reload of `poller:` and the inventory: the scheduler, the poller's settings and pool, the
   * SSH job pool and the job deadlines follow the new configuration; `enabled` starts or stops the scheduler.
   * Sessions of the devices named in `recycle` (host or SSH settings changed) are closed after their job.
   */
  applyPoller(config: Config, recycle: readonly string[]): void;
  /** engine.jobs.workers changed: start the runner, or stop it (running jobs aborted and due again). */
  setWorkers(enabled: boolean): Promise<void>;
}

/** How long one job may run: an audit of every context of a device, or an upload. */
/**
 * Most per-context audit jobs of one device run in one pass. The SSH job deadline is sized
 * for a full audit (every context of the largest device), which bounds a batch too.
 */
export const AUDIT_BATCH_MAX = 64;

function jobTimeouts(config: Config): { ssh: number; upload: number } {
  const perCommand = Math.max(...config.devices.map((d) => d.ssh.command_timeout_ms), 60_000);
  const contexts = Math.max(...config.devices.map((d) => d.contexts.length + 1), 1);
  const strategyTimeout = 'timeout_ms' in config.anm.strategy ? (config.anm.strategy.timeout_ms as number) : 120_000;
  return { ssh: Math.min(perCommand * (contexts + 3), 30 * 60_000), upload: strategyTimeout + perCommand };
}

interface AnmParts {
  breakers: BreakerRegistry;
  strategy: UploadStrategy;
  /** first_audit: ask with http/command: first uploads go to a person. */
  manual?: UploadStrategy;
  anmClient?: AnmSoapClient;
  firstAudit: ReturnType<typeof firstAuditMode>;
}

/** What talks to ANM, built from one configuration (at start and at each reload of `anm:`). */
function buildAnmParts(loaded: LoadedConfig, d: Pick<ActionsDeps, 'env' | 'clock'>, log: Logger): AnmParts {
  const { config, baseDir } = loaded;
  const breakers = createBreakers(config.anm, { clock: d.clock, logger: log });
  const anmDeps = { env: d.env, baseDir, logger: log, clock: d.clock, breakers };
  // Without ANM configured, uploads are the manual procedure: an alert with the steps,
  // the context staying stale until an operator acknowledges.
  const strategy = createUploadStrategy(
    config.anm.enabled ? config.anm : { ...config.anm, strategy: manualStrategySchema.parse({ type: 'manual' }) },
    anmDeps,
  );
  const anmClient = config.anm.enabled ? createAnmClient(config.anm, anmDeps) : undefined;
  const firstAudit = firstAuditMode(config.engine, config.anm);
  const manualConfig =
    config.anm.strategy.type === 'manual' ? config.anm.strategy : manualStrategySchema.parse({ type: 'manual' });
  const manual =
    firstAudit === 'ask' && strategy.name !== 'manual'
      ? createUploadStrategy({ ...config.anm, strategy: manualConfig }, anmDeps)
      : undefined;
  return { breakers, strategy, anmClient, firstAudit, ...(manual ? { manual } : {}) };
}

export function buildActions(d: ActionsDeps): Actions {
  let { config } = d.loaded;
  const log = d.logger.child({ stage: 'actions' });
  const { poller, scheduler } = buildPolling({
    config,
    inventory: d.inventory,
    logger: d.logger,
    clock: d.clock,
    env: d.env,
    // Scheduled audits wait behind the ones rules ask for (PRIORITY.scheduled < rule).
    requestAudit: (device, reason) => {
      try {
        d.jobs.enqueue({
          type: 'audit',
          device,
          priority: PRIORITY.scheduled,
          payload: { reasons: [`scheduled (${reason})`] },
        });
      } catch (err) {
        // The scheduler runs on its own timer: a store that cannot be written stops the service the one way
        // (the fatal exit), never an exception thrown out of a timer.
        const fatal = asStoreWriteFailure(err);
        if (!fatal) throw err;
        scheduler.stop();
        log.fatal({ err: fatal }, 'the job queue cannot be written: stopping');
        d.onFatal?.(fatal);
        return;
      }
      runner.kick();
    },
    emit: d.emit,
    knownHosts: new StoreKnownHosts(d.store.db, d.clock),
    baseline: (dev, ctx) => d.store.anmCopy(dev, ctx),
    previous: (dev, ctx) => d.store.versions.latest(dev, ctx),
    // The store knows what was learnt (unconfirmed and confirmed), not only the configuration.
    isKnownContext: (dev, ctx) => {
      const c = d.store.view.context(dev, ctx);
      return c !== undefined && c.sync !== 'removed';
    },
    storedContexts: (dev) =>
      d.store
        .contexts()
        .filter((c) => c.device === dev)
        .map((c) => ({ context: c.context, sync: c.sync, configured: c.configured })),
  });

  let anm = buildAnmParts(d.loaded, d, log);
  const strategy = new SwappableStrategy(anm.strategy);
  const timeouts = jobTimeouts(config);
  // Handlers read these at each job: a reload changes them between jobs.
  const workerDeps: WorkerDeps = {
    poller,
    store: d.store,
    inventory: d.inventory,
    clock: d.clock,
    strategy,
    strategyName: strategy.name,
    firstAudit: anm.firstAudit,
    ...(anm.manual ? { manual: anm.manual } : {}),
  };

  // One SSH job per device at a time: audits and crypto checks share `changeto`.
  const sshPool: JobPool = {
    name: 'ssh',
    types: ['audit', 'check-crypto'],
    maxRunning: config.poller.max_sessions,
    perDevice: 1,
    timeoutMs: timeouts.ssh,
    // A device's due per-context audits run as one pass (Admin read once): after a failover
    // of N groups, N audits cost one `show ft group detail`, not N.
    batch: { types: ['audit'], max: AUDIT_BATCH_MAX },
  };
  const uploadPool: JobPool = {
    name: 'upload',
    types: ['upload'],
    maxRunning: 2,
    perDevice: 1,
    timeoutMs: timeouts.upload,
  };
  const runner: JobRunner = new JobRunner({
    jobs: d.jobs,
    clock: d.clock,
    logger: log,
    emit: d.emit,
    onFatal: d.onFatal,
    pools: [sshPool, uploadPool],
    handlers: {
      audit: auditHandler(workerDeps),
      'check-crypto': cryptoHandler(workerDeps),
      upload: uploadHandler(workerDeps),
    },
    batchHandlers: { audit: auditBatchHandler(workerDeps) },
    onGaveUp: gaveUpEvents(workerDeps),
    onFinished: d.onJobFinished,
  });

  // Rules set a device's poll cadence in the store (fast polling when syslog may be
  // silenced); the scheduler follows it.
  let cadenceTimer: NodeJS.Timeout | undefined;
  let reconcileTimer: NodeJS.Timeout | undefined;
  let started = false;
  let workers = false;
  const syncCadence = (): void => {
    for (const device of d.inventory.devices.keys()) {
      const c = d.store.pollCadence(device);
      scheduler.setCadence(device, c.mode, c.until);
    }
  };
  const startPolling = (): void => {
    syncCadence();
    cadenceTimer = setInterval(syncCadence, 1000);
    cadenceTimer.unref?.();
    scheduler.start();
  };
  const stopPolling = (): void => {
    if (cadenceTimer) clearInterval(cadenceTimer);
    cadenceTimer = undefined;
    scheduler.stop();
  };
  const startReconcile = (): void => {
    const client = anm.anmClient;
    if (!client) return;
    // At start and on a schedule; one run at a time.
    let running = false;
    const run = (): void => {
      if (running || d.store.closed) return;
      running = true;
      void reconcileWithAnm(client, d.inventory, d.store, d.jobs, d.clock, log).finally(() => {
        running = false;
      });
    };
    run();
    reconcileTimer = setInterval(run, config.anm.reconcile_interval_ms);
    reconcileTimer.unref?.();
  };
  const stopReconcile = (): void => {
    if (reconcileTimer) clearInterval(reconcileTimer);
    reconcileTimer = undefined;
  };
  const retime = (): void => {
    const t = jobTimeouts(config);
    sshPool.timeoutMs = t.ssh;
    sshPool.maxRunning = config.poller.max_sessions;
    uploadPool.timeoutMs = t.upload;
  };

  const commitAnm = (loaded: LoadedConfig, next: AnmParts): void => {
    const old = anm;
    config = { ...config, anm: loaded.config.anm, engine: loaded.config.engine };
    anm = next;
    strategy.swap(next.strategy);
    workerDeps.strategyName = next.strategy.name;
    workerDeps.firstAudit = next.firstAudit;
    if (next.manual) workerDeps.manual = next.manual;
    else delete workerDeps.manual;
    // The manual strategy holds nothing open; the SOAP client's requests in flight finish on their socket.
    void old.manual?.close().catch(() => undefined);
    void old.anmClient?.close().catch(() => undefined);
    retime();
    if (started) {
      stopReconcile();
      startReconcile();
    }
  };

  return {
    poller,
    scheduler,
    runner,
    get strategy() {
      return strategy;
    },
    get anmClient() {
      return anm.anmClient;
    },
    get breakers() {
      return anm.breakers;
    },
    start() {
      started = true;
      workers = config.engine.jobs.workers;
      if (workers) runner.start();
      else log.warn('engine.jobs.workers is false: jobs are queued but not run (dry run)');
      if (config.poller.enabled) startPolling();
      startReconcile();
    },
    async stop() {
      started = false;
      stopPolling();
      stopReconcile();
      await runner.stop();
      await poller.close();
      await strategy.close();
      await anm.manual?.close().catch(() => undefined);
      await anm.anmClient?.close().catch(() => undefined);
    },
    prepareAnm(loaded) {
      const next = buildAnmParts(loaded, d, log);
      return {
        discard: () => {
          for (const s of [next.strategy, next.manual]) void s?.close().catch(() => undefined);
          void next.anmClient?.close().catch(() => undefined);
        },
        commit: () => commitAnm(loaded, next),
      };
    },
    applyPoller(next, recycle) {
      const wasEnabled = config.poller.enabled;
      config = { ...config, poller: next.poller, devices: next.devices };
      const p = next.poller;
      poller.reconfigure(p);
      for (const device of recycle) poller.recycle(device);
      scheduler.reconfigure({
        devices: [...d.inventory.devices.keys()],
        intervalMs: p.interval_ms,
        jitterRatio: p.jitter_ratio,
        fastIntervalMs: p.fast_interval_ms,
        overdueAfterMs: p.overdue_after_ms,
        startupSpreadMs: p.startup_spread_ms,
      });
      retime();
      if (!started || wasEnabled === p.enabled) return;
      if (p.enabled) startPolling();
      else stopPolling();
    },
    async setWorkers(enabled) {
      config = { ...config, engine: { ...config.engine, jobs: { ...config.engine.jobs, workers: enabled } } };
      if (!started || workers === enabled) return;
      workers = enabled;
      if (enabled) {
        runner.start();
        return;
      }
      log.warn('engine.jobs.workers is now false: jobs are queued but not run (dry run)');
      await runner.stop();
      // Nothing runs now: the aborted jobs are due again when the workers come back.
      d.jobs.recover();
    },
  };
}

/** The alert raised while ANM lacks configured contexts: one for all of them, not one per context. */
export const ANM_UNKNOWN_RULE = 'anm-unknown-contexts';

/**
 * Compare ANM's inventory with ours and keep the result as state (store.anmInventory): the
 * contexts ANM does not know are shown on the page and in the API, and raise ONE alert
 * (an `alert` job the notifier takes in, deduplicated into one pending job).
 */
export async function reconcileWithAnm(
  client: AnmSoapClient,
  inventory: Inventory,
  store: Store,
  jobs: JobQueue,
  clock: Clock,
  log: Logger,
): Promise<void> {
  try {
    let ids = await client.listDeviceIds('VIRTUAL_CONTEXT', { timeoutMs: 30_000 });
    if (ids.length === 0) {
      // Some ANMs may answer only per ACE: ask each appliance/module for its contexts.
      const aces = [
        ...(await client.listDeviceIds('ACE4710', { timeoutMs: 30_000 })),
        ...(await client.listDeviceIds('ACE_BLADE', { timeoutMs: 30_000 })),
      ];
      ids = [];
      for (const a of aces.slice(0, 500)) ids.push(...(await client.listVirtualContexts(a, { timeoutMs: 30_000 })));
    }
    const r = reconcile(ids, inventoryContextRefs(inventory.devices.values()));
    const now = clock.now();
    store.anmInventory.recordOutcome(
      { ok: true, matched: r.matched.length, anmOnly: r.unknownToAcesync.length, missing: r.missingInAnm },
      now,
    );
    if (r.missingInAnm.length > 0) {
      const names = r.missingInAnm.map((m) => `${m.device}/${m.context}`);
      jobs.enqueue({
        type: 'alert',
        device: '',
        dedupe: ANM_UNKNOWN_RULE,
        priority: PRIORITY.alert,
        payload: {
          rule: ANM_UNKNOWN_RULE,
          eventKind: 'anm-unknown',
          severity: 'warning',
          at: now,
          labels: { alertname: 'AnmUnknownContexts' },
          summary:
            `ANM does not know ${names.length} configured context(s): ${names.slice(0, 20).join(', ')}` +
            `${names.length > 20 ? ', ...' : ''}. Uploads of these cannot succeed: import them in ANM ` +
            '(upload the Admin context of that ACE first), or correct devices[].host.',
        },
      });
      log.warn(
        { missingInAnm: names.slice(0, 50), unknownToAcesync: r.unknownToAcesync.slice(0, 50) },
        'ANM does not know some configured contexts',
      );
    } else
      log.info(
        { matched: r.matched.length, anmOnly: r.unknownToAcesync.length },
        'ANM knows every context acesync knows',
      );
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    store.anmInventory.recordFailure(msg, clock.now());
    log.warn({ err: msg }, 'could not list ANM inventory');
  }
}
