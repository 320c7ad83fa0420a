/**
 * When an alert's condition has cleared. Rules raise alerts as one-off facts ("logging was
 * silenced", "the upload failed"); nothing in a rule says when they end. The rule, by what
 * the alert is about, judged only by what happened AFTER the alert last fired:
 *
 * 1. Logging drift (`eventKind: logging-drift`): the poller reported the same context's
 *    logging settings complete again (a logging-drift event with nothing missing/harmful).
 *    The same holds for `logging-silenced` (raised by a `no logging ...` command): the
 *    poller must see the logging settings complete (an audit with logging complete).
 * 2. Crypto parity (`eventKind: crypto-parity`): a crypto-parity check of the same context
 *    came back ok.
 * 3. Any other alert about a context (device and context labels): the context is confirmed
 *    in sync with ANM again (its state became in-sync, or an audit found it in-sync while
 *    in-sync), or the context was removed.
 * 4. An alert about a device only (audit overdue, failover notice): a successful audit of
 *    any context of that device (anything but an audit error).
 * 5. Contexts ANM does not know (`eventKind: anm-unknown`): a later reconcile with ANM's
 *    inventory found none missing.
 * 6. An alert about neither (ingest loss): `resolveTimeoutMs` without firing again, like
 *    Alertmanager's resolve_timeout.
 *
 * Pure: the notifier passes the state view and the signals scanned from new events.
 */
import type { ContextState } from '../engine/types.js';
import type { AlertRecord } from '../store/alerts.js';

export interface ResolutionSignal {
  kind: 'logging-clean' | 'crypto-ok';
  device: string;
  context: string;
  at: number;
}

export interface ResolveView {
  now: number;
  context(device: string, context: string): ContextState | undefined;
  contextsOf(device: string): ContextState[];
  /** Latest signal of a kind for a target (from events after the alerts fired). */
  signal(kind: ResolutionSignal['kind'], device: string, context: string): number | undefined;
  resolveTimeoutMs: number;
  /** A manual procedure run: is every one of its contexts uploaded (acknowledged), adopted or in sync? */
  procedureDone?(pairKey: string): boolean;
  /** When the last reconcile with ANM found every configured context known (undefined: not so now). */
  anmAllKnownAt?: number;
}

/** Kinds whose alerts clear only by their own signal, not by the context being in sync. */
const SIGNAL_KINDS: Record<string, ResolutionSignal['kind']> = {
  'logging-drift': 'logging-clean',
  'crypto-parity': 'crypto-ok',
};

/** When the context was last confirmed in sync with ANM (undefined when it is not in sync now). */
export function confirmedInSyncAt(c: ContextState): number | undefined {
  if (c.sync !== 'in-sync') return undefined;
  const audited = c.lastAuditOutcome === 'in-sync' && c.lastAuditAt !== undefined ? c.lastAuditAt : -Infinity;
  return Math.max(c.since, audited);
}

/** The reason the alert is resolved now, or undefined while it still holds. */
/**
 * Alerts that clear only by a signal whatever event raised them: `logging-silenced` (raised
 * by a command) holds until the poller sees the context's logging complete again, not when
 * the context is merely in sync with ANM.
 */
const SIGNAL_ALERTS: Record<string, ResolutionSignal['kind']> = { 'logging-silenced': 'logging-clean' };

export function resolution(
  a: Pick<AlertRecord, 'device' | 'context' | 'eventKind' | 'lastFiredAt'> & {
    labels?: Record<string, string>;
    alertname?: string;
  },
  v: ResolveView,
): string | undefined {
  // 0. A manual procedure (one alert per pair and run): when nothing of its run waits any more.
  if (a.eventKind === 'manual-procedure')
    return a.labels?.pair && v.procedureDone?.(a.labels.pair)
      ? 'every context of the procedure is acknowledged, adopted or in sync'
      : undefined;
  const signalKind =
    (a.alertname ? SIGNAL_ALERTS[a.alertname] : undefined) ?? (a.eventKind ? SIGNAL_KINDS[a.eventKind] : undefined);
  if (signalKind && a.device && a.context) {
    const at = v.signal(signalKind, a.device, a.context);
    if (at !== undefined && at > a.lastFiredAt)
      return signalKind === 'logging-clean'
        ? 'logging settings are complete again'
        : 'certificates and keys match on both peers again';
    return undefined;
  }
  if (a.eventKind === 'anm-unknown') {
    if (v.anmAllKnownAt !== undefined && v.anmAllKnownAt > a.lastFiredAt) return 'ANM knows every configured context';
    return undefined;
  }
  if (a.device && a.context) {
    const c = v.context(a.device, a.context);
    if (!c) return undefined;
    if (c.sync === 'removed' && c.since > a.lastFiredAt) return 'context removed';
    const at = confirmedInSyncAt(c);
    if (at !== undefined && at > a.lastFiredAt) return "context confirmed in sync with ANM's copy";
    return undefined;
  }
  if (a.device) {
    for (const c of v.contextsOf(a.device)) {
      if (
        c.lastAuditAt !== undefined &&
        c.lastAuditAt > a.lastFiredAt &&
        c.lastAuditOutcome !== undefined &&
        c.lastAuditOutcome !== 'error'
      )
        return `device audited successfully (${c.context})`;
    }
    return undefined;
  }
  if (v.now - a.lastFiredAt >= v.resolveTimeoutMs)
    return `not raised again for ${Math.round(v.resolveTimeoutMs / 60_000)} min`;
  return undefined;
}
