/**
 * Resolution signals from new events: a logging check that came back complete (a clean
 * logging-drift report, or an audit that found the logging settings complete), a crypto
 * parity check that came back ok. Events are read after a cursor kept in notifier_state,
 * in bounded windows, in the same transaction that resolves the alerts: a restart neither
 * misses nor repeats a signal.
 */
import type { AlertStore } from '../store/alerts.js';
import type { EventReads } from '../store/event-reads.js';

const SIGNAL_EVENT_KINDS = ['logging-drift', 'crypto-parity', 'audit-result'] as const;
/** Event ids scanned per call for resolution signals. */
const SCAN_WINDOW = 20_000;
const CURSOR_KEY = 'events_cursor';

/** Start the cursor at the current end of the events table, unless this database already has one. */
export function initSignalCursor(reads: EventReads, alerts: AlertStore): void {
  if (alerts.state(CURSOR_KEY) !== undefined) return;
  const maxId = reads.maxEventId();
  alerts.setState(CURSOR_KEY, String(maxId));
}

/** Latest signal time per (kind, device, context) among events since the cursor; advances it. */
export function scanSignals(reads: EventReads, alerts: AlertStore): Map<string, number> {
  const out = new Map<string, number>();
  const maxId = reads.maxEventId();
  const stored = alerts.state(CURSOR_KEY);
  // First start: history before it raised no alerts in this table.
  let cursor = stored === undefined ? maxId : Number(stored);
  if (cursor > maxId) cursor = maxId; // the events table was emptied under us
  if (cursor === maxId) {
    if (stored === undefined) alerts.setState(CURSOR_KEY, String(cursor));
    return out;
  }
  const upTo = Math.min(maxId, cursor + SCAN_WINDOW);
  const rows = reads.eventsOfKinds(cursor, upTo, SIGNAL_EVENT_KINDS);
  for (const r of rows) {
    if (!r.device || !r.context) continue;
    let data: Record<string, unknown> = {};
    try {
      data = ((JSON.parse(r.body) as { data?: Record<string, unknown> }).data ?? {}) as Record<string, unknown>;
    } catch {
      continue;
    }
    const clean =
      r.kind === 'logging-drift'
        ? Array.isArray(data.missing) &&
          data.missing.length === 0 &&
          (!Array.isArray(data.harmful) || data.harmful.length === 0)
        : r.kind === 'audit-result'
          ? data.logging === 'complete'
          : data.ok === true;
    if (!clean) continue;
    const key = `${r.kind === 'crypto-parity' ? 'crypto-ok' : 'logging-clean'}|${r.device}|${r.context}`;
    out.set(key, Math.max(out.get(key) ?? 0, r.received_at));
  }
  alerts.setState(CURSOR_KEY, String(upTo));
  return out;
}
