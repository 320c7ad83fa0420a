/**
 * The facts of a manual procedure run (anm/procedure.ts renders them): for one HA pair,
 * the contexts whose upload went waiting-operator since the run began, each with its FT
 * role and hashes; the user contexts of Admin that ANM has no copy of yet (found by
 * lifecycle events and the poller's discovery); the certificate/key differences of the
 * last crypto-parity check of each context. Read-only.
 */
import type { Store } from '../store.js';

export interface ProcedureContext {
  device: string;
  context: string;
  ftGroup?: number;
  /** FT role of `device` for the context's group (ACTIVE, STANDBY_HOT, ...). */
  role?: string;
  /** Device's configuration at the last audit, and ANM's copy as acesync recorded it. */
  hash?: string;
  anmHash?: string;
  /** Still waiting for the operator (not yet acknowledged, adopted, in sync or removed). */
  waiting: boolean;
  /** The wait is a first audit with no ANM baseline: adopting is an option. */
  noBaseline?: boolean;
}

export interface CryptoDifference {
  device: string;
  peer: string;
  context: string;
  missingOnDevice: string[];
  missingOnPeer: string[];
  different: string[];
}

export interface RunFacts {
  contexts: ProcedureContext[];
  newContexts: Record<string, string[]>;
  crypto: CryptoDifference[];
}

/** Contexts of one run at most (a bound on the query; an estate has a few hundred). */
const MAX_RUN = 5000;
/** How far back lifecycle events are looked for (events are indexed by time only). */
const LOOKBACK_MS = 7 * 86_400_000;
/** Crypto-parity checks older than this are not taken as the current state of a context. */
const CRYPTO_LOOKBACK_MS = 86_400_000;

/** The devices of `device`'s pair, sorted (the device alone when it has no peer). */
export function pairOf(store: Store, device: string): string[] {
  const peer = store.view.peerOf(device);
  return peer && peer !== device ? [device, peer].sort() : [device];
}

/** Is this context still waiting for the operator's upload? */
export function isWaiting(store: Store, device: string, context: string): boolean {
  const c = store.context(device, context);
  return c !== undefined && c.lastUploadOutcome === 'waiting-operator' && c.sync !== 'in-sync' && c.sync !== 'removed';
}

/**
 * User contexts of `device` that appeared (504001 / `context X`, or the poller's `show
 * context`) and of which ANM holds no copy yet: the step 4 list of an Admin upload.
 */
export function newUserContexts(store: Store, device: string, now: number): string[] {
  const rows = store.db
    .prepare(
      `SELECT DISTINCT context FROM events WHERE kind = 'context-lifecycle' AND device = ? AND received_at >= ?
       AND json_extract(body, '$.change') IN ('added', 'discovered') AND context IS NOT NULL LIMIT 1000`,
    )
    .all(device, now - LOOKBACK_MS) as Array<{ context: string }>;
  return rows
    .map((r) => r.context)
    .filter((c) => {
      const s = store.context(device, c);
      return c !== 'Admin' && s !== undefined && s.sync !== 'removed' && s.anmHash === undefined;
    })
    .sort();
}

function roleOf(roles: ReturnType<Store['roles']>, device: string, group: number | undefined): string | undefined {
  if (group === undefined) return undefined;
  return roles.find((r) => r.device === device && r.group === group)?.role;
}

/**
 * The last crypto-parity result of each of `keys` (device/context), in one scan of the
 * pair's recent crypto-parity events (events are indexed by time only).
 */
function cryptoOf(store: Store, pair: string[], keys: Set<string>, now: number): CryptoDifference[] {
  const marks = pair.map(() => '?').join(', ');
  const rows = store.db
    .prepare(
      `SELECT device, context, body FROM events WHERE received_at >= ? AND kind = 'crypto-parity'
       AND device IN (${marks}) ORDER BY id DESC LIMIT 20000`,
    )
    .all(now - CRYPTO_LOOKBACK_MS, ...pair) as Array<{ device: string; context: string | null; body: string }>;
  const seen = new Set<string>();
  const out: CryptoDifference[] = [];
  const list = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x) => typeof x === 'string').slice(0, 100) : []);
  for (const r of rows) {
    const k = `${r.device}/${r.context ?? ''}`;
    if (!keys.has(k) || seen.has(k)) continue;
    seen.add(k);
    const d = (JSON.parse(r.body) as { data?: Record<string, unknown> }).data ?? {};
    if (d.ok === true) continue;
    out.push({
      device: r.device,
      context: r.context!,
      peer: typeof d.peer === 'string' ? d.peer : '?',
      missingOnDevice: list(d.missingOnDevice),
      missingOnPeer: list(d.missingOnPeer),
      different: list(d.different),
    });
  }
  return out.sort((a, b) => a.context.localeCompare(b.context) || a.device.localeCompare(b.device));
}

/**
 * The run of `pair` that began at `since`: every context whose upload went waiting-operator
 * since. `details: false` (the resolution, which runs often) reads only the jobs and the
 * states: no event lookups, no new contexts, no crypto results.
 */
export function procedureRun(store: Store, pair: string[], since: number, now: number, details = true): RunFacts {
  const marks = pair.map(() => '?').join(', ');
  const rows = store.db
    .prepare(
      `SELECT device, context, MAX(id) AS id FROM jobs WHERE type = 'upload' AND device IN (${marks})
       AND finished_at >= ? AND json_extract(result, '$.outcome') = 'waiting-operator'
       GROUP BY device, context ORDER BY device, context LIMIT ?`,
    )
    .all(...pair, since, MAX_RUN) as Array<{ device: string; context: string; id: number }>;
  const roles = store.roles();
  const contexts: ProcedureContext[] = [];
  for (const r of rows) {
    const c = store.context(r.device, r.context);
    if (!c) continue;
    const pc: ProcedureContext = {
      device: r.device,
      context: r.context,
      waiting: isWaiting(store, r.device, r.context),
    };
    if (c.ftGroup !== undefined) pc.ftGroup = c.ftGroup;
    const role = roleOf(roles, r.device, c.ftGroup);
    if (role !== undefined) pc.role = role;
    if (c.lastAuditHash !== undefined) pc.hash = c.lastAuditHash;
    if (c.anmHash !== undefined) pc.anmHash = c.anmHash;
    if (details) {
      const eventId = store.jobs.get(r.id)?.payload.eventId;
      const asked = typeof eventId === 'number' ? store.event(eventId) : undefined;
      const data = (asked?.data ?? {}) as { outcome?: unknown; baseline?: unknown };
      if (data.baseline === 'ask' || data.outcome === 'no-baseline') pc.noBaseline = true;
    }
    contexts.push(pc);
  }
  if (!details) return { contexts, newContexts: {}, crypto: [] };
  const newContexts: Record<string, string[]> = {};
  for (const d of pair)
    if (contexts.some((c) => c.device === d && c.context === 'Admin')) newContexts[d] = newUserContexts(store, d, now);
  const crypto = cryptoOf(store, pair, new Set(contexts.map((c) => `${c.device}/${c.context}`)), now);
  return { contexts, newContexts, crypto };
}
