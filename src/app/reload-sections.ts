/**
 * Reload appliers of the sections the running components take in place, one function per section, each with the
 * component's own method: the engine (timers, rates, rules watcher, workers), the store (retention), the log
 * level, the poller (scheduler, SSH pool and settings) and ANM (strategy, SOAP client, breakers: prepared before
 * anything is applied, committed with the rest). Listeners: reload-listeners.ts; inventory: reload-inventory.ts.
 */
import type { Config } from '../config/schema.js';
import type { LoadedConfig } from '../config/load.js';
import { anmTransportWarnings } from '../config/sections/anm.js';
import { procedureSettings } from '../anm/procedure.js';
import { setLogLevel } from '../core/log.js';
import type { App } from './app.js';
import { under } from './reload-keys.js';

const touched = (changed: readonly string[], prefix: string): boolean => changed.some((k) => under(k, prefix));

/** engine.*: timers restarted, rates and retry settings swapped, the rules watcher started or stopped. */
export async function applyEngine(app: App, next: Config, changed: readonly string[]): Promise<void> {
  const e = next.engine;
  app.live.setEngine(e);
  if (touched(changed, 'engine.tick_interval_ms') || touched(changed, 'engine.maintenance_interval_ms'))
    app.live.setTimers(e.tick_interval_ms, e.maintenance_interval_ms);
  app.processor.configure({
    storeNoise: next.syslog.store_noise,
    contextCreationsPerMinute: e.context_creations_per_minute,
  });
  app.live.setWatchRules(e.watch_rules);
  if (touched(changed, 'engine.jobs.workers')) await app.actions.setWorkers(e.jobs.workers);
}

/** store.retention.* and engine.reasons_kept / engine.jobs retry settings (store.path needs a restart). */
export function applyStore(app: App, next: Config): void {
  app.store.reconfigure({ retention: next.store.retention, engine: next.engine });
}

/** log.level: the root logger and every child logger made from it. */
export function applyLog(app: App, prev: Config, next: Config): void {
  if (prev.log.level !== next.log.level) setLogLevel(app.logger, next.log.level);
}

/** poller.* and the devices' SSH settings: scheduler, poller settings, pool size, sessions recycled. */
export function applyPoller(app: App, next: Config, sshChanged: readonly string[]): void {
  app.actions.applyPoller(next, sshChanged);
}

/** anm.* (and engine.first_audit, which depends on the strategy): built now, swapped in by `commit`. */
export function prepareAnm(
  app: App,
  next: LoadedConfig,
  changed: readonly string[],
): { commit(): void; discard(): void } | undefined {
  if (!touched(changed, 'anm') && !touched(changed, 'engine.first_audit')) return undefined;
  const parts = app.actions.prepareAnm(next);
  return {
    discard: parts.discard,
    commit: () => {
      parts.commit();
      app.notifier.setProcedure(procedureSettings(next.config.anm));
      for (const warning of anmTransportWarnings(next.config.anm))
        app.logger.warn({ anm: next.config.anm.url }, warning);
    },
  };
}
