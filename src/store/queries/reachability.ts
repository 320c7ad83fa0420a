/**
 * Can acesync reach each device, and why the last audits failed: the newest `ssh-failure`
 * per device (the poller emits one each time it cannot open a session: its kind, the
 * error, when) against the device's newest successful audit, and per context the kind of
 * its last failed audit. Read-only, bounded by the events scan window.
 */
import type { Database } from 'better-sqlite3';
import { latestOfKind } from './events.js';

export interface DeviceReachability {
  /** false: the newest SSH failure is newer than the newest successful audit. undefined: nothing known yet. */
  reachable?: boolean;
  /** The newest SSH failure (kept after a recovery: "last error"). */
  lastFailure?: { kind: string; error: string; at: number };
}

const MAX_ERROR_CHARS = 200;

const str = (v: unknown, max = MAX_ERROR_CHARS): string | undefined =>
  typeof v === 'string' && v !== '' ? v.slice(0, max) : undefined;

/** Per device: its newest SSH failure, and whether an audit succeeded since. */
export function deviceReachability(
  db: Database,
  lastGoodAudit: (device: string) => number | undefined,
): Map<string, DeviceReachability> {
  const out = new Map<string, DeviceReachability>();
  for (const e of latestOfKind(db, 'ssh-failure').values()) {
    if (!e.device) continue;
    const data = e.event.data ?? {};
    const failure = {
      kind: str(data.sshKind, 32) ?? 'error',
      error: str(e.event.error) ?? 'no error reported',
      at: e.receivedAt,
    };
    const good = lastGoodAudit(e.device);
    out.set(e.device, { reachable: good !== undefined && good > failure.at, lastFailure: failure });
  }
  return out;
}

/**
 * Per `device\0context`: what the newest failed audit ran into, in a few words: the SSH
 * failure kind when the device could not be logged in to at all, else the error itself.
 */
export function auditErrorKinds(db: Database, devices: ReadonlyMap<string, DeviceReachability>): Map<string, string> {
  const out = new Map<string, string>();
  for (const [key, e] of latestOfKind(db, 'audit-result')) {
    const data = e.event.data ?? {};
    if (data.outcome !== 'error') continue;
    const ssh = e.device ? devices.get(e.device)?.lastFailure : undefined;
    out.set(
      key,
      data.stage === 'connect' ? `SSH ${ssh?.kind ?? 'connect'} failure` : (str(e.event.error, 80) ?? 'audit error'),
    );
  }
  return out;
}
