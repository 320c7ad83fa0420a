/**
 * Reload of `devices:`: the inventory is replaced in place and the database reconciled. New devices and
 * contexts start `unknown` and are audited now; removed ones are unconfigured (`removed`, their history kept)
 * and their pending jobs cancelled: per context for a removed context, every pending job of the device
 * (device-level audits and uploads included) for a removed device. The audit scheduler drops removed devices
 * when the poller applier reconfigures it.
 */
import type { Config } from '../config/schema.js';
import { Inventory } from '../inventory/inventory.js';
import { PRIORITY } from '../store/job-queue.js';
import type { App } from './app.js';

export interface InventoryChange {
  devicesAdded: string[];
  devicesRemoved: string[];
  contextsAdded: string[];
  contextsRemoved: string[];
  /** Pending jobs cancelled (removed contexts and devices). */
  jobsCancelled: number;
  /** Devices audited now (new, or with new contexts). */
  audited: string[];
  /** Devices kept whose host or SSH settings changed: their open SSH session is to be recycled. */
  sshChanged: string[];
}

function targets(inv: Inventory): Set<string> {
  const out = new Set<string>();
  for (const d of inv.devices.values()) for (const c of d.contexts) out.add(`${d.name}/${c}`);
  return out;
}

function sshChanged(prev: Config, next: Config): string[] {
  const before = new Map(prev.devices.map((d) => [d.name, JSON.stringify({ host: d.host, ssh: d.ssh })]));
  return next.devices
    .filter((d) => before.has(d.name) && before.get(d.name) !== JSON.stringify({ host: d.host, ssh: d.ssh }))
    .map((d) => d.name);
}

export function applyInventory(
  app: Pick<App, 'inventory' | 'store' | 'jobs'>,
  prev: Config,
  next: Config,
  nextInventory: Inventory,
  trigger: string,
): InventoryChange {
  const before = targets(app.inventory);
  const devicesBefore = new Set(app.inventory.devices.keys());
  app.inventory.replaceWith(nextInventory);
  app.store.reconcile(app.inventory);
  const after = targets(app.inventory);
  const out: InventoryChange = {
    devicesAdded: [...app.inventory.devices.keys()].filter((d) => !devicesBefore.has(d)),
    devicesRemoved: [...devicesBefore].filter((d) => !app.inventory.devices.has(d)),
    contextsAdded: [...after].filter((t) => !before.has(t)),
    contextsRemoved: [...before].filter((t) => !after.has(t)),
    jobsCancelled: 0,
    audited: [],
    sshChanged: sshChanged(prev, next),
  };
  const removedDevices = new Set(out.devicesRemoved);
  for (const device of out.devicesRemoved) out.jobsCancelled += app.jobs.cancelPendingForDevice(device);
  for (const t of out.contextsRemoved) {
    const [device, context] = t.split('/') as [string, string];
    if (!removedDevices.has(device)) out.jobsCancelled += app.jobs.cancelPendingFor(device, context);
  }
  // New devices, and devices with new contexts, are audited now (their contexts start unknown).
  out.audited = [...new Set([...out.devicesAdded, ...out.contextsAdded.map((t) => t.split('/')[0]!)])];
  for (const device of out.audited)
    app.jobs.enqueue({
      type: 'audit',
      device,
      priority: PRIORITY.rule,
      payload: { reasons: [`configuration reload (${trigger}): new in the inventory`] },
    });
  return out;
}
