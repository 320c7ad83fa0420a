/**
 * Whole-configuration reload (SIGHUP, `POST /api/v1/reload`): the new file is validated
 * completely first (keys, files, secrets, inventory, rules); anything wrong and it is
 * refused loudly (an error log, `acesync_config_last_reload_successful 0`, a page banner)
 * while the running configuration stays. Otherwise every changed key is applied live by
 * the appliers beside this file, through the components' own methods: listeners rebuilt
 * and swapped (reload-listeners.ts; a port that cannot be bound refuses the reload and
 * the old listener keeps running), the inventory (reload-inventory.ts), the rules,
 * webhooks, ANM, poller, engine, store retention and log level (reload-sections.ts). The
 * few keys a running service cannot take (reload-keys.ts RESTART_ONLY: http.*,
 * store.path, syslog.queue_limit, rules) are reported, with why, as needing a restart.
 * Reloads run one at a time.
 */
import { Gauge } from 'prom-client';
import type { LevelWithSilent } from 'pino';
import { loadConfigFile, type LoadedConfig } from '../config/load.js';
import { fillSecretsFromFiles } from '../config/secret-files.js';
import { FileProblemsError, formatProblem } from '../core/errors.js';
import { Inventory } from '../inventory/inventory.js';
import { checkRules } from '../engine/loader.js';
import { webExtras } from '../web/server.js';
import { asStoreWriteFailure } from '../store/database.js';
import { buildReceivers, type Receiver } from '../notify/receivers.js';
import type { App } from './app.js';
import { classify, restartReason, under } from './reload-keys.js';
import { swapListeners } from './reload-listeners.js';
import { applyInventory } from './reload-inventory.js';
import { applyEngine, applyLog, applyPoller, applyStore, prepareAnm } from './reload-sections.js';

export interface ReloadResult {
  ok: boolean;
  trigger: string;
  /** Why it was refused (file:line:col key: reason). */
  problems: string[];
  devicesAdded: string[];
  devicesRemoved: string[];
  contextsAdded: string[];
  contextsRemoved: string[];
  /** Pending jobs cancelled because their device or context was removed. */
  jobsCancelled: number;
  rules: number;
  /** The webhooks in effect after the reload. */
  webhooks: string[];
  /** Changed keys applied to the running service (dotted paths; a list is one key: `devices`, `webhooks`). */
  applied: string[];
  /** Listeners rebuilt from the new configuration (`listener:syslog`, `listener:snmp`). */
  listenersRebuilt: string[];
  /** Changed keys whose new value takes effect only after a restart. */
  restartNeeded: string[];
}

export interface ConfigReloader {
  /** Validate and apply the file; never rejects (a failure is a refused result). */
  reload(trigger: string): Promise<ReloadResult>;
  readonly current: LoadedConfig;
  readonly last?: ReloadResult & { at: number };
}

export interface ReloaderOptions {
  /** The level given on the command line (--log-level): it wins over `log.level` in every reloaded file. */
  logLevel?: LevelWithSilent;
}

export function configReloader(
  app: App,
  initial: LoadedConfig,
  env: NodeJS.ProcessEnv = process.env,
  opts: ReloaderOptions = {},
): ConfigReloader {
  const file = initial.file;
  let current = initial;
  let last: (ReloadResult & { at: number }) | undefined;
  const logger = app.logger.child({ component: 'reload' });
  let gauge: Gauge | undefined;
  let stamp: Gauge | undefined;
  if (app.web) {
    const registers = [webExtras(app.web).metrics.registry];
    gauge = new Gauge({
      name: 'acesync_config_last_reload_successful',
      help: 'Whether the last configuration reload was accepted (1) or refused (0); 1 before any reload.',
      registers,
    });
    stamp = new Gauge({
      name: 'acesync_config_last_reload_success_timestamp_seconds',
      help: 'When the configuration was last loaded successfully (start or reload).',
      registers,
    });
    gauge.set(1);
    stamp.set(Date.now() / 1000);
  }

  const reloadOnce = async (trigger: string): Promise<ReloadResult> => {
    const result: ReloadResult = {
      ...emptyFailure(trigger),
      rules: app.processor.ruleset.rules.length,
      webhooks: app.notifier.receivers.map((w) => w.config.name),
    };
    const refuse = (problems: string[]): ReloadResult => {
      result.problems = problems;
      gauge?.set(0);
      last = { ...result, at: Date.now() };
      logger.error({ trigger, file, problems }, 'configuration refused; the previous configuration keeps running');
      return result;
    };
    if (file === undefined) return refuse(['this service runs on the built-in configuration: nothing to reload']);

    // 1. Validate everything; nothing is applied yet.
    let next: LoadedConfig;
    let nextInventory: Inventory;
    let receivers: Receiver[];
    try {
      fillSecretsFromFiles(loadConfigFile(file, env, { skipSecrets: true }).config, env);
      next = loadConfigFile(file, env);
      if (opts.logLevel !== undefined) next.config.log.level = opts.logLevel;
      nextInventory = Inventory.fromConfig(next.config);
      // Secrets and templates of the webhooks, checked before anything is applied.
      receivers = buildReceivers(next.config.webhooks, env, next.baseDir);
    } catch (err) {
      if (err instanceof FileProblemsError) return refuse(err.problems.map(formatProblem));
      return refuse([err instanceof Error ? err.message : String(err)]);
    }
    const prev = current.config;
    const keys = classify(prev, next.config);
    // The rules keep coming from the folder acesync started with (a changed `rules` needs a restart), but a
    // changed folder is checked too: the file must be valid as a whole.
    if (keys.restart.includes('rules')) {
      const moved = checkRules(next.config.rules, { engine: next.config.engine });
      if (!moved.ruleset) return refuse(moved.problems.map(formatProblem));
    }
    const rules = checkRules(app.rulesPath, { engine: next.config.engine });
    if (!rules.ruleset) return refuse(rules.problems.map(formatProblem));

    // 2. What can still fail: ANM's parts are built (not swapped), then the listeners are swapped (rolled back
    // on a failure).
    let anm: ReturnType<typeof prepareAnm>;
    try {
      anm = prepareAnm(app, next, keys.changed);
    } catch (err) {
      return refuse([err instanceof Error ? err.message : String(err)]);
    }
    const swap = await swapListeners(app.live, prev, next, keys.changed, logger);
    if (!swap.ok) {
      anm?.discard();
      return refuse([swap.problem]);
    }
    result.listenersRebuilt = swap.swapped;

    // 3. Apply the rest; none of it can be refused any more.
    const inv = applyInventory(app, prev, next.config, nextInventory, trigger);
    Object.assign(result, {
      devicesAdded: inv.devicesAdded,
      devicesRemoved: inv.devicesRemoved,
      contextsAdded: inv.contextsAdded,
      contextsRemoved: inv.contextsRemoved,
      jobsCancelled: inv.jobsCancelled,
    });
    const r = app.processor.reload(rules.ruleset);
    if (keys.changed.some((k) => under(k, 'webhooks'))) app.notifier.replaceReceivers(receivers);
    anm?.commit();
    applyPoller(app, next.config, inv.sshChanged);
    applyStore(app, next.config);
    applyLog(app, prev, next.config);
    await applyEngine(app, next.config, keys.changed);
    if (inv.audited.length > 0) app.actions.runner.kick();

    result.webhooks = receivers.map((w) => w.config.name);
    result.rules = r.rules;
    result.applied = keys.live;
    result.restartNeeded = keys.restart;
    app.live.setConfig(next.config);
    current = next;
    result.ok = true;
    gauge?.set(1);
    stamp?.set(Date.now() / 1000);
    last = { ...result, at: Date.now() };
    const { ok: _ok, problems: _p, ...logged } = result;
    logger.info({ ...logged, file }, 'configuration reloaded');
    for (const key of result.restartNeeded)
      logger.warn(
        { key, trigger, why: restartReason(key) },
        `configuration: ${key} changed; it takes effect after a restart`,
      );
    return result;
  };

  // One reload at a time: a SIGHUP during an API reload waits for it.
  let chain: Promise<unknown> = Promise.resolve();
  const reload = (trigger: string): Promise<ReloadResult> => {
    const run = chain.then(() =>
      reloadOnce(trigger).catch((err: unknown) => {
        gauge?.set(0);
        // A database that cannot be written is the one fatal failure, here as anywhere.
        const fatal = asStoreWriteFailure(err);
        if (fatal) app.bus.emit('fatal', fatal);
        logger.error({ err, trigger }, 'configuration reload failed part-way; restart acesync to be sure of its state');
        const failed = { ...emptyFailure(trigger), problems: [err instanceof Error ? err.message : String(err)] };
        last = { ...failed, at: Date.now() };
        return failed;
      }),
    );
    chain = run;
    return run;
  };

  if (app.web) {
    // While the last reload stands refused, every page says so at the top (escaped text).
    app.web.addHook('onSend', async (_req, reply, payload) => {
      if (!last || last.ok || typeof payload !== 'string') return payload;
      if (!String(reply.getHeader('content-type') ?? '').startsWith('text/html')) return payload;
      const esc = (s: string): string =>
        s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`).replace(/[\u0000-\u001f\u007f]/g, '?');
      const problems = last.problems
        .slice(0, 5)
        .map((p) => `<li>${esc(p.slice(0, 300))}</li>`)
        .join('');
      const banner = `<div class="notice error" role="alert" id="config-refused"><p><strong>Configuration reload refused</strong> (${esc(last.trigger)}, ${new Date(last.at).toISOString()}): acesync keeps running on the previous configuration.</p><ul>${problems}</ul></div>`;
      return payload.replace('<main id="main">', `<main id="main">\n${banner}`);
    });
    app.web.post('/api/v1/reload', { config: { mutation: true } }, async (_req, reply) => {
      const r = await reload('api');
      return reply.code(r.ok ? 200 : 422).send(r);
    });
  }

  return {
    reload,
    get current() {
      return current;
    },
    get last() {
      return last;
    },
  };
}

function emptyFailure(trigger: string): ReloadResult {
  return {
    ok: false,
    trigger,
    problems: [],
    devicesAdded: [],
    devicesRemoved: [],
    contextsAdded: [],
    contextsRemoved: [],
    jobsCancelled: 0,
    rules: 0,
    webhooks: [],
    applied: [],
    listenersRebuilt: [],
    restartNeeded: [],
  };
}
