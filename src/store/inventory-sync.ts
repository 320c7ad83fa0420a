/**
 * Reconciling the configured inventory into the database at start. Devices and contexts
 * that left the configuration keep their history and are marked `configured = 0`; new
 * ones start `unknown` (never audited).
 */
import type { Database } from 'better-sqlite3';
import type { Inventory } from '../inventory/inventory.js';

export interface ReconcileSummary {
  devicesAdded: number;
  contextsAdded: number;
  devicesUnconfigured: number;
  contextsUnconfigured: number;
}

const INITIAL_REASON = (at: number): string =>
  JSON.stringify([{ at, from: null, to: 'unknown', text: 'listed in the configuration; never audited yet' }]);

export function reconcileInventory(db: Database, inventory: Inventory, now: number): ReconcileSummary {
  const summary: ReconcileSummary = {
    devicesAdded: 0,
    contextsAdded: 0,
    devicesUnconfigured: 0,
    contextsUnconfigured: 0,
  };
  const insertDevice = db.prepare(
    'INSERT INTO devices (name, host, peer, configured, first_seen, updated_at) VALUES (?, ?, ?, 1, ?, ?) ON CONFLICT(name) DO NOTHING',
  );
  const updateDevice = db.prepare(
    'UPDATE devices SET host = ?, peer = ?, configured = 1, updated_at = ? WHERE name = ?',
  );
  const insertContext = db.prepare(
    "INSERT INTO contexts (device, name, configured, ft_group, sync, since, reasons, first_seen, updated_at) VALUES (?, ?, 1, ?, 'unknown', ?, ?, ?, ?) ON CONFLICT(device, name) DO NOTHING",
  );
  const updateContext = db.prepare(
    'UPDATE contexts SET configured = 1, ft_group = COALESCE(?, ft_group), updated_at = ? WHERE device = ? AND name = ?',
  );
  const configuredContexts = db.prepare('SELECT device, name FROM contexts WHERE configured = 1');
  const unconfigureContext = db.prepare(
    'UPDATE contexts SET configured = 0, updated_at = ? WHERE device = ? AND name = ?',
  );
  db.transaction(() => {
    for (const d of inventory.devices.values()) {
      if (insertDevice.run(d.name, d.host, d.peer ?? null, now, now).changes > 0) summary.devicesAdded++;
      else updateDevice.run(d.host, d.peer ?? null, now, d.name);
      for (const c of d.contexts) {
        const group = d.ftGroups.get(c) ?? null;
        if (insertContext.run(d.name, c, group, now, INITIAL_REASON(now), now, now).changes > 0)
          summary.contextsAdded++;
        else updateContext.run(group, now, d.name, c);
      }
    }
    const devicesGone = db.prepare('SELECT name FROM devices WHERE configured = 1').all() as Array<{ name: string }>;
    for (const { name } of devicesGone) {
      if (inventory.devices.has(name)) continue;
      db.prepare('UPDATE devices SET configured = 0, updated_at = ? WHERE name = ?').run(now, name);
      summary.devicesUnconfigured++;
    }
    for (const r of configuredContexts.all() as Array<{ device: string; name: string }>) {
      if (inventory.hasContext(r.device, r.name)) continue;
      unconfigureContext.run(now, r.device, r.name);
      summary.contextsUnconfigured++;
    }
    // FT group membership from the configuration is replaced wholesale; learnt rows stay.
    db.prepare("DELETE FROM ft_group_contexts WHERE source = 'config'").run();
    const member = db.prepare(
      "INSERT INTO ft_group_contexts (device, ft_group, context, source, updated_at) VALUES (?, ?, ?, 'config', ?) ON CONFLICT(device, ft_group, context) DO NOTHING",
    );
    for (const d of inventory.devices.values()) for (const [c, g] of d.ftGroups) member.run(d.name, g, c, now);
  })();
  return summary;
}
