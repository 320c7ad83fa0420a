/**
 * The gate in front of the rule engine for what may change the set of contexts (see
 * inventory/trust.ts for the trust model). A context lifecycle event that its source may
 * not speak for becomes a `suspicious-source` event; a creation from Admin beyond the
 * per-device creation rate or the context cap becomes a `lifecycle-refused` event. Both
 * are stored (the API and the page list them) and evaluated (rules may alert), and never
 * change a state. Also keeps the source's attribution against a contradicting
 * device-id/clogOriginID token.
 *
 * Runs once per event before its batch's transaction (a retried batch does not count a
 * creation twice). Its windows are in memory: after a restart the rate starts afresh.
 */
import type { AceEvent, RefusedLifecycleData } from '../core/events.js';
import type { Logger } from '../core/log.js';
import { enforceSourceOrigin, mayChangeLifecycle } from '../inventory/trust.js';
import type { StateView } from './types.js';

export interface LifecycleGuardOptions {
  /** Context creations accepted per device in any 60 s window. */
  creationsPerMinute: number;
  /** Contexts (rows, removed ones included) a device may hold. */
  maxContexts: number;
  logger: Logger;
}

export interface LifecycleGuardStats {
  /** Lifecycle events refused, per reason. */
  refused: Record<RefusedLifecycleData['reason'], number>;
  /** Events whose device-id token named another context than their source's. */
  attributionMismatches: number;
}

const WINDOW_MS = 60_000;
const LOG_EVERY_MS = 60_000;
const MAX_TRACKED = 4096;

export class LifecycleGuard {
  readonly stats: LifecycleGuardStats = {
    refused: { 'not-admin': 0, 'unknown-source': 0, 'creation-rate': 0, 'context-cap': 0 },
    attributionMismatches: 0,
  };
  #o: LifecycleGuardOptions;
  /** Accepted creation times per device, oldest first (bounded by the rate). */
  readonly #created = new Map<string, number[]>();
  readonly #logged = new Map<string, number>();

  /** A new creation rate (a configuration reload): counted over the same window from the next creation on. */
  setCreationsPerMinute(n: number): void {
    this.#o = { ...this.#o, creationsPerMinute: n };
  }

  constructor(o: LifecycleGuardOptions) {
    this.#o = o;
  }

  /** The events to store and evaluate, in order: each the original or its refusal. */
  checkBatch(events: AceEvent[], view: StateView, now: number): AceEvent[] {
    // Contexts this batch lets in, so a batch cannot slip past the cap by the view's lag.
    const admitted = new Map<string, Set<string>>();
    return events.map((e) => this.#check(e, view, now, admitted));
  }

  #check(e: AceEvent, view: StateView, now: number, admitted: Map<string, Set<string>>): AceEvent {
    if (e.source !== undefined && enforceSourceOrigin(e, (a) => view.lookupSource(a))) {
      this.stats.attributionMismatches++;
      this.#log(
        `mismatch|${e.source}`,
        now,
        { source: e.source, device: e.device, claimed: e.claimedOrigin },
        () => 'a device-id token names another context than its source address belongs to: attributed to the source',
      );
    }
    if (e.kind !== 'context-lifecycle' || (e.change !== 'added' && e.change !== 'removed' && e.change !== 'discovered'))
      return e;
    const verdict = mayChangeLifecycle(e, (a) => view.lookupSource(a));
    if (!verdict.allowed)
      return this.#refuse(
        e,
        'suspicious-source',
        { reason: verdict.reason, sourceContext: verdict.sourceContext },
        now,
      );
    if (e.change === 'removed' || e.device === undefined || e.context === undefined) return e;
    const known = view.context(e.device, e.context);
    if (known !== undefined && known.sync !== 'removed') return e;
    const devices = [e.device, ...(e.change === 'added' && view.peerOf(e.device) ? [view.peerOf(e.device)!] : [])];
    for (const d of devices) {
      const batch = admitted.get(d)?.size ?? 0;
      const count = (view.contextCount?.(d) ?? view.contextsOf(d).length) + batch;
      if (count >= this.#o.maxContexts && !admitted.get(d)?.has(e.context))
        return this.#refuse(e, 'lifecycle-refused', { reason: 'context-cap', limit: this.#o.maxContexts }, now);
    }
    // Creations over the wire are rate-limited; what `show context` lists is not (it is bounded by the device).
    if (e.change === 'added') {
      const times = (this.#created.get(e.device) ?? []).filter((t) => now - t < WINDOW_MS);
      if (times.length >= this.#o.creationsPerMinute) {
        this.#created.set(e.device, times);
        return this.#refuse(
          e,
          'lifecycle-refused',
          { reason: 'creation-rate', limit: this.#o.creationsPerMinute },
          now,
        );
      }
      times.push(now);
      if (!this.#created.has(e.device) && this.#created.size >= MAX_TRACKED) this.#created.clear();
      this.#created.set(e.device, times);
    }
    for (const d of devices) {
      let s = admitted.get(d);
      if (!s) admitted.set(d, (s = new Set()));
      s.add(e.context);
    }
    return e;
  }

  #refuse(
    e: AceEvent,
    kind: 'suspicious-source' | 'lifecycle-refused',
    why: Omit<RefusedLifecycleData, 'change' | 'target'>,
    now: number,
  ): AceEvent {
    this.stats.refused[why.reason]++;
    const data: RefusedLifecycleData = { ...why, change: e.change ?? 'unknown' };
    if (e.context !== undefined) data.target = e.context;
    this.#log(
      `${why.reason}|${e.source ?? e.device ?? ''}`,
      now,
      { source: e.source, device: e.device, ...data },
      () =>
        kind === 'suspicious-source'
          ? 'context lifecycle message from a source that may not speak for it: ignored (trust model: only Admin creates or removes contexts)'
          : `context creation refused: ${why.reason === 'context-cap' ? 'the context cap is reached' : 'too many creations per minute'}`,
    );
    // The refusal keeps what identifies the message, never its claim as a fact: `context`
    // is the context that spoke, the named one is only `data.target`.
    const out: AceEvent = { kind, data: { ...data } };
    for (const k of ['id', 'severity', 'timestamp', 'deviceId', 'user', 'command', 'text', 'device', 'source'] as const)
      if (e[k] !== undefined) (out as unknown as Record<string, unknown>)[k] = e[k];
    for (const k of [
      'originContext',
      'claimedOrigin',
      'transport',
      'receivedAt',
      'raw',
      'trapOid',
      'notification',
    ] as const)
      if (e[k] !== undefined) (out as unknown as Record<string, unknown>)[k] = e[k];
    if (e.originContext !== undefined) out.context = e.originContext;
    return out;
  }

  /** At most one log line per key a minute; the map forgets everything when full. */
  #log(key: string, now: number, fields: Record<string, unknown>, msg: () => string): void {
    const last = this.#logged.get(key);
    if (last !== undefined && now - last < LOG_EVERY_MS) return;
    if (this.#logged.size >= MAX_TRACKED) this.#logged.clear();
    this.#logged.set(key, now);
    this.#o.logger.warn(fields, msg());
  }
}
