/**
 * RFC 3414 §3.2 step 7: the timeliness check of authenticated SNMPv3 messages, which
 * net-snmp 3.29.2's Receiver does not do (it decodes msgAuthoritativeEngineBoots/Time, uses
 * them for the AES IV, and never compares them with anything; its engine reports boots 0,
 * time 10 forever). Without it a captured authPriv trap or inform is accepted again at any
 * later time.
 *
 * - Traps: the sender is the authoritative engine. Per engine ID we keep the latest boots
 *   and time seen and the local time we saw them (step 7b, non-authoritative receiver):
 *   lower boots, or the same boots and a time more than 150 s behind our notion of the
 *   sender's clock, is not in the time window. The notion only moves forward, and only
 *   from a message net-snmp has authenticated (the caller's job: check, then update).
 * - Informs: acesync is the authoritative engine (step 7a). Its boots come from the store
 *   (incremented at every start) and its time counts seconds from start; a message whose
 *   boots differ, or whose time is more than 150 s off, is not in the time window.
 *
 * Pure apart from the injected clock; noAuthNoPriv messages have no timeliness (RFC 3414).
 */
import type { Clock } from '../core/clock.js';
import type { UsmHeader } from '../parse/usm-header.js';

/** RFC 3414 §2.2.3: the time window, in seconds. */
export const TIME_WINDOW_S = 150;
/** snmpEngineBoots latches here (RFC 3414 §2.2.2): such an engine is never in the window. */
export const MAX_ENGINE_BOOTS = 2 ** 31 - 1;
/** snmpEngineTime wraps to 0 (and boots increments) past this. */
const MAX_ENGINE_TIME = 2 ** 31 - 1;

export type Timeliness = { ok: true } | { ok: false; reason: 'not-in-time-window' | 'unknown-engine-id' };

const OK: Timeliness = { ok: true };
const LATE: Timeliness = { ok: false, reason: 'not-in-time-window' };

/** acesync's own engine, authoritative for the informs it receives. */
export class LocalEngine {
  readonly engineId: string;
  readonly #startedAt: number;
  readonly #boots: number;
  readonly #clock: Clock;

  constructor(opts: { engineId: string; boots: number; clock: Clock }) {
    this.engineId = opts.engineId.toLowerCase();
    this.#boots = Math.min(Math.max(0, Math.trunc(opts.boots)), MAX_ENGINE_BOOTS);
    this.#clock = opts.clock;
    this.#startedAt = opts.clock.now();
  }

  /** snmpEngineBoots and snmpEngineTime now (RFC 3414 §2.2.1: time wraps, boots advances). */
  now(): { boots: number; time: number } {
    const secs = Math.max(0, Math.floor((this.#clock.now() - this.#startedAt) / 1000));
    const wraps = Math.floor(secs / (MAX_ENGINE_TIME + 1));
    return { boots: Math.min(this.#boots + wraps, MAX_ENGINE_BOOTS), time: secs % (MAX_ENGINE_TIME + 1) };
  }

  /** Step 7a for an authenticated message addressed to this engine. */
  check(h: Pick<UsmHeader, 'engineId' | 'engineBoots' | 'engineTime'>): Timeliness {
    if (h.engineId !== this.engineId) return { ok: false, reason: 'unknown-engine-id' };
    const { boots, time } = this.now();
    if (boots === MAX_ENGINE_BOOTS || h.engineBoots !== boots) return LATE;
    return Math.abs(h.engineTime - time) > TIME_WINDOW_S ? LATE : OK;
  }
}

interface RemoteNotion {
  boots: number;
  /** latestReceivedEngineTime. */
  time: number;
  /** Local clock (ms) when `time` was received. */
  at: number;
}

/** Our notion of each trap sender's engine clock (bounded; least recently advanced goes first). */
export class RemoteEngineTimes {
  readonly #clock: Clock;
  readonly #max: number;
  readonly #engines = new Map<string, RemoteNotion>();
  /** Advanced since the last drainChanged(): what the store has yet to hear about. */
  readonly #changed = new Set<string>();

  constructor(opts: { clock: Clock; maxEngines?: number }) {
    this.#clock = opts.clock;
    this.#max = opts.maxEngines ?? 4096;
  }

  get maxEngines(): number {
    return this.#max;
  }

  /** Take back what a previous run remembered (most recently advanced first). */
  restore(rows: ReadonlyArray<{ engineId: string; boots: number; time: number; at: number }>): void {
    for (const r of [...rows].reverse().slice(-this.#max))
      this.#engines.set(r.engineId, { boots: r.boots, time: r.time, at: r.at });
  }

  /** The notions advanced since the last call (for the store), and forget that they were. */
  drainChanged(): Array<{ engineId: string; boots: number; time: number; at: number }> {
    const out: Array<{ engineId: string; boots: number; time: number; at: number }> = [];
    for (const id of this.#changed) {
      const n = this.#engines.get(id);
      if (n) out.push({ engineId: id, ...n });
    }
    this.#changed.clear();
    return out;
  }

  /** Step 7b, without changing anything: an engine not seen yet is in the window (first contact). */
  check(h: Pick<UsmHeader, 'engineId' | 'engineBoots' | 'engineTime'>): Timeliness {
    if (h.engineBoots === MAX_ENGINE_BOOTS) return LATE;
    const n = this.#engines.get(h.engineId);
    if (!n) return OK;
    if (h.engineBoots > n.boots) return OK;
    if (h.engineBoots < n.boots) return LATE;
    const elapsed = Math.max(0, Math.floor((this.#clock.now() - n.at) / 1000));
    return h.engineTime < n.time + elapsed - TIME_WINDOW_S ? LATE : OK;
  }

  /**
   * Advance the notion from an authenticated, timely message (step 7b: only when boots is
   * higher, or equal with a later time). Never call it for a message net-snmp has not
   * authenticated: a forged time pushed forward would make every real trap look old.
   */
  update(h: Pick<UsmHeader, 'engineId' | 'engineBoots' | 'engineTime'>): void {
    const n = this.#engines.get(h.engineId);
    if (n && !(h.engineBoots > n.boots || (h.engineBoots === n.boots && h.engineTime > n.time))) return;
    if (n) this.#engines.delete(h.engineId);
    else if (this.#engines.size >= this.#max) this.#engines.delete(this.#engines.keys().next().value!);
    this.#engines.set(h.engineId, { boots: h.engineBoots, time: h.engineTime, at: this.#clock.now() });
    this.#changed.add(h.engineId);
  }

  /** Engines tracked (tests, metrics). */
  get size(): number {
    return this.#engines.size;
  }
}
