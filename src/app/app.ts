/**
 * buildApp wires the stages: receivers -> event queue -> processor (store + rules) ->
 * jobs. main passes real sockets, the system clock and the database; tests pass their own.
 */
import { existsSync } from 'node:fs';
import type { Writable } from 'node:stream';
import type { LoadedConfig } from '../config/load.js';
import { PACKAGED_RULES } from '../config/schema.js';
import type { AceEvent } from '../core/events.js';
import { AcesyncError, FileProblemsError, formatProblem } from '../core/errors.js';
import { systemClock, type Clock } from '../core/clock.js';
import { createLogger, type Logger } from '../core/log.js';
import { Inventory } from '../inventory/inventory.js';
import { EventQueue } from '../ingest/event-queue.js';
import { IngestCounters, type Listener } from '../ingest/types.js';
import { SyslogIngest } from '../ingest/syslog-ingest.js';
import { SnmpIngest } from '../ingest/snmp-receiver.js';
import type { JobQueue } from '../store/job-queue.js';
import { buildActions, type Actions } from '../jobs/actions.js';
import { loadRules } from '../engine/loader.js';
import { Processor } from '../engine/processor.js';
import { watchRules, type RulesWatcher } from '../engine/watch.js';
import type { DecisionRecord } from '../store/apply.js';
import { Store } from '../store/store.js';
import { Notifier } from '../notify/notifier.js';
import { Metrics } from '../web/metrics.js';
import { buildWebServer, webExtras } from '../web/server.js';
import type { FastifyInstance } from 'fastify';

/** The default rules shipped with the package (dist/app/../../rules). */
export const BUNDLED_RULES = PACKAGED_RULES;

export interface AppOptions {
  loaded: LoadedConfig;
  /** Write every accepted event as one JSON line to `stdout`. */
  printEvents?: boolean;
  stdout?: Writable;
  logger?: Logger;
  clock?: Clock;
  /** Where secrets are read from (default process.env). */
  env?: NodeJS.ProcessEnv;
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
  /** The status page and API (undefined when `http.enabled` is false). */
  readonly web?: FastifyInstance;
  /** Folder (or file) the rules are loaded from. */
  readonly rulesPath: string;
  /** Load the rules again; a bad set is refused (its problems logged) and the old one keeps running. */
  reloadRules(trigger?: string): boolean;
  /** Called once when the state database can no longer be written; the service must exit non-zero. */
  onFatal(listener: (err: AcesyncError) => void): void;
  start(): Promise<void>;
  stop(): Promise<void>;
}

function logDecisions(logger: Logger, records: DecisionRecord[]): void {
  for (const r of records) {
    if (r.kind === 'state')
      logger.info(
        {
          device: r.device,
          context: r.context,
          from: r.from,
          to: r.to,
          rule: r.rule,
          eventId: r.eventId,
          reason: r.reason,
        },
        'state changed',
      );
    else if (r.kind === 'action' && !r.action?.startsWith('settle:') && r.detail?.merged !== true)
      logger.info({ action: r.action, device: r.device, context: r.context, rule: r.rule, due: r.due }, 'action');
    else if (r.kind === 'expect-expired')
      logger.warn({ device: r.device, context: r.context, rule: r.rule, reason: r.reason }, 'expectation expired');
  }
}

/** Bound addresses of the web server, in the listener format (`transport: 'http'`). */
function webAddresses(web: FastifyInstance | undefined): Array<{ transport: 'http'; address: string; port: number }> {
  if (!web) return [];
  const a = web.server.address();
  return a && typeof a === 'object' ? [{ transport: 'http', address: a.address, port: a.port }] : [];
}

export function buildApp(opts: AppOptions): App {
  const { config } = opts.loaded;
  const clock = opts.clock ?? systemClock;
  const logger = opts.logger ?? createLogger(config.log.level);
  const stdout = opts.stdout ?? process.stdout;
  const inventory = Inventory.fromConfig(config);
  const counters = new IngestCounters();

  // Without a configuration file the rules folder may not exist where the defaults point.
  const rulesPath =
    !existsSync(config.rules) && opts.loaded.file === undefined && existsSync(BUNDLED_RULES)
      ? BUNDLED_RULES
      : config.rules;
  const ruleset = loadRules(rulesPath, { engine: config.engine, now: clock.now() });
  const store = Store.open({
    path: config.store.path,
    inventory,
    clock,
    retention: config.store.retention,
    engine: config.engine,
  });
  const processor = new Processor({
    store,
    ruleset,
    clock,
    logger: logger.child({ stage: 'engine' }),
    storeNoise: config.syslog.store_noise,
    onRecords: (r) => {
      logDecisions(logger, r);
      // Every state change reaches open pages at once, intermediate states included.
      if (r.some((x) => x.kind === 'state')) pokeLivePages();
    },
  });

  let pokeLivePages = (): void => undefined;
  let fatal: AcesyncError | undefined;
  const fatalListeners: Array<(err: AcesyncError) => void> = [];
  const fail = (err: unknown): void => {
    if (fatal) return;
    fatal =
      err instanceof AcesyncError
        ? err
        : new AcesyncError(
            'ACESYNC_STORE_WRITE',
            `the event pipeline failed: ${err instanceof Error ? err.message : String(err)}`,
            undefined,
            { cause: err },
          );
    logger.fatal({ err: fatal, code: fatal.code }, fatal.message);
    for (const l of fatalListeners) l(fatal);
  };

  const handle = (events: AceEvent[]): void => {
    if (opts.printEvents) {
      let out = '';
      for (const e of events) out += JSON.stringify(e) + '\n';
      stdout.write(out);
    }
    if (fatal) return;
    try {
      processor.handle(events);
      processor.tick();
      actions.runner.kick();
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
  });
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
  });
  let started = false;
  const deps = { config, inventory, sink: queue, logger, clock, counters };
  const listeners: Listener[] = [];
  if (config.syslog.udp.enabled || config.syslog.tcp.enabled) listeners.push(new SyslogIngest(deps));
  if (config.snmp.enabled) listeners.push(new SnmpIngest(deps));

  const web = config.http.enabled
    ? buildWebServer({
        store,
        queue: store.jobs,
        processor,
        inventory,
        counters,
        config,
        logger,
        clock,
        notifier,
        metrics,
        env: opts.env,
        readiness: () => ({
          ready: started && !fatal && !store.closed,
          checks: { store: !store.closed && !fatal, rules: processor.ruleset.rules.length > 0, listeners: started },
        }),
      })
    : undefined;
  if (web) {
    const { hub } = webExtras(web);
    pokeLivePages = () => hub.poke();
  }

  const timers: NodeJS.Timeout[] = [];
  let watcher: RulesWatcher | undefined;
  let maintenance: Promise<unknown> = Promise.resolve();

  const reloadRules = (trigger = 'reload'): boolean => {
    try {
      const next = loadRules(rulesPath, { engine: config.engine, now: clock.now() });
      const r = processor.reload(next);
      logger.info(
        { trigger, rules: r.rules, droppedExpectations: r.droppedExpectations, path: rulesPath },
        'rules reloaded',
      );
      return true;
    } catch (err) {
      if (err instanceof FileProblemsError) {
        logger.error(
          { trigger, path: rulesPath, problems: err.problems.map(formatProblem) },
          'rules refused; the previous rules keep running',
        );
        return false;
      }
      if (err instanceof AcesyncError && err.code === 'ACESYNC_STORE_WRITE') fail(err);
      else logger.error({ err, trigger }, 'rules reload failed; the previous rules keep running');
      return false;
    }
  };

  const maintain = (): void => {
    // One pass at a time; chunks yield to the event loop so ingestion never waits long.
    maintenance = maintenance
      .then(async () => {
        if (fatal || store.closed) return;
        const counts = await store.pruneAsync(clock.now());
        store.optimize();
        logger.debug({ pruned: counts }, 'retention pass done');
      })
      .catch((err) => fail(err));
  };

  return {
    inventory,
    counters,
    queue,
    listeners,
    logger,
    store,
    jobs: store.jobs,
    processor,
    actions,
    notifier,
    web,
    rulesPath,
    reloadRules,
    onFatal(listener) {
      if (fatal) listener(fatal);
      else fatalListeners.push(listener);
    },
    async start() {
      const recovered = store.jobs.recover();
      if (recovered > 0) logger.warn({ recovered }, 'jobs left running by the last run are due again');
      for (const l of listeners) await l.start();
      // Timers that fell due while acesync was down fire now, as if nothing happened.
      timers.push(
        setInterval(() => {
          if (fatal) return;
          try {
            if (processor.tick() > 0) actions.runner.kick();
          } catch (err) {
            fail(err);
          }
        }, config.engine.tick_interval_ms),
      );
      timers.push(setInterval(maintain, config.engine.maintenance_interval_ms));
      maintain();
      if (config.engine.watch_rules) watcher = watchRules(rulesPath, () => reloadRules('file change'), { logger });
      actions.start();
      notifier.start();
      if (web)
        await web.listen({ host: config.http.host, port: config.http.port }).catch((err: NodeJS.ErrnoException) => {
          throw new AcesyncError(
            'ACESYNC_LISTEN',
            `http.port: the status page cannot listen on ${config.http.host}:${config.http.port}: ${err.code ?? err.message} (set http.host/port)`,
            { key: ['http', 'port'] },
            { cause: err },
          );
        });
      started = true;
      logger.info(
        {
          listeners: [...listeners.flatMap((l) => l.addresses()), ...webAddresses(web)],
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
    async stop() {
      for (const t of timers) clearInterval(t);
      watcher?.close();
      started = false;
      await actions.stop().catch((err) => logger.warn({ err }, 'stopping the workers failed'));
      await notifier.stop();
      await web?.close();
      for (const l of listeners) await l.stop().catch((err) => logger.warn({ err }, 'listener stop failed'));
      queue.flush();
      await maintenance;
      if (!fatal) {
        try {
          processor.tick();
        } catch (err) {
          logger.warn({ err }, 'last timer pass failed');
        }
      }
      store.close();
    },
  };
}
