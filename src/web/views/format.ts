/**
 * Wording and formatting shared by the page, the API and the live updates. Sync states
 * are shown as text AND colour (never colour alone), in one vocabulary: the badge says the
 * state's API/CLI name (`stale`, not ANM's "Out Of Sync", which the title explains). HA
 * words stay ANM's (anm.md section 5: "HA State", "HA Peer", "HA Autosync").
 */
import type { SyncState } from '../../core/events.js';

export interface StateWording {
  /** Short text in the badge. */
  label: string;
  /** One sentence for the title/tooltip and screen readers. */
  help: string;
  /** Colour class suffix (CSS `state-<tone>`). */
  tone: 'ok' | 'warn' | 'bad' | 'busy' | 'muted';
  /** Symbol shown before the label, so state is not told by colour alone. */
  symbol: string;
}

export const STATE_WORDING: Record<SyncState, StateWording> = {
  'in-sync': {
    label: 'in-sync',
    help: "Audited: the device's running-config equals ANM's copy.",
    tone: 'ok',
    symbol: '✓',
  },
  suspect: {
    label: 'suspect',
    help: "Something happened that may have made ANM's copy stale; an audit is due.",
    tone: 'warn',
    symbol: '?',
  },
  stale: {
    label: 'stale',
    help: "Audited: ANM's copy differs from the device (ANM calls this Out Of Sync); an upload is due.",
    tone: 'bad',
    symbol: '✗',
  },
  syncing: { label: 'syncing', help: 'Uploaded to ANM; a confirming audit is due.', tone: 'busy', symbol: '↻' },
  failed: {
    label: 'failed',
    help: 'The upload to ANM failed after its retries; see the jobs and alerts.',
    tone: 'bad',
    symbol: '!',
  },
  unknown: { label: 'unknown', help: 'Not audited yet.', tone: 'muted', symbol: '·' },
  removed: { label: 'removed', help: 'The context was removed from the device.', tone: 'muted', symbol: '–' },
  unconfirmed: {
    label: 'unconfirmed',
    help: 'Learnt from a device message; show context on the device has not listed it yet.',
    tone: 'muted',
    symbol: '…',
  },
};

export function stateWording(s: string): StateWording {
  return STATE_WORDING[s as SyncState] ?? { label: s, help: s, tone: 'muted', symbol: '·' };
}

/** FT roles as ANM's HA State column words them (`STANDBY_HOT` -> `Standby Hot`). */
export function haStateLabel(role: string | undefined): string {
  if (!role) return 'Unknown';
  return role
    .toLowerCase()
    .split('_')
    .map((w) => (w ? w[0]!.toUpperCase() + w.slice(1) : w))
    .join(' ');
}

export function roleTone(role: string | undefined): StateWording['tone'] {
  if (!role) return 'muted';
  if (role === 'ACTIVE') return 'ok';
  if (role === 'STANDBY_HOT') return 'ok';
  if (role === 'STANDBY_COLD' || role === 'INIT' || role === 'ELECT') return 'bad';
  if (role.startsWith('STANDBY')) return 'warn';
  return 'muted';
}

export function isoTime(ms: number | undefined): string {
  return ms === undefined || !Number.isFinite(ms) ? '' : new Date(ms).toISOString();
}

/** `2026-03-01 10:00:00Z`: compact, unambiguous, sortable. */
export function shortTime(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return '—';
  return new Date(ms)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d{3}Z$/, 'Z');
}

/** `3 min ago`, `2 h ago`, `in 20 s`. */
export function relative(ms: number | undefined, now: number): string {
  if (ms === undefined || !Number.isFinite(ms)) return 'never';
  const d = Math.round((now - ms) / 1000);
  const a = Math.abs(d);
  const v =
    a < 60
      ? `${a} s`
      : a < 3600
        ? `${Math.floor(a / 60)} min`
        : a < 172_800
          ? `${Math.floor(a / 3600)} h`
          : `${Math.floor(a / 86_400)} d`;
  return d >= 0 ? `${v} ago` : `in ${v}`;
}

/** The newest reason text of a context (its one-line "why"). */
export function lastReason(reasons: ReadonlyArray<{ text: string }>): string {
  return reasons.length > 0 ? reasons[reasons.length - 1]!.text : '';
}
