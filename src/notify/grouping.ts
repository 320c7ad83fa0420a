/**
 * Aggregation, as Alertmanager does it, per webhook. Pure.
 * - Alerts with the same values of `group_by` labels form a group: a failover that makes
 *   200 contexts alert under one rule is one notification, not 200.
 * - A new group waits `group_wait` for the rest of the burst before its first notification.
 * - After a notification, news (a new firing alert, or one the receiver was told about
 *   that has resolved) waits until `group_interval` has passed since it.
 * - A group still firing with no news is sent again after `repeat_interval`.
 * A notification carries the whole group: every firing alert, and (with send_resolved)
 * every alert resolved since the receiver was last told, so a newer one can supersede an
 * older one still waiting in the outbox.
 */
import type { NoticedAlert, NoticeItem } from '../store/alerts.js';
import type { GroupState } from '../store/outbox.js';
import { itemKey } from '../store/alerts.js';

export interface GroupTiming {
  group_wait_ms: number;
  group_interval_ms: number;
  repeat_interval_ms: number;
  send_resolved: boolean;
}

export interface AlertGroup {
  groupKey: string;
  groupLabels: Record<string, string>;
  alerts: NoticedAlert[];
}

export type GroupDecision =
  | { action: 'none' }
  | { action: 'delete' }
  /** A new group: remember it and wait group_wait. */
  | { action: 'open'; nextFlushAt: number }
  | { action: 'flush'; items: NoticeItem[]; alerts: NoticedAlert[]; nextFlushAt: number };

/** The group's label values (missing labels are empty, as in Alertmanager). */
export function groupLabelsOf(labels: Record<string, string>, groupBy: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of groupBy) if (labels[k] !== undefined) out[k] = labels[k]!;
  return out;
}

/** Split alerts into groups by `group_by`; `keyOf` makes the group key (payload.groupKey). */
export function groupAlerts(
  alerts: NoticedAlert[],
  groupBy: readonly string[],
  keyOf: (labels: Record<string, string>) => string,
): AlertGroup[] {
  const groups = new Map<string, AlertGroup>();
  for (const a of alerts) {
    const groupLabels = groupLabelsOf(a.labels, groupBy);
    const key = keyOf(groupLabels);
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { groupKey: key, groupLabels, alerts: [] }));
    g.alerts.push(a);
  }
  return [...groups.values()];
}

export const noticeItem = (a: NoticedAlert): NoticeItem => ({
  alertId: a.id,
  startsAt: a.startsAt,
  status: a.status,
  ...(a.annotations.revision !== undefined ? { rev: a.annotations.revision } : {}),
});

/** Is this alert news for the receiver, compared with the group's last notification? */
export function isNews(a: NoticedAlert, lastItems: ReadonlySet<string>, sendResolved: boolean): boolean {
  if (a.status === 'firing') return !lastItems.has(itemKey(noticeItem(a)));
  // Resolved: news only if the receiver was told it was firing (and not yet that it resolved).
  return sendResolved && a.notice === 'firing' && !lastItems.has(itemKey(noticeItem(a)));
}

/**
 * What to do with one group now. `alerts` are the group's firing alerts and its resolved
 * alerts the receiver has not been told about (the caller drops resolved ones when
 * send_resolved is off).
 */
export function decideGroup(
  state: GroupState | undefined,
  alerts: NoticedAlert[],
  now: number,
  t: GroupTiming,
): GroupDecision {
  const included = t.send_resolved ? alerts : alerts.filter((a) => a.status === 'firing');
  const firing = included.some((a) => a.status === 'firing');
  const last = new Set(state?.lastItems ?? []);
  const news = included.some((a) => isNews(a, last, t.send_resolved));
  if (!state) return news ? { action: 'open', nextFlushAt: now + t.group_wait_ms } : { action: 'none' };
  if (!firing && !news) return { action: 'delete' };
  if (now < state.nextFlushAt) return { action: 'none' };
  const repeat = firing && state.lastFlushAt !== undefined && now - state.lastFlushAt >= t.repeat_interval_ms;
  if (!news && !repeat) return { action: 'none' };
  return { action: 'flush', items: included.map(noticeItem), alerts: included, nextFlushAt: now + t.group_interval_ms };
}

/** When this group next needs a look if nothing changes meanwhile (the notifier sleeps until the earliest). */
export function nextLook(state: GroupState, now: number, t: GroupTiming): number {
  if (state.nextFlushAt > now) return state.nextFlushAt;
  return (state.lastFlushAt ?? now) + t.repeat_interval_ms;
}
