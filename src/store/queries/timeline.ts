/**
 * A context's state timeline for the page: its state periods over a bounded window (the
 * state decisions of the context, newest `MAX_TRANSITIONS` at most) and markers for the
 * failovers of its FT group (ha-state events of the device or its peer) and the commands
 * typed in it (111008 config-change and kin), bounded too. Read-only; every query is
 * bounded by rows examined, not only by rows returned: the decisions scan walks the
 * context's own index, the events scan at most `EVENT_SCAN` ids (the events table is
 * indexed by id and time only, see events.ts).
 */
import type { Database } from 'better-sqlite3';
import type { AceEvent } from '../../core/events.js';
import { preparedFor } from '../statements.js';
import { eventSummary } from './events.js';

export const TIMELINE_WINDOW_MS = 24 * 3_600_000;
/** The shortest window (a context first known a minute ago still gets an hour's axis). */
export const MIN_WINDOW_MS = 3_600_000;
/** State changes shown at most; with more, the window starts at the oldest one kept. */
export const MAX_TRANSITIONS = 100;
/** Markers of each kind at most (the newest). */
export const MAX_MARKERS = 60;
/** Decisions of the context examined at most (state decisions are among matches, actions, ...). */
export const DECISION_SCAN = 20_000;
/** Event ids examined at most. */
export const EVENT_SCAN = 50_000;
/** Tooltip text kept per marker or period. */
export const MAX_NOTE = 200;

/** Kinds that a typed command (111008) produces. */
export const COMMAND_KINDS = ['config-change', 'logging-change', 'crypto-change', 'context-lifecycle'] as const;

const SQL = {
  transitions: `SELECT at, from_state, to_state, rule, reason FROM (
      SELECT id, at, kind, from_state, to_state, rule, reason FROM decisions
       WHERE device = ? AND context = ? ORDER BY id DESC LIMIT ${DECISION_SCAN})
     WHERE kind = 'state' AND at >= ? AND to_state IS NOT NULL ORDER BY id DESC LIMIT ${MAX_TRANSITIONS + 1}`,
  firstSeen: 'SELECT first_seen FROM contexts WHERE device = ? AND name = ?',
  maxEventId: 'SELECT MAX(id) AS m FROM events',
  oldestScanned: 'SELECT received_at FROM events WHERE id > ? ORDER BY id LIMIT 1',
  // `+received_at`: the scan walks ids (bounded by EVENT_SCAN), never the time index.
  commands: `SELECT id, received_at, kind, device, body FROM events
     WHERE id > ? AND +received_at >= ? AND kind IN (${COMMAND_KINDS.map((k) => `'${k}'`).join(', ')})
       AND device = ? AND context = ? ORDER BY id DESC LIMIT ${MAX_MARKERS + 1}`,
  failovers: `SELECT id, received_at, kind, device, body FROM events
     WHERE id > ? AND +received_at >= ? AND kind = 'ha-state' AND device IN (?, ?)
       AND json_extract(body, '$.ftGroup') = ? ORDER BY id DESC LIMIT ${MAX_MARKERS + 1}`,
  failoversByContext: `SELECT id, received_at, kind, device, body FROM events
     WHERE id > ? AND +received_at >= ? AND kind = 'ha-state' AND device IN (?, ?) AND context = ?
     ORDER BY id DESC LIMIT ${MAX_MARKERS + 1}`,
} as const;

export interface StatePeriod {
  start: number;
  end: number;
  state: string;
  /** The rule and reason of the change that began it (absent for the period before the first change shown). */
  rule?: string;
  reason?: string;
}

export interface TimelineMarker {
  at: number;
  kind: 'failover' | 'command';
  device: string;
  /** One line: `user: command`, `FT group 3: STANDBY_HOT -> ACTIVE (reason)`. Bounded. */
  text: string;
  msgId?: string;
}

export interface Timeline {
  start: number;
  end: number;
  /** Oldest first, contiguous from the first one on; a gap before it means no state was recorded. */
  periods: StatePeriod[];
  /** Oldest first. */
  markers: TimelineMarker[];
  /** More state changes than shown: the window was cut to begin at the oldest one kept. */
  transitionsCut: boolean;
  /** More markers of a kind than shown (the oldest were left out). */
  markersCut: boolean;
  /** The events scan did not reach back to `start`: older markers may be missing. */
  eventsPartial: boolean;
}

export interface TimelineTarget {
  device: string;
  context: string;
  /** The context's state now and since when (the store's in-memory state). */
  sync: string;
  since: number;
  ftGroup?: number;
  peer?: string;
}

interface TransitionRow {
  at: number;
  from_state: string | null;
  to_state: string;
  rule: string | null;
  reason: string | null;
}

interface EventRow {
  id: number;
  received_at: number;
  kind: string;
  device: string | null;
  body: string;
}

const cut = (s: string): string => (s.length > MAX_NOTE ? s.slice(0, MAX_NOTE - 1) + '…' : s);

function marker(r: EventRow, kind: TimelineMarker['kind']): TimelineMarker {
  let e: AceEvent;
  try {
    e = JSON.parse(r.body) as AceEvent;
  } catch {
    e = { kind: r.kind as AceEvent['kind'] };
  }
  return {
    at: r.received_at,
    kind,
    device: r.device ?? '',
    text: cut(eventSummary(e)),
    msgId: typeof e.id === 'string' ? e.id.slice(0, 16) : undefined,
  };
}

/** The periods between `start` and `end` from state changes (oldest first). Pure. */
export function periodsFrom(
  changes: ReadonlyArray<{ at: number; from: string | null; to: string; rule?: string; reason?: string }>,
  start: number,
  end: number,
  current: { sync: string; since: number; firstSeen?: number },
): StatePeriod[] {
  // Nothing is drawn before the context was first known: no state of it existed.
  if (current.firstSeen !== undefined) start = Math.min(end, Math.max(start, current.firstSeen));
  const out: StatePeriod[] = [];
  if (changes.length === 0) {
    const from = Math.max(start, Math.min(current.since, end));
    if (from < end || current.since <= start) out.push({ start: from, end, state: current.sync });
    return out;
  }
  const first = changes[0]!;
  if (first.from && first.at > start) out.push({ start, end: first.at, state: first.from });
  changes.forEach((c, i) => {
    const next = changes[i + 1];
    out.push({
      start: Math.max(start, c.at),
      end: Math.min(end, next ? next.at : end),
      state: c.to,
      ...(c.rule ? { rule: cut(c.rule) } : {}),
      ...(c.reason ? { reason: cut(c.reason) } : {}),
    });
  });
  return out;
}

export function contextTimeline(db: Database, t: TimelineTarget, now: number, windowMs = TIMELINE_WINDOW_MS): Timeline {
  const q = preparedFor(db, SQL);
  const firstSeen = (q.firstSeen.get(t.device, t.context) as { first_seen: number } | undefined)?.first_seen;
  // A context known for less than the window gets a shorter one (at least MIN_WINDOW_MS): its history fills the width.
  let start = now - windowMs;
  if (firstSeen !== undefined && firstSeen > start)
    start = Math.min(now - Math.min(MIN_WINDOW_MS, windowMs), firstSeen);
  const rows = q.transitions.all(t.device, t.context, start) as TransitionRow[];
  const transitionsCut = rows.length > MAX_TRANSITIONS;
  const kept = rows.slice(0, MAX_TRANSITIONS).reverse();
  if (transitionsCut && kept.length > 0) start = kept[0]!.at;
  const periods = periodsFrom(
    kept.map((r) => ({
      at: r.at,
      from: r.from_state,
      to: r.to_state,
      rule: r.rule ?? undefined,
      reason: r.reason ?? undefined,
    })),
    start,
    now,
    { sync: t.sync, since: t.since, firstSeen },
  );

  const maxId = (q.maxEventId.get() as { m: number | null }).m ?? 0;
  const floor = Math.max(0, maxId - EVENT_SCAN);
  const oldest = floor > 0 ? (q.oldestScanned.get(floor) as { received_at: number } | undefined) : undefined;
  const eventsPartial = oldest !== undefined && oldest.received_at > start;
  const commands = q.commands.all(floor, start, t.device, t.context) as EventRow[];
  const peer = t.peer ?? t.device;
  const failovers = (
    t.ftGroup !== undefined
      ? q.failovers.all(floor, start, t.device, peer, t.ftGroup)
      : q.failoversByContext.all(floor, start, t.device, peer, t.context)
  ) as EventRow[];
  const markersCut = commands.length > MAX_MARKERS || failovers.length > MAX_MARKERS;
  const markers = [
    ...commands.slice(0, MAX_MARKERS).map((r) => marker(r, 'command')),
    ...failovers.slice(0, MAX_MARKERS).map((r) => marker(r, 'failover')),
  ].sort((a, b) => a.at - b.at);
  return { start, end: now, periods, markers, transitionsCut, markersCut, eventsPartial };
}
