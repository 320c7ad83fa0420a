/**
 * The event model. Everything that happens is an event: a syslog line, an SNMP
 * notification, a poll result, an action's outcome. Rules never care which wire a
 * fact came in on, so syslog and traps produce the same kinds and field names.
 *
 * Field names are a contract (issue "Foundation"); add fields, never rename them.
 */

/** Kinds produced by the syslog parser and the trap decoder. */
export const WIRE_KINDS = [
  'config-change',
  'logging-change',
  'crypto-change',
  'context-lifecycle',
  'ha-state',
  'device-restart',
  'auth-failure',
  'link-state',
  'license',
  'noise',
  'malformed',
  'unknown',
] as const;

/** Kinds produced by acesync itself (ingest watchdog, poller, actions, timers). */
export const INTERNAL_KINDS = [
  'ingest-loss',
  'audit-result',
  'ft-status',
  'logging-drift',
  'crypto-parity',
  'upload-result',
  'audit-overdue',
  'timer',
  'operator',
  'ssh-failure',
] as const;

export type WireKind = (typeof WIRE_KINDS)[number];
export type InternalKind = (typeof INTERNAL_KINDS)[number];
export type EventKind = WireKind | InternalKind;

/** How an event reached acesync. */
export type Transport = 'udp' | 'tcp' | 'snmp' | 'poll' | 'action' | 'internal' | 'replay';

/** A decoded SNMP varbind, kept so rules and operators can see what arrived. */
export interface Varbind {
  oid: string;
  type: string;
  value: string | number | null;
}

export interface AceEvent {
  kind: EventKind;
  /** ACE message id (`111008`), present for syslog-derived events. */
  id?: string;
  /** Syslog severity 0-7 from `%ACE-<sev>-`. */
  severity?: number;
  pri?: number;
  facility?: number;
  /** Device local time, `YYYY-MM-DDTHH:MM:SS` (the ACE sends no zone). */
  timestamp?: string;
  /** The `logging device-id` token, when the line carried one. */
  deviceId?: string;
  user?: string;
  command?: string;
  /** The context the text names; else the one the message is attributed to. */
  context?: string;
  ftGroup?: number;
  /** FT states upper-case without `FSM_FT_STATE_` (ACTIVE, STANDBY_HOT, ...). */
  state?: string;
  prevState?: string;
  reason?: string;
  peerId?: number;
  interface?: string;
  error?: string;
  /** For context-lifecycle: added | removed | discovered. */
  change?: 'added' | 'removed' | 'discovered';
  /** Free text of the message body after the id. */
  text?: string;

  /** Inventory device name, once attributed. */
  device?: string;
  /**
   * The context the message came from (source address or device-id token), which can
   * differ from `context`: `context VC_NEW` typed in Admin has originContext Admin.
   */
  originContext?: string;
  /** Source address the message came from. */
  source?: string;
  transport?: Transport;
  /** Wall-clock receive time, ms since epoch (injected clock). */
  receivedAt?: number;
  /** Raw text, bounded in size by ingest. */
  raw?: string;

  // SNMP
  trapOid?: string;
  notification?: string;
  varbinds?: Varbind[];

  /** Kind-specific details (poll results, action outcomes, loss windows). */
  data?: Record<string, unknown>;
}

/** States of a context's copy in ANM relative to the device. */
export const SYNC_STATES = ['unknown', 'in-sync', 'suspect', 'stale', 'syncing', 'failed', 'removed'] as const;
export type SyncState = (typeof SYNC_STATES)[number];

/** FT roles as normalised from syslog, traps and `show ft group`. */
export const FT_STATES = [
  'INIT',
  'ELECT',
  'ACTIVE',
  'STANDBY_CONFIG',
  'STANDBY_BULK',
  'STANDBY_HOT',
  'STANDBY_COLD',
  'STANDBY_WARM',
  'NON_REDUNDANT',
  'UNKNOWN',
] as const;

/** Normalise an FT state spelling: strip `FSM_FT_STATE_`, upper-case, `-`/space to `_`. */
export function normaliseFtState(s: string): string {
  return s
    .trim()
    .replace(/^FSM_FT_STATE_/i, '')
    .replace(/[\s-]+/g, '_')
    .toUpperCase();
}

// ---------------------------------------------------------------------------------------
// `data` payloads of internal kinds. Producers (poller, actions, ingest) and the rule
// engine agree on these shapes; rules address them as `data.<field>`.

/** `ingest-loss`: messages may have been lost between `from` and `to` (ms epoch). */
export interface IngestLossData {
  from: number;
  to: number;
  dropped: number;
  /** Source addresses active in the window. */
  sources: string[];
  devices?: string[];
}

/** `audit-result`: one context's running-config compared with ANM's copy. */
export interface AuditResultData {
  /**
   * in-sync: equals ANM's copy; differs: it does not; no-baseline: ANM's copy is not known yet; error: audit failed.
   */
  outcome: 'in-sync' | 'differs' | 'no-baseline' | 'error';
  /** SHA-256 (hex) of the normalised running-config seen on the device. */
  hash?: string;
  /** SHA-256 of ANM's copy as acesync last recorded it. */
  anmHash?: string;
  /** Short unified diff against the last stored version (bounded). */
  diff?: string;
  /** Normalised config text (the store keeps distinct versions; bounded). */
  config?: string;
  /** Job that asked for this audit, if any. */
  jobId?: number;
  /** The context's logging settings as this audit found them (expected host, trap level, 111008...). */
  logging?: 'complete' | 'incomplete';
  /** `connect`: the device could not be logged in to at all (an ssh-failure event names the device). */
  stage?: 'connect';
}

/** `ft-status`: `show ft group status` as seen on `device` for one FT group. */
export interface FtStatusData {
  myState: string;
  peerState?: string;
  contexts?: string[];
  runningSync?: string;
  startupSync?: string;
}

/** `logging-drift`: logging lines a context must carry but does not. */
export interface LoggingDriftData {
  missing: string[];
  /** Lines present that silence acesync/ANM (e.g. `no logging message 111008`). */
  harmful?: string[];
}

/** `crypto-parity`: certificate/key files that differ between the two peers of a pair. */
export interface CryptoParityData {
  peer: string;
  ok: boolean;
  missingOnDevice: string[];
  missingOnPeer: string[];
  different: string[];
  configErrors?: string[];
}

/** `upload-result`: an upload of one context's config to ANM. */
export interface UploadResultData {
  outcome: 'ok' | 'failed' | 'waiting-operator';
  strategy: string;
  error?: string;
  /** For waiting-operator: the steps of the HA procedure a person must carry out. */
  steps?: string;
  jobId?: number;
  attempts?: number;
}

/** Job types the rule engine asks for and the workers run. */
export type JobType = 'audit' | 'upload' | 'check-crypto' | 'alert';
