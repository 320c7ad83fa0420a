/**
 * Rejected notifications: classify what net-snmp reports, count per source and reason,
 * and log at most once per source per interval (a misconfigured device or a scan
 * sends thousands a minute). Secrets stay out of the log: net-snmp's error messages
 * carry the offending community and digests, and its auth errors carry the user's keys,
 * so only our reason name (and a bounded user name) is ever logged.
 */
import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/log.js';
import { LogLimiter } from './log-limiter.js';
import type { IngestOutcome } from './types.js';

export type RejectReason =
  | 'unknown-source'
  | 'unknown-community'
  | 'unknown-user'
  | 'auth-required'
  | 'priv-required'
  | 'bad-digest'
  | 'undecryptable'
  | 'unsupported-security-level'
  | 'not-in-time-window'
  | 'unknown-engine-id'
  | 'unexpected-pdu'
  | 'malformed'
  | 'receiver-error';

/** The counter outcome each reason is counted under. */
export function outcomeOf(reason: RejectReason): IngestOutcome {
  switch (reason) {
    case 'unknown-source':
      return 'dropped-unknown-source';
    case 'unexpected-pdu':
    case 'malformed':
    case 'receiver-error':
      return 'malformed';
    default:
      return 'rejected-auth';
  }
}

/** net-snmp ResponseInvalidCode values that matter here. */
const E_COULD_NOT_DECRYPT = 4;
const E_AUTH_FAILURE = 5;

/**
 * Map an error net-snmp passed to the receiver callback to a reason. net-snmp reports
 * these through the callback, never by throwing: RequestFailedError for local
 * authorization (community, user, security level), ResponseInvalidError for USM
 * digest/decryption failures, ProcessingError for anything that failed to decode
 * (truncated, garbage), RequestInvalidError for PDUs a receiver does not take.
 */
export function classifyReceiverError(err: unknown): RejectReason {
  if (typeof err !== 'object' || err === null) return 'receiver-error';
  const e = err as { name?: unknown; message?: unknown; code?: unknown };
  const msg = typeof e.message === 'string' ? e.message : '';
  switch (e.name) {
    case 'RequestFailedError':
      if (msg.startsWith('Local community not found')) return 'unknown-community';
      if (msg.startsWith('Local user not found')) return 'unknown-user';
      if (msg.includes('requires authentication')) return 'auth-required';
      if (msg.includes('requires privacy')) return 'priv-required';
      return 'receiver-error';
    case 'ResponseInvalidError':
      if (e.code === E_COULD_NOT_DECRYPT) return 'undecryptable';
      if (e.code === E_AUTH_FAILURE) return 'bad-digest';
      return 'malformed';
    case 'ProcessingError':
      return 'malformed';
    case 'RequestInvalidError':
      return 'unexpected-pdu';
    default:
      return 'receiver-error';
  }
}

/** The user name of a rejected v3 message, when net-snmp's message names it (bounded, printable). */
export function rejectedUser(err: unknown): string | undefined {
  const msg = (err as { message?: unknown } | null)?.message;
  if (typeof msg !== 'string') return undefined;
  const m =
    /^Local user (?:not found (?:for message |and message requires authentication )?with user )?(\S{1,64})/.exec(msg);
  const name = m?.[1];
  return name !== undefined && /^[\x21-\x7e]+$/.test(name) ? name : undefined;
}

/** usmStats report OIDs (RFC 3414) -> reason; usmStatsUnknownEngineIDs is normal discovery. */
const USM_REPORTS: Readonly<Record<string, RejectReason>> = {
  '1.3.6.1.6.3.15.1.1.1.0': 'unsupported-security-level',
  '1.3.6.1.6.3.15.1.1.2.0': 'not-in-time-window',
  '1.3.6.1.6.3.15.1.1.3.0': 'unknown-user',
  '1.3.6.1.6.3.15.1.1.5.0': 'bad-digest',
  '1.3.6.1.6.3.15.1.1.6.0': 'undecryptable',
};

/** The reason a Report PDU we are about to send stands for (undefined: discovery). */
export function reasonOfReport(reportVarbindOid: unknown): RejectReason | undefined {
  return typeof reportVarbindOid === 'string' ? USM_REPORTS[reportVarbindOid] : undefined;
}

export interface RejectionLogOptions {
  logger: Logger;
  clock: Clock;
  /** Minimum time between two log lines for one source. */
  intervalMs: number;
  /** Sources tracked; beyond it new ones fold into `other`. */
  maxSources?: number;
  /**
   * Lines over all sources per `intervalMs` (default 10): traps spoofed from 5,000 addresses give 10 lines and one
   * summary per reason ("N more ... from M sources"), not 1,024 lines (the per-source bound alone).
   */
  maxLines?: number;
}

interface SourceState {
  lastLogged: number;
  /** Rejections since the last log line, by reason. */
  pending: Map<RejectReason, number>;
  /** Totals by reason. */
  totals: Map<RejectReason, number>;
}

/** Counts by source and reason, and the rate-limited log. */
export class RejectionLog {
  readonly #opts: Required<RejectionLogOptions>;
  readonly #sources = new Map<string, SourceState>();
  /** The global cap over all sources (the syslog side's limiter; per-source spacing is done here, with counts). */
  readonly #cap: LogLimiter;

  constructor(opts: RejectionLogOptions) {
    this.#opts = { maxSources: 1024, maxLines: 10, ...opts };
    this.#cap = new LogLimiter({
      perSourceMs: 0,
      maxLines: this.#opts.maxLines,
      windowMs: this.#opts.intervalMs,
      maxKeys: this.#opts.maxSources,
    });
  }

  /**
   * Log what the global cap held back once its window is over, one line per reason. `record` calls it; the
   * receiver also calls it on a timer, so a flood that stops is still summarised.
   */
  flush(now = this.#opts.clock.now()): void {
    for (const x of this.#cap.summaries(now)) {
      const sources = x.sources >= this.#opts.maxSources ? `${x.sources}+` : String(x.sources);
      this.#opts.logger.warn(
        { reason: x.problem, rejected: x.lines, sources: x.sources, window_ms: x.windowMs },
        `${x.lines} more SNMP notifications rejected (${x.problem}) from ${sources} sources ` +
          `in the last ${x.windowMs / 1000} s (log lines capped)`,
      );
    }
  }

  /** Count one rejection; logs a line if this source has not been logged within the interval. */
  record(source: string, reason: RejectReason, detail?: Record<string, string | number>): void {
    let key = source;
    let s = this.#sources.get(key);
    if (!s) {
      if (this.#sources.size >= this.#opts.maxSources) {
        key = 'other';
        s = this.#sources.get(key);
      }
      if (!s) {
        s = { lastLogged: Number.NEGATIVE_INFINITY, pending: new Map(), totals: new Map() };
        this.#sources.set(key, s);
      }
    }
    s.totals.set(reason, (s.totals.get(reason) ?? 0) + 1);
    s.pending.set(reason, (s.pending.get(reason) ?? 0) + 1);
    const now = this.#opts.clock.now();
    if (now - s.lastLogged < this.#opts.intervalMs) return;
    this.flush(now);
    // Held back by the global cap: this source's pending counts stay for its next line; the summary counts it.
    if (!this.#cap.allow(reason, source, now)) return;
    const counts = Object.fromEntries(s.pending);
    const suppressed = [...s.pending.values()].reduce((a, b) => a + b, 0) - 1;
    s.pending.clear();
    s.lastLogged = now;
    this.#opts.logger.warn(
      {
        source: key,
        reason,
        ...detail,
        ...(suppressed > 0 ? { since_last_log: counts } : {}),
        next_log_after_ms: this.#opts.intervalMs,
      },
      'SNMP notification rejected',
    );
  }

  /** Totals per (source, reason). */
  breakdown(): Array<{ source: string; reason: RejectReason; count: number }> {
    const out: Array<{ source: string; reason: RejectReason; count: number }> = [];
    for (const [source, s] of this.#sources)
      for (const [reason, count] of s.totals) out.push({ source, reason, count });
    return out;
  }

  total(reason?: RejectReason): number {
    let n = 0;
    for (const s of this.#sources.values())
      for (const [r, c] of s.totals) if (reason === undefined || r === reason) n += c;
    return n;
  }
}
