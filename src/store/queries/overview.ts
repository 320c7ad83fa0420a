/**
 * The overview's read model: pairs, their devices and FT roles, each context on each peer,
 * and what needs attention (logging drift, overdue audits, contexts ANM is out of sync
 * for). Built from the store's in-memory state plus a few bounded queries; never writes.
 */
import type { Config } from '../../config/schema.js';
import { loggingDriftUnchecked } from '../../config/sections/poller.js';
import type { SyncState } from '../../core/events.js';
import { SYNC_STATES } from '../../core/events.js';
import { ADMIN_CONTEXT, type Inventory } from '../../inventory/inventory.js';
import type { ContextState } from '../../core/state.js';
import type { AlertRecord, AlertStore } from '../alerts.js';
import type { Store } from '../store.js';
import { latestOfKind, listEvents, type StoredEvent } from './events.js';
import { preparedFor } from '../statements.js';
import { auditErrorKinds, deviceReachability, type DeviceReachability } from './reachability.js';

const SQL = {
  devices: 'SELECT name, host, peer, configured, first_seen FROM devices ORDER BY name',
  maxEventId: 'SELECT MAX(id) AS m FROM events',
  ftStatusAfter: "SELECT device, body FROM events WHERE id > ? AND kind = 'ft-status' ORDER BY id DESC",
} as const;

export interface RoleView {
  group: number;
  role: string;
  since: number;
}

export interface DeviceView {
  name: string;
  host: string;
  peer?: string;
  configured: boolean;
  roles: RoleView[];
  /** Newest audit of any context that did not fail. */
  lastGoodAuditAt?: number;
  firstSeen: number;
  auditOverdue: boolean;
  /** Contexts whose last logging check found gaps. */
  loggingDrift: Array<{ context: string; missing: string[]; harmful: string[]; at: number }>;
  /** SSH reachability: the newest SSH failure and whether an audit succeeded since. */
  ssh: DeviceReachability;
}

export interface GroupView {
  group: number;
  roles: Record<string, RoleView | undefined>;
  /** `show ft group status` sync fields, as last seen (ANM: HA Autosync). */
  autosync?: string;
}

export interface ContextRow {
  name: string;
  ftGroup?: number;
  /** One entry per device of the pair (or the single device), in the pair's order. */
  peers: Array<{ device: string; state?: ContextState; auditError?: string }>;
}

export interface PairView {
  id: string;
  devices: DeviceView[];
  groups: GroupView[];
  contexts: ContextRow[];
  attention: boolean;
}

export interface AttentionItem {
  device: string;
  context?: string;
  kind: 'logging-drift' | 'audit-overdue' | 'failed' | 'stale' | 'standby-cold';
  text: string;
}

export interface Overview {
  now: number;
  pairs: PairView[];
  counts: Record<SyncState, number>;
  attention: AttentionItem[];
  alerts: AlertRecord[];
  alertsFiring: number;
  events: StoredEvent[];
  /** Service-wide warnings shown above everything (a detection that is off, ANM lacking contexts). */
  notices: string[];
  /** Keys `device\u0000context` of silenced contexts (set by the web layer, which names the alerts). */
  silenced?: ReadonlySet<string>;
}

const MAX_DRIFT_SHOWN = 20;

export function deviceViews(store: Store, inventory: Inventory, config: Config, now: number): Map<string, DeviceView> {
  const rows = preparedFor(store.db, SQL).devices.all() as Array<{
    name: string;
    host: string;
    peer: string | null;
    configured: number;
    first_seen: number;
  }>;
  const roles = store.roles();
  const contexts = store.contexts();
  const drift = latestOfKind(store.db, 'logging-drift');
  const goodAuditOf = (device: string): number | undefined => {
    const t = contexts
      .filter((c) => c.device === device && c.lastAuditAt !== undefined && c.lastAuditOutcome !== 'error')
      .map((c) => c.lastAuditAt!);
    return t.length > 0 ? Math.max(...t) : undefined;
  };
  const reach = deviceReachability(store.db, goodAuditOf);
  const out = new Map<string, DeviceView>();
  for (const r of rows) {
    const inv = inventory.devices.get(r.name);
    const mine = contexts.filter((c) => c.device === r.name);
    const good = mine
      .filter((c) => c.lastAuditAt !== undefined && c.lastAuditOutcome !== 'error')
      .map((c) => c.lastAuditAt!);
    const lastGood = good.length > 0 ? Math.max(...good) : undefined;
    const d: DeviceView = {
      name: r.name,
      host: inv?.host ?? r.host,
      peer: inv?.peer ?? r.peer ?? undefined,
      configured: r.configured === 1,
      roles: roles.filter((x) => x.device === r.name).map((x) => ({ group: x.group, role: x.role, since: x.since })),
      lastGoodAuditAt: lastGood,
      firstSeen: r.first_seen,
      auditOverdue:
        r.configured === 1 &&
        config.poller.enabled &&
        now - (lastGood ?? r.first_seen) > config.poller.overdue_after_ms,
      loggingDrift: [],
      ssh: reach.get(r.name) ?? (lastGood !== undefined ? { reachable: true } : {}),
    };
    for (const e of drift.values()) {
      if (e.device !== r.name || !e.context || d.loggingDrift.length >= MAX_DRIFT_SHOWN) continue;
      const data = e.event.data ?? {};
      const missing = Array.isArray(data.missing) ? data.missing.map(String) : [];
      const harmful = Array.isArray(data.harmful) ? data.harmful.map(String) : [];
      if (missing.length + harmful.length > 0)
        d.loggingDrift.push({ context: e.context, missing, harmful, at: e.receivedAt });
    }
    out.set(r.name, d);
  }
  return out;
}

/** Last `show ft group status` sync fields per (device, group), among recent events. */
function autosync(store: Store): Map<string, string> {
  const out = new Map<string, string>();
  const q = preparedFor(store.db, SQL);
  const max = (q.maxEventId.get() as { m: number | null }).m ?? 0;
  const rows = q.ftStatusAfter.all(max - 50_000) as Array<{ device: string | null; body: string }>;
  for (const r of rows) {
    try {
      const e = JSON.parse(r.body) as { ftGroup?: number; data?: { runningSync?: string; startupSync?: string } };
      const key = `${r.device}\u0000${e.ftGroup}`;
      if (out.has(key) || e.ftGroup === undefined) continue;
      const parts = [
        e.data?.runningSync && `running-config: ${e.data.runningSync}`,
        e.data?.startupSync && `startup-config: ${e.data.startupSync}`,
      ].filter(Boolean);
      if (parts.length > 0) out.set(key, parts.join('; '));
    } catch {
      /* a body that does not parse is skipped */
    }
  }
  return out;
}

const byContextName = (a: string, b: string): number =>
  a === ADMIN_CONTEXT ? -1 : b === ADMIN_CONTEXT ? 1 : a.localeCompare(b);

export function buildOverview(
  store: Store,
  inventory: Inventory,
  config: Config,
  alerts: AlertStore,
  now: number,
): Overview {
  const devices = deviceViews(store, inventory, config, now);
  const contexts = store.contexts();
  const auditErrors = auditErrorKinds(store.db, new Map([...devices].map(([n, d]) => [n, d.ssh])));
  const sync = autosync(store);
  const counts = Object.fromEntries(SYNC_STATES.map((s) => [s, 0])) as Record<SyncState, number>;
  for (const c of contexts) counts[c.sync]++;

  // Pairs from the inventory, then every other device on its own.
  const units: string[][] = inventory.pairs.map((p) => [...p.devices]);
  const paired = new Set(units.flat());
  for (const name of devices.keys()) if (!paired.has(name)) units.push([name]);

  const attention: AttentionItem[] = [];
  const pairs: PairView[] = units.map((names) => {
    const devs = names.map((n) => devices.get(n)).filter((d): d is DeviceView => d !== undefined);
    const groupNums = new Set<number>();
    for (const d of devs) for (const r of d.roles) groupNums.add(r.group);
    for (const c of contexts) if (names.includes(c.device) && c.ftGroup !== undefined) groupNums.add(c.ftGroup);
    const groups: GroupView[] = [...groupNums]
      .sort((a, b) => a - b)
      .map((g) => ({
        group: g,
        roles: Object.fromEntries(devs.map((d) => [d.name, d.roles.find((r) => r.group === g)])),
        autosync: devs.map((d) => sync.get(`${d.name}\u0000${g}`)).find((s) => s !== undefined),
      }));
    const ctxNames = new Set<string>();
    for (const c of contexts) if (names.includes(c.device)) ctxNames.add(c.context);
    const rows: ContextRow[] = [...ctxNames].sort(byContextName).map((name) => {
      const peers = names.map((device) => ({
        device,
        state: store.context(device, name),
        auditError: auditErrors.get(`${device}\u0000${name}`),
      }));
      return { name, ftGroup: peers.find((p) => p.state?.ftGroup !== undefined)?.state?.ftGroup, peers };
    });
    let needs = false;
    for (const d of devs) {
      if (d.auditOverdue) {
        needs = true;
        attention.push({
          device: d.name,
          kind: 'audit-overdue',
          text:
            d.lastGoodAuditAt === undefined
              ? 'never audited successfully'
              : 'no successful audit for longer than poller.overdue_after_ms',
        });
      }
      for (const x of d.loggingDrift) {
        needs = true;
        attention.push({
          device: d.name,
          context: x.context,
          kind: 'logging-drift',
          text: `logging settings incomplete: missing ${x.missing.join(', ') || 'nothing'}; harmful ${x.harmful.join(', ') || 'nothing'}`,
        });
      }
      for (const r of d.roles)
        if (r.role === 'STANDBY_COLD') {
          needs = true;
          attention.push({
            device: d.name,
            kind: 'standby-cold',
            text: `FT group ${r.group} is STANDBY_COLD: configuration is not replicated to the standby`,
          });
        }
    }
    for (const row of rows)
      for (const p of row.peers)
        if (p.state && (p.state.sync === 'failed' || p.state.sync === 'stale')) {
          needs = true;
          const why = p.state.reasons.length ? p.state.reasons[p.state.reasons.length - 1]!.text : '';
          attention.push({ device: p.device, context: row.name, kind: p.state.sync, text: why });
        }
    return { id: names.join('+'), devices: devs, groups, contexts: rows, attention: needs };
  });
  // Trouble first: pairs needing attention, then by name.
  pairs.sort((a, b) => Number(b.attention) - Number(a.attention) || a.id.localeCompare(b.id));
  const order: Record<AttentionItem['kind'], number> = {
    'logging-drift': 0,
    'audit-overdue': 1,
    'standby-cold': 2,
    failed: 3,
    stale: 4,
  };
  attention.sort((a, b) => order[a.kind] - order[b.kind] || a.device.localeCompare(b.device));

  return {
    now,
    pairs,
    counts,
    attention: attention.slice(0, 200),
    alerts: alerts.list({ status: 'firing', limit: 100 }),
    alertsFiring: alerts.countFiring(),
    events: listEvents(store.db, { limit: 25 }).items,
    notices: [loggingDriftUnchecked(config), anmUnknownNotice(store)].filter((n): n is string => n !== undefined),
  };
}

/** The contexts ANM does not know (last reconcile), as one line for the page. */
function anmUnknownNotice(store: Store): string | undefined {
  const unknown = store.anmInventory.unknown(21);
  if (unknown.length === 0) return undefined;
  const names = unknown.slice(0, 20).map((u) => `${u.device}/${u.context}`);
  return (
    `ANM does not know ${unknown.length > 20 ? 'more than 20' : unknown.length} configured context(s): ${names.join(', ')}` +
    `${unknown.length > 20 ? ', ...' : ''}. Uploads of these cannot succeed until ANM imports them ` +
    '(upload the Admin context of that ACE first); see /api/v1/anm/unknown'
  );
}
