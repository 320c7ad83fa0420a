/**
 * Reconciling the configured inventory into the database at start. Devices and contexts
 * that left the configuration keep their history and are marked `configured = 0`; new
 * ones start `unknown` (never audited).
 */
import type { Database } from 'better-sqlite3';
import type { Inventory } from '../inventory/inventory.js';
import { preparedFor } from './statements.js';

export interface ReconcileSummary {
  devicesAdded: number;
  contextsAdded: number;
  devicesUnconfigured: number;
  contextsUnconfigured: number;
}

const SQL = {
  insertDevice: `INSERT INTO devices (name, host, peer, configured, first_seen, updated_at) VALUES (?, ?, ?, 1, ?, ?)
    ON CONFLICT(name) DO NOTHING`,
  updateDevice: 'UPDATE devices SET host = ?, peer = ?, configured = 1, updated_at = ? WHERE name = ?',
  insertContext: `INSERT INTO contexts (device, name, configured, ft_group, sync, since, reasons, first_seen,
    updated_at) VALUES (?, ?, 1, ?, 'unknown', ?, ?, ?, ?) ON CONFLICT(device, name) DO NOTHING`,
  updateContext: `UPDATE contexts SET configured = 1, ft_group = COALESCE(?, ft_group), updated_at = ?
    WHERE device = ? AND name = ?`,
  configuredContexts: 'SELECT device, name FROM contexts WHERE configured = 1',
  unconfigureContext: 'UPDATE contexts SET configured = 0, updated_at = ? WHERE device = ? AND name = ?',
  configuredDevices: 'SELECT name FROM devices WHERE configured = 1',
  unconfigureDevice: 'UPDATE devices SET configured = 0, updated_at = ? WHERE name = ?',
  clearConfigMembers: "DELETE FROM ft_group_contexts WHERE source = 'config'",
  member: `INSERT INTO ft_group_contexts (device, ft_group, context, source, updated_at) VALUES (?, ?, ?, 'config', ?)
    ON CONFLICT(device, ft_group, context) DO NOTHING`,
} as const;

const INITIAL_REASON = (at: number): string =>
  JSON.stringify([
    { at, from: null, to: 'unknown', text: 'listed in the configuration; waiting for its first successful audit' },
  ]);

export function reconcileInventory(db: Database, inventory: Inventory, now: number): ReconcileSummary {
  const summary: ReconcileSummary = {
    devicesAdded: 0,
    contextsAdded: 0,
    devicesUnconfigured: 0,
    contextsUnconfigured: 0,
  };
  const q = preparedFor(db, SQL);
  db.transaction(() => {
    for (const d of inventory.devices.values()) {
      if (q.insertDevice.run(d.name, d.host, d.peer ?? null, now, now).changes > 0) summary.devicesAdded++;
      else q.updateDevice.run(d.host, d.peer ?? null, now, d.name);
      for (const c of d.contexts) {
        const group = d.ftGroups.get(c) ?? null;
        if (q.insertContext.run(d.name, c, group, now, INITIAL_REASON(now), now, now).changes > 0)
          summary.contextsAdded++;
        else q.updateContext.run(group, now, d.name, c);
      }
    }
    const devicesGone = q.configuredDevices.all() as Array<{ name: string }>;
    for (const { name } of devicesGone) {
      if (inventory.devices.has(name)) continue;
      q.unconfigureDevice.run(now, name);
      summary.devicesUnconfigured++;
    }
    for (const r of q.configuredContexts.all() as Array<{ device: string; name: string }>) {
      if (inventory.hasContext(r.device, r.name)) continue;
      q.unconfigureContext.run(now, r.device, r.name);
      summary.contextsUnconfigured++;
    }
    // FT group membership from the configuration is replaced wholesale; learnt rows stay.
    q.clearConfigMembers.run();
    for (const d of inventory.devices.values()) for (const [c, g] of d.ftGroups) q.member.run(d.name, g, c, now);
  })();
  return summary;
}
