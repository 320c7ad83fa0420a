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
  /** A lifecycle event (context creation/removal) from a source that may not speak for it: never a state change. */
  'suspicious-source',
  /** A context creation from Admin refused by a bound (creation rate, context cap): never a state change. */
  'lifecycle-refused',
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
  /**
   * The HOSTNAME a relay wrote in front of the line (RFC 5424 or traditional header) and the `ip` of an RFC 5424
   * `[origin]` element. Evidence of the origin only for lines from a configured relay (`syslog.relays`).
   */
  relayHostname?: string;
  relayOriginIp?: string;
  /** The relay (configured in `syslog.relays`) a line came through; `source` is then the origin it named. */
  relay?: string;
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
  /**
   * For context-lifecycle: added | removed (device messages), discovered (the poller found an
   * unknown one), confirmed (`show context` lists a context acesync holds unconfirmed),
   * absent (a full `show context` does not list a context acesync holds).
   */
  change?: 'added' | 'removed' | 'discovered' | 'confirmed' | 'absent';
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
  /**
   * The context a `logging device-id` token (or a trap's clogOriginID) claimed when it names
   * another context than the one the source address belongs to. The source's attribution is
   * kept (`originContext`); this records the mismatch.
   */
  claimedOrigin?: string;
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
export const SYNC_STATES = [
  'unknown',
  'in-sync',
  'suspect',
  'stale',
  'syncing',
  'failed',
  'removed',
  /** Learnt from a device message; not yet listed by `show context` on the device. */
  'unconfirmed',
] as const;
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

/**
 * `suspicious-source` and `lifecycle-refused`: a context lifecycle event that was not applied.
 * The event's `context` is the context the message came from; `target` the one it named.
 */
export interface RefusedLifecycleData {
  /** not-admin: a user context's source; unknown-source: no inventory source; creation-rate / context-cap: bounds. */
  reason: 'not-admin' | 'unknown-source' | 'creation-rate' | 'context-cap';
  change: string;
  target?: string;
  /** The context the source address belongs to (undefined: a device-level source). */
  sourceContext?: string;
  /** The bound that was reached (creation-rate: per minute; context-cap: contexts per device). */
  limit?: number;
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
  /**
   * `first_audit`: a no-baseline result whose hash the worker recorded as ANM's copy
   * (`engine.first_audit: adopt`; the outcome is then in-sync). `ask`: a no-baseline result
   * whose upload waits for a person to choose between adopting and uploading.
   */
  baseline?: 'first_audit' | 'ask';
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
  /** The lines that repair it, `; `-separated, set when something is missing or harmful. */
  fix?: string;
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

/** Job priorities: jobs rules ask for jump ahead of scheduled ones (the job queue, the demo and the API use them). */
export const PRIORITY = { scheduled: 0, rule: 10, alert: 50 } as const;
