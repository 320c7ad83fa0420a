/**
 * The device side of acesync in one place: the poller (what job workers call) and the
 * audit scheduler (which requests audits), wired so each audit outcome feeds the
 * scheduler's overdue watch.
 *
 * Wiring in buildApp (lead):
 * ```ts
 * const { poller, scheduler } = buildPolling({
 *   config, inventory, logger, clock,
 *   requestAudit: (device, reason) => jobs.enqueue({ type: 'audit', device, reason }),
 *   emit: (event) => queue.push(event),
 *   baseline: (d, c) => store.anmCopy(d, c),      // { hash, text? } of ANM's copy
 *   previous: (d, c) => store.lastVersion(d, c),  // { hash, text? } last stored version
 * });
 * if (config.poller.enabled) scheduler.start();
 * // audit job:   events = await poller.auditDevice(job.device, { contexts: job.contexts, signal, jobId: job.id })
 * // crypto job: events = await poller.checkCrypto(job.device, inventory.peerOf(job.device)!, job.contexts, { signal
 * })
 * // rule action: scheduler.setCadence(device, 'fast', clock.now() + ms)
 * ```
 * Hashes given as `baseline`/`previous` must come from `hashRunningConfig` (same normalisation).
 */
import type { Config } from '../config/schema.js';
import type { AceEvent } from '../core/events.js';
import type { Inventory } from '../inventory/inventory.js';
import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/log.js';
import type { KnownHosts } from './known-hosts.js';
import { Poller, type PollerDeps } from './poller.js';
import { AuditScheduler, type AuditReason } from './scheduler.js';

export { Poller, shortDiff, type PollerDeps, type ConfigRef, type AuditOptions } from './poller.js';
export { AuditScheduler, type AuditReason, type Cadence, type ScheduleStatus } from './scheduler.js';
export { openAceSession, AceCommandError, type AceSession, type AceSessionOptions } from './ace-session.js';
export { MemoryKnownHosts, type KnownHosts } from './known-hosts.js';

export interface PollingOptions {
  config: Config;
  inventory: Inventory;
  logger: Logger;
  clock: Clock;
  requestAudit(device: string, reason: AuditReason): void;
  /** Where `audit-overdue` events go (the event queue). */
  emit(event: AceEvent): void;
  baseline?: PollerDeps['baseline'];
  previous?: PollerDeps['previous'];
  isKnownContext?: PollerDeps['isKnownContext'];
  storedContexts?: PollerDeps['storedContexts'];
  knownHosts?: KnownHosts;
  env?: NodeJS.ProcessEnv;
}

export function buildPolling(o: PollingOptions): { poller: Poller; scheduler: AuditScheduler } {
  const p = o.config.poller;
  const scheduler = new AuditScheduler({
    devices: [...o.inventory.devices.keys()],
    intervalMs: p.interval_ms,
    jitterRatio: p.jitter_ratio,
    fastIntervalMs: p.fast_interval_ms,
    overdueAfterMs: p.overdue_after_ms,
    ...(p.startup_spread_ms !== undefined ? { startupSpreadMs: p.startup_spread_ms } : {}),
    clock: o.clock,
    requestAudit: o.requestAudit,
    emit: o.emit,
  });
  const poller = new Poller({
    poller: p,
    inventory: o.inventory,
    logger: o.logger.child({ component: 'poller' }),
    clock: o.clock,
    knownHosts: o.knownHosts,
    baseline: o.baseline,
    previous: o.previous,
    isKnownContext: o.isKnownContext,
    storedContexts: o.storedContexts,
    env: o.env,
    onAudit: (device, ok) => scheduler.noteAudit(device, ok),
  });
  return { poller, scheduler };
}
