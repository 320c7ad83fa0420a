/**
 * The action stage, assembled: the SSH poller and its audit scheduler, the ANM upload
 * strategy, and the job runner that connects the persistent queue to them. Results go
 * back into the event queue, so the rule engine sees every outcome.
 */
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
import type { AnmSoapClient } from '../anm/soap-client.js';
import { StoreKnownHosts } from '../store/known-hosts.js';
import { PRIORITY, type Job, type JobQueue } from '../store/job-queue.js';
import { JobRunner } from './runner.js';
import { auditHandler, cryptoHandler, gaveUpEvents, uploadHandler } from './workers.js';

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
}

export interface Actions {
  poller: Poller;
  scheduler: AuditScheduler;
  runner: JobRunner;
  strategy: UploadStrategy;
  anmClient?: AnmSoapClient;
  /** The ANM circuit breakers (one per server), for metrics. */
  breakers: BreakerRegistry;
  start(): void;
  stop(): Promise<void>;
}

/** How long one job may run: an audit of every context of a device, or an upload. */
function jobTimeouts(config: Config): { ssh: number; upload: number } {
  const perCommand = Math.max(...config.devices.map((d) => d.ssh.command_timeout_ms), 60_000);
  const contexts = Math.max(...config.devices.map((d) => d.contexts.length + 1), 1);
  const strategyTimeout = 'timeout_ms' in config.anm.strategy ? (config.anm.strategy.timeout_ms as number) : 120_000;
  return { ssh: Math.min(perCommand * (contexts + 3), 30 * 60_000), upload: strategyTimeout + perCommand };
}

export function buildActions(d: ActionsDeps): Actions {
  const { config, baseDir } = d.loaded;
  const log = d.logger.child({ stage: 'actions' });
  const { poller, scheduler } = buildPolling({
    config,
    inventory: d.inventory,
    logger: d.logger,
    clock: d.clock,
    env: d.env,
    // Scheduled audits wait behind the ones rules ask for (PRIORITY.scheduled < rule).
    requestAudit: (device, reason) => {
      d.jobs.enqueue({
        type: 'audit',
        device,
        priority: PRIORITY.scheduled,
        payload: { reasons: [`scheduled (${reason})`] },
      });
      runner.kick();
    },
    emit: d.emit,
    knownHosts: new StoreKnownHosts(d.store.db, d.clock),
    baseline: (dev, ctx) => d.store.anmCopy(dev, ctx),
    previous: (dev, ctx) => d.store.versions.latest(dev, ctx),
  });

  const breakers = createBreakers(config.anm, { clock: d.clock, logger: log });
  const anmDeps = { env: d.env, baseDir, logger: log, clock: d.clock, breakers };
  // Without ANM configured, uploads are the manual procedure: an alert with the steps,
  // the context staying stale until an operator acknowledges.
  const strategy = createUploadStrategy(
    config.anm.enabled ? config.anm : { ...config.anm, strategy: manualStrategySchema.parse({ type: 'manual' }) },
    anmDeps,
  );
  const anmClient = config.anm.enabled ? createAnmClient(config.anm, anmDeps) : undefined;
  const timeouts = jobTimeouts(config);
  const workerDeps = {
    poller,
    store: d.store,
    inventory: d.inventory,
    clock: d.clock,
    strategy,
    strategyName: strategy.name,
  };

  const runner: JobRunner = new JobRunner({
    jobs: d.jobs,
    clock: d.clock,
    logger: log,
    emit: d.emit,
    pools: [
      // One SSH job per device at a time: audits and crypto checks share `changeto`.
      {
        name: 'ssh',
        types: ['audit', 'check-crypto'],
        maxRunning: config.poller.max_sessions,
        perDevice: 1,
        timeoutMs: timeouts.ssh,
      },
      { name: 'upload', types: ['upload'], maxRunning: 2, perDevice: 1, timeoutMs: timeouts.upload },
    ],
    handlers: {
      audit: auditHandler(workerDeps),
      'check-crypto': cryptoHandler(workerDeps),
      upload: uploadHandler(workerDeps),
    },
    onGaveUp: gaveUpEvents(workerDeps),
    onFinished: d.onJobFinished,
  });

  // Rules set a device's poll cadence in the store (fast polling when syslog may be
  // silenced); the scheduler follows it.
  let cadenceTimer: NodeJS.Timeout | undefined;
  const syncCadence = (): void => {
    for (const device of d.inventory.devices.keys()) {
      const c = d.store.pollCadence(device);
      scheduler.setCadence(device, c.mode, c.until);
    }
  };

  return {
    poller,
    scheduler,
    runner,
    strategy,
    anmClient,
    breakers,
    start() {
      if (config.engine.jobs.workers) runner.start();
      else log.warn('engine.jobs.workers is false: jobs are queued but not run (dry run)');
      if (config.poller.enabled) {
        syncCadence();
        cadenceTimer = setInterval(syncCadence, 1000);
        cadenceTimer.unref?.();
        scheduler.start();
      }
      if (anmClient) void reconcileWithAnm(anmClient, d.inventory, log);
    },
    async stop() {
      if (cadenceTimer) clearInterval(cadenceTimer);
      scheduler.stop();
      await runner.stop();
      await poller.close();
      await strategy.close();
      await anmClient?.close().catch(() => undefined);
    },
  };
}

/** Compare ANM's inventory with ours once at start; report contexts either side lacks. */
async function reconcileWithAnm(client: AnmSoapClient, inventory: Inventory, log: Logger): Promise<void> {
  const { reconcile, inventoryContextRefs } = await import('../anm/reconcile.js');
  try {
    const ids = await client.listDeviceIds('VIRTUAL_CONTEXT', { timeoutMs: 30_000 });
    const r = reconcile(ids, inventoryContextRefs(inventory.devices.values()));
    if (r.missingInAnm.length > 0 || r.unknownToAcesync.length > 0)
      log.warn(
        { missingInAnm: r.missingInAnm.slice(0, 50), unknownToAcesync: r.unknownToAcesync.slice(0, 50) },
        'ANM and acesync know different contexts',
      );
    else log.info({ matched: r.matched.length }, 'ANM knows every context acesync knows');
  } catch (err) {
    log.warn({ err: err instanceof Error ? err.message : String(err) }, 'could not list ANM inventory');
  }
}
