/**
 * buildApp wires the stages: receivers -> event queue -> processor (store + rules) -> jobs. main passes real
 * sockets, the system clock and the database; tests pass their own. The running service is a list of named
 * components (component.ts) started in order and stopped in reverse; stages built early tell those built later
 * what happened over a typed bus (events.ts) instead of calling callbacks bound late.
 */
import type { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import type { LoadedConfig } from '../config/load.js';
import type { Config } from '../config/schema.js';
import { loggingDriftUnchecked } from '../config/sections/poller.js';
import type { AceEvent } from '../core/events.js';
import { AcesyncError } from '../core/errors.js';
import { systemClock, type Clock } from '../core/clock.js';
import { createLogger, type Logger } from '../core/log.js';
import { Inventory } from '../inventory/inventory.js';
import { EventQueue } from '../ingest/event-queue.js';
import { IngestCounters, type Listener } from '../ingest/types.js';
import { inertJson } from '../core/inert.js';
import { anmTransportWarnings } from '../config/sections/anm.js';
import type { EngineConfig } from '../config/sections/engine.js';
import { loadRemoteEngines, nextSnmpEngineBoots, saveRemoteEngines } from '../store/snmp-engine.js';
import type { JobQueue } from '../store/job-queue.js';
import { buildActions, type Actions } from '../jobs/actions.js';
import { GitMirror } from '../jobs/git-mirror.js';
import { loadRules } from '../engine/loader.js';
import { procedureSettings } from '../anm/procedure.js';
import { Processor } from '../engine/processor.js';
import { watchRules, type RulesWatcher } from '../engine/watch.js';
import { Store } from '../store/store.js';
import { Notifier } from '../notify/notifier.js';
import { Metrics } from '../web/metrics.js';
import { buildWebServer, webExtras } from '../web/server.js';
import { Lifecycle, type Component } from './component.js';
import { createAppBus, type AppBus } from './events.js';
import { WalCheckpointer } from '../store/checkpointer.js';
import { FatalLatch } from './fatal.js';
import { Maintenance } from './maintenance.js';
import { logDecisions, webAddresses } from './report.js';
import { LISTENER_NAMES, listenerFactory, type ListenerFactory, type ListenerSlot } from './listeners.js';
import { rulesPathOf, rulesReloader } from './rules.js';

export { BUNDLED_RULES } from './rules.js';

export interface AppOptions {
  loaded: LoadedConfig;
  /** Write every accepted event as one JSON line to `stdout`. */
  printEvents?: boolean;
  stdout?: Writable;
  logger?: Logger;
  clock?: Clock;
  /** Where secrets are read from (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** Create a new state database over an empty or non-SQLite file (`acesync start --init`). */
  initStore?: boolean;
}

export interface App {
  readonly inventory: Inventory;
  readonly counters: IngestCounters;
  readonly queue: EventQueue;
  readonly listeners: Listener[];
  readonly logger: Logger;
  /** The state database: context states, decisions, configuration history. */
  readonly store: Store;
  /** The persistent job queue workers claim from. */
  readonly jobs: JobQueue;
  readonly processor: Processor;
  /** Poller, audit scheduler, upload strategy and the job runner. */
  readonly actions: Actions;
  /** Turns alert jobs into alerts and delivers webhooks. */
  readonly notifier: Notifier;
  /** Commits stored configuration versions to `store.git_mirror` (undefined when it is not set). */
  readonly gitMirror?: GitMirror;
  /** The status page and API (undefined when `http.enabled` is false). */
  readonly web?: FastifyInstance;
  /** Folder (or file) the rules are loaded from. */
  readonly rulesPath: string;
  /** What the components tell each other (decisions, jobs due, fatal). */
  readonly bus: AppBus;
  /** The components, in start order (stop runs them in reverse). */
  readonly components: readonly string[];
  /** What a configuration reload changes in place (reload.ts and its appliers). */
  readonly live: LiveControls;
  /** Load the rules again; a bad set is refused (its problems logged) and the old one keeps running. */
  reloadRules(trigger?: string): boolean;
  /** Called once when the state database can no longer be written; the service must exit non-zero. */
  onFatal(listener: (err: AcesyncError) => void): void;
  /** Start the components in order; when one fails, those already started are stopped (in reverse). */
  start(): Promise<void>;
  /** Stop the started components in reverse order; the database is closed even if start never ran. */
  stop(): Promise<void>;
}

/** The running parts a configuration reload swaps or retimes (the components' own methods do the rest). */
export interface LiveControls {
  /** The listener places, in start order; reload-listeners.ts swaps their listener. */
  readonly slots: readonly ListenerSlot[];
  readonly makeListener: ListenerFactory;
  /** The intervals the engine and retention timers run at now. */
  readonly timers: { tickMs: number; maintenanceMs: number };
  /** engine.tick_interval_ms / maintenance_interval_ms: the timers restart at the new intervals. */
  setTimers(tickMs: number, maintenanceMs: number): void;
  /** engine.watch_rules: start or stop the rules folder watcher. */
  setWatchRules(on: boolean): void;
  /** The engine section rule reloads (SIGHUP, file watch) load with from now on. */
  setEngine(engine: EngineConfig): void;
  /**
   * The configuration in effect after a reload: what the page, the API and readiness describe (ANM settings and
   * transport warnings, the logging-drift detail). `http.*` itself takes effect at a restart only.
   */
  setConfig(config: Config): void;
}

export function buildApp(opts: AppOptions): App {
  const { config } = opts.loaded;
  const clock = opts.clock ?? systemClock;
  const logger = opts.logger ?? createLogger(config.log.level);
  const stdout = opts.stdout ?? process.stdout;
  const bus = createAppBus();
  const fatal = new FatalLatch(bus, logger);
  const fail = (err: unknown): void => fatal.fail(err);
  const inventory = Inventory.fromConfig(config);
  const counters = new IngestCounters();

  const rulesPath = rulesPathOf(opts.loaded);
  const ruleset = loadRules(rulesPath, { engine: config.engine, now: clock.now() });
  const store = Store.open({
    path: config.store.path,
    inventory,
    clock,
    retention: config.store.retention,
    engine: config.engine,
    init: opts.initStore,
  });
  const checkpointer =
    store.path === ':memory:'
      ? undefined
      : new WalCheckpointer({ db: store.db, path: store.path, logger: logger.child({ stage: 'checkpointer' }) });
  bus.on('decisions', (r) => logDecisions(logger, r));
  const processor = new Processor({
    store,
    ruleset,
    clock,
    logger: logger.child({ stage: 'engine' }),
    storeNoise: config.syslog.store_noise,
    contextCreationsPerMinute: config.engine.context_creations_per_minute,
    onRecords: (r) => bus.emit('decisions', r),
  });

  const handle = (events: AceEvent[]): void => {
    if (opts.printEvents) {
      let out = '';
      for (const e of events) out += inertJson(e) + '\n';
      stdout.write(out);
    }
    if (fatal.error) return;
    try {
      processor.handle(events);
      processor.tick();
      bus.emit('jobs-due');
    } catch (err) {
      fail(err);
    }
  };
  const queue = new EventQueue({ limit: config.syslog.queue_limit, clock, drain: handle });
  const metrics = new Metrics();
  const actions = buildActions({
    loaded: opts.loaded,
    inventory,
    store,
    jobs: store.jobs,
    emit: (e) => queue.push(e),
    clock,
    logger,
    env: opts.env,
    onJobFinished: (job, outcome, ms) => metrics.observeJob(job.type, outcome, ms / 1000),
    onFatal: (err) => fail(err),
  });
  const gitMirror =
    config.store.git_mirror !== undefined
      ? new GitMirror({
          dir: config.store.git_mirror,
          db: () => (store.closed || fatal.error ? undefined : store.db),
          logger: logger.child({ stage: 'git-mirror' }),
        })
      : undefined;
  if (gitMirror) store.versions.onRecorded(() => gitMirror.notify());
  metrics.attachOperators({
    gitMirror: gitMirror && (() => gitMirror.stats),
    sshFailures: () => actions.poller.sshFailures(),
    anmBreakers: () => actions.breakers.entries().map(([server, b]) => ({ server, state: b.state })),
  });
  bus.on('jobs-due', () => actions.runner.kick());
  const externalUrl =
    config.http.external_url ??
    `http://${config.http.host.includes(':') ? `[${config.http.host}]` : config.http.host}:${config.http.port}`;
  const notifier = new Notifier({
    store,
    webhooks: config.webhooks,
    clock,
    logger,
    externalUrl,
    baseDir: opts.loaded.baseDir,
    env: opts.env,
    procedure: procedureSettings(config.anm),
    onFatal: (err) => fail(err),
  });
  let started = false;
  const makeListener = listenerFactory({
    inventory,
    sink: queue,
    logger,
    clock,
    counters,
    env: opts.env,
    snmp: {
      engineBoots: (id) => nextSnmpEngineBoots(store.db, id, clock.now(), store.path),
      remoteEngines: {
        load: (limit) => loadRemoteEngines(store.db, limit),
        save: (rows) => {
          if (fatal.error || store.closed) return;
          try {
            saveRemoteEngines(store.db, rows, store.path);
          } catch (err) {
            fail(err);
          }
        },
      },
    },
  });
  // Both places exist even when empty: a reload may enable a listener the start did not.
  const slots: ListenerSlot[] = LISTENER_NAMES.map((name) => ({ name, listener: makeListener(name, config) }));

  let liveConfig = config;
  let driftUnchecked = loggingDriftUnchecked(config);
  const web = config.http.enabled
    ? buildWebServer({
        store,
        queue: store.jobs,
        processor,
        inventory,
        counters,
        // Read at each request: a reload's configuration, not the one at start.
        get config() {
          return liveConfig;
        },
        logger,
        clock,
        notifier,
        metrics,
        env: opts.env,
        onFatal: (err) => fail(err),
        readiness: () => ({
          ready: started && !fatal.error && !store.closed,
          checks: {
            store: !store.closed && !fatal.error,
            rules: processor.ruleset.rules.length > 0,
            listeners: started,
            // A detail, not a failure: the service works, but one of its detections is off.
            ...(driftUnchecked !== undefined ? { logging_drift: driftUnchecked } : {}),
          },
        }),
      })
    : undefined;
  if (web) {
    // Every state change reaches open pages at once, intermediate states included.
    const { hub } = webExtras(web);
    bus.on('decisions', (r) => {
      if (r.some((x) => x.kind === 'state')) hub.poke();
    });
  }

  // The engine section rules are loaded with: a configuration reload replaces it.
  let engine = config.engine;
  const reloadRules = rulesReloader({ processor, rulesPath, engine: () => engine, clock, logger, fail });
  const maintenance = new Maintenance({ store, clock, logger, halted: () => fatal.error !== undefined, fail });
  const timers: NodeJS.Timeout[] = [];
  let timerIntervals = { tickMs: config.engine.tick_interval_ms, maintenanceMs: config.engine.maintenance_interval_ms };
  let timersRunning = false;
  const startTimers = (): void => {
    timersRunning = true;
    timers.push(
      setInterval(() => {
        if (fatal.error) return;
        try {
          if (processor.tick() > 0) actions.runner.kick();
        } catch (err) {
          fail(err);
        }
      }, timerIntervals.tickMs),
    );
    timers.push(setInterval(() => maintenance.pass(), timerIntervals.maintenanceMs));
  };
  const stopTimers = (): void => {
    timersRunning = false;
    for (const t of timers.splice(0)) clearInterval(t);
  };
  let watcher: RulesWatcher | undefined;
  let watchOn = config.engine.watch_rules;
  let watcherRunning = false;
  const startWatcher = (): void => {
    watcherRunning = true;
    if (watchOn) watcher = watchRules(rulesPath, () => reloadRules('file change'), { logger });
  };
  const stopWatcher = (): void => {
    watcherRunning = false;
    watcher?.close();
    watcher = undefined;
  };
  const live: LiveControls = {
    slots,
    makeListener,
    get timers() {
      return { ...timerIntervals };
    },
    setTimers(tickMs, maintenanceMs) {
      timerIntervals = { tickMs, maintenanceMs };
      if (!timersRunning) return;
      stopTimers();
      startTimers();
    },
    setWatchRules(on) {
      if (on === watchOn) return;
      watchOn = on;
      if (!watcherRunning) return;
      stopWatcher();
      startWatcher();
    },
    setEngine(next) {
      engine = next;
    },
    setConfig(next) {
      liveConfig = next;
      driftUnchecked = loggingDriftUnchecked(next);
    },
  };

  // Start order; stop runs it backwards: readiness off, watcher and timers off, workers, notifier, web,
  // listeners, then what they fed (queue flush, retention, a last timer pass) and the database last. Nothing is
  // ready (readyz, the 'acesync started' line) before the last component has started.
  const components: Component[] = [
    // Opened by buildApp; closed last.
    { name: 'store', stop: () => store.close() },
    // WAL checkpoints in a thread of their own, not in the commits of the event path.
    ...(checkpointer
      ? [{ name: 'checkpointer', start: () => checkpointer.start(), stop: () => checkpointer.stop() }]
      : []),
    {
      name: 'engine',
      // A last timer pass once the queue has been flushed into the processor.
      stop: () => {
        if (fatal.error) return;
        try {
          processor.tick();
        } catch (err) {
          logger.warn({ err }, 'last timer pass failed');
        }
      },
    },
    { name: 'retention', stop: () => maintenance.drain() },
    { name: 'event-queue', stop: () => queue.flush() },
    {
      name: 'job-recovery',
      start: () => {
        if (driftUnchecked !== undefined) logger.warn({ key: 'poller.expected_logging.hosts' }, driftUnchecked);
        const recovered = store.jobs.recover();
        if (recovered > 0) logger.warn({ recovered }, 'jobs left running by the last run are due again');
      },
    },
    ...slots.map((slot): Component => ({
      name: slot.name,
      start: () => slot.listener?.start(),
      stop: () => slot.listener?.stop().catch((err) => logger.warn({ err }, 'listener stop failed')),
    })),
    ...(web
      ? [
          {
            name: 'web',
            start: async () => {
              await web
                .listen({ host: config.http.host, port: config.http.port })
                .catch((err: NodeJS.ErrnoException) => {
                  throw new AcesyncError(
                    'ACESYNC_LISTEN',
                    `http.port: the status page cannot listen on ${config.http.host}:${config.http.port}: ` +
                      `${err.code ?? err.message} (set http.host/port)`,
                    { key: ['http', 'port'] },
                    { cause: err },
                  );
                });
            },
            stop: () => web.close(),
          },
        ]
      : []),
    { name: 'notifier', start: () => notifier.start(), stop: () => notifier.stop() },
    // After the store, before the workers: it commits what audits store, and stops once they stopped.
    ...(gitMirror ? [{ name: 'git-mirror', start: () => gitMirror.start(), stop: () => gitMirror.stop() }] : []),
    {
      name: 'actions',
      start: () => actions.start(),
      stop: () => actions.stop().catch((err) => logger.warn({ err }, 'stopping the workers failed')),
    },
    {
      name: 'timers',
      // Timers that fell due while acesync was down fire now, as if nothing happened.
      start: () => {
        startTimers();
        maintenance.pass();
      },
      stop: stopTimers,
    },
    {
      name: 'rules-watcher',
      start: startWatcher,
      stop: stopWatcher,
    },
    {
      name: 'ready',
      start: () => {
        started = true;
        // Every start, not only the first: a weak ANM transport must not become background.
        for (const warning of anmTransportWarnings(config.anm)) logger.warn({ anm: config.anm.url }, warning);
        logger.info(
          {
            listeners: [...slots.flatMap((l) => l.listener?.addresses() ?? []), ...webAddresses(web)],
            devices: inventory.devices.size,
            rules: processor.ruleset.rules.length,
            rulesPath,
            store: config.store.path,
            timers: store.timers().length,
            jobs: store.jobs.counts(),
          },
          'acesync started',
        );
      },
      stop: () => {
        started = false;
      },
    },
  ];
  const lifecycle = new Lifecycle(components, logger);

  return {
    inventory,
    counters,
    queue,
    get listeners() {
      return slots.flatMap((l) => (l.listener ? [l.listener] : []));
    },
    logger,
    store,
    jobs: store.jobs,
    processor,
    actions,
    notifier,
    gitMirror,
    web,
    rulesPath,
    bus,
    components: lifecycle.names,
    reloadRules,
    live,
    onFatal: (listener) => fatal.onFatal(listener),
    start: () => lifecycle.start(),
    async stop() {
      try {
        await lifecycle.stop();
      } finally {
        // buildApp opened the database: it is closed even when start never ran.
        if (!store.closed) store.close();
      }
    },
  };
}
