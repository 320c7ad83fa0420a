/**
 * Whole-configuration reload (SIGHUP, `POST /api/v1/reload`): the new file is validated
 * completely first (keys, files, secrets, inventory, rules); anything wrong and it is
 * refused loudly (an error log, `acesync_config_last_reload_successful 0`) while the
 * running configuration stays. Otherwise the inventory and the rules are applied in place:
 * new devices and contexts start `unknown` and are audited, gone ones are unconfigured
 * (their history kept) and their pending jobs cancelled. Sections that are wired into
 * running components at start (listeners, store, poller, ANM, webhooks, engine timings)
 * are compared and each changed key is logged as needing a restart.
 */
import { Gauge } from 'prom-client';
import { loadConfigFile, type LoadedConfig } from '../config/load.js';
import { fillSecretsFromFiles } from '../config/secret-files.js';
import type { Config } from '../config/schema.js';
import { FileProblemsError, formatProblem } from '../core/errors.js';
import { Inventory } from '../inventory/inventory.js';
import { checkRules } from '../engine/loader.js';
import { PRIORITY } from '../store/job-queue.js';
import { webExtras } from '../web/server.js';
import { buildReceivers, type Receiver } from '../notify/receivers.js';
import type { App } from './app.js';

export interface ReloadResult {
  ok: boolean;
  trigger: string;
  /** Why it was refused (file:line:col key: reason). */
  problems: string[];
  devicesAdded: string[];
  devicesRemoved: string[];
  contextsAdded: string[];
  contextsRemoved: string[];
  rules: number;
  /** The webhooks in effect after the reload. */
  webhooks: string[];
  /** Keys whose new value takes effect only after a restart. */
  restartNeeded: string[];
}

/** Sections applied at start only; a change is reported per key. (Inventory, rules, webhooks are applied live.) */
const RESTART_SECTIONS = ['syslog', 'snmp', 'http', 'store', 'log', 'poller', 'anm', 'engine'] as const;
/** Poller keys the audit scheduler takes live. */
const LIVE_POLLER_KEYS = new Set(['poller.interval_ms', 'poller.fast_interval_ms', 'poller.overdue_after_ms']);

function changedKeys(a: unknown, b: unknown, path: string, out: string[]): void {
  if (JSON.stringify(a) === JSON.stringify(b)) return;
  const isObj = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);
  if (isObj(a) && isObj(b)) {
    for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) changedKeys(a[k], b[k], `${path}.${k}`, out);
    return;
  }
  out.push(path);
}

function targets(inv: Inventory): Set<string> {
  const out = new Set<string>();
  for (const d of inv.devices.values()) for (const c of d.contexts) out.add(`${d.name}/${c}`);
  return out;
}

export interface ConfigReloader {
  reload(trigger: string): ReloadResult;
  readonly current: LoadedConfig;
  readonly last?: ReloadResult & { at: number };
}

export function configReloader(app: App, initial: LoadedConfig, env: NodeJS.ProcessEnv = process.env): ConfigReloader {
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

  const reload = (trigger: string): ReloadResult => {
    const result: ReloadResult = {
      ok: false,
      trigger,
      problems: [],
      devicesAdded: [],
      devicesRemoved: [],
      contextsAdded: [],
      contextsRemoved: [],
      rules: app.processor.ruleset.rules.length,
      webhooks: app.notifier.receivers.map((w) => w.config.name),
      restartNeeded: [],
    };
    const refuse = (problems: string[]): ReloadResult => {
      result.problems = problems;
      gauge?.set(0);
      last = { ...result, at: Date.now() };
      logger.error({ trigger, file, problems }, 'configuration refused; the previous configuration keeps running');
      return result;
    };
    if (file === undefined) return refuse(['this service runs on the built-in configuration: nothing to reload']);
    let next: LoadedConfig;
    let nextInventory: Inventory;
    let receivers: Receiver[];
    try {
      fillSecretsFromFiles(loadConfigFile(file, env, { skipSecrets: true }).config, env);
      next = loadConfigFile(file, env);
      nextInventory = Inventory.fromConfig(next.config);
      // Secrets and templates of the webhooks, checked before anything is applied.
      receivers = buildReceivers(next.config.webhooks, env, next.baseDir);
    } catch (err) {
      if (err instanceof FileProblemsError) return refuse(err.problems.map(formatProblem));
      return refuse([err instanceof Error ? err.message : String(err)]);
    }
    const rules = checkRules(next.config.rules, { engine: next.config.engine });
    if (!rules.ruleset) return refuse(rules.problems.map(formatProblem));

    const before = targets(app.inventory);
    const devicesBefore = new Set(app.inventory.devices.keys());
    for (const section of RESTART_SECTIONS)
      changedKeys(
        current.config[section as keyof Config],
        next.config[section as keyof Config],
        section,
        result.restartNeeded,
      );

    app.inventory.replaceWith(nextInventory);
    app.store.reconcile(app.inventory);
    const after = targets(app.inventory);
    for (const t of after) if (!before.has(t)) result.contextsAdded.push(t);
    for (const t of before) if (!after.has(t)) result.contextsRemoved.push(t);
    for (const d of app.inventory.devices.keys()) if (!devicesBefore.has(d)) result.devicesAdded.push(d);
    for (const d of devicesBefore) if (!app.inventory.devices.has(d)) result.devicesRemoved.push(d);
    let cancelled = 0;
    for (const t of result.contextsRemoved) {
      const [device, context] = t.split('/') as [string, string];
      cancelled += app.jobs.cancelPendingFor(device, context);
    }
    // New devices, and devices with new contexts, are audited now (their contexts start unknown).
    const toAudit = new Set([...result.devicesAdded, ...result.contextsAdded.map((t) => t.split('/')[0]!)]);
    for (const device of toAudit)
      app.jobs.enqueue({
        type: 'audit',
        device,
        priority: PRIORITY.rule,
        payload: { reasons: [`configuration reload (${trigger}): new in the inventory`] },
      });
    const r = app.processor.reload(rules.ruleset);
    const webhooksChanged = JSON.stringify(current.config.webhooks) !== JSON.stringify(next.config.webhooks);
    if (webhooksChanged) app.notifier.replaceReceivers(receivers);
    const p = next.config.poller;
    app.actions.scheduler.reconfigure({
      devices: [...app.inventory.devices.keys()],
      intervalMs: p.interval_ms,
      fastIntervalMs: p.fast_interval_ms,
      overdueAfterMs: p.overdue_after_ms,
    });
    result.restartNeeded = result.restartNeeded.filter((k) => !LIVE_POLLER_KEYS.has(k));
    result.webhooks = receivers.map((w) => w.config.name);
    result.rules = r.rules;
    if (toAudit.size > 0) app.actions.runner.kick();

    current = next;
    result.ok = true;
    gauge?.set(1);
    stamp?.set(Date.now() / 1000);
    last = { ...result, at: Date.now() };
    logger.info(
      {
        trigger,
        file,
        devicesAdded: result.devicesAdded,
        devicesRemoved: result.devicesRemoved,
        contextsAdded: result.contextsAdded,
        contextsRemoved: result.contextsRemoved,
        jobsCancelled: cancelled,
        rules: r.rules,
        webhooks: result.webhooks,
        restartNeeded: result.restartNeeded,
      },
      'configuration reloaded',
    );
    for (const key of result.restartNeeded)
      logger.warn({ key, trigger }, `configuration: ${key} changed; it takes effect after a restart`);
    return result;
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
      const r = reload('api');
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
