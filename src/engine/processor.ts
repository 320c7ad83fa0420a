/**
 * The one loop: event -> store(event) -> evaluate(event, state) -> apply, in one
 * transaction per batch (a savepoint per event, so one bad event cannot take the batch
 * with it). Timers are rows; `tick()` fires the due ones. Used by the service (fed by the
 * EventQueue drain), by `acesync replay` (virtual clock) and by tests.
 */
import type { Clock } from '../core/clock.js';
import { AcesyncError } from '../core/errors.js';
import type { AceEvent } from '../core/events.js';
import type { Logger } from '../core/log.js';
import { MAX_CONTEXTS_PER_DEVICE, type DecisionRecord } from '../store/state-writes.js';
import type { Store } from '../store/store.js';
import { EffectApplier } from './apply-effects.js';
import { evaluate } from './engine.js';
import { fireTimer } from './throttles.js';
import { LifecycleGuard } from './lifecycle-guard.js';
import type { Ruleset } from './types.js';

export interface ProcessorOptions {
  store: Store;
  ruleset: Ruleset;
  clock: Clock;
  logger: Logger;
  /** Store noise events too (config `syslog.store_noise`); they are never evaluated. */
  storeNoise?: boolean;
  /** Called after each commit with the decisions it recorded (replay output, live views). */
  onRecords?: (records: DecisionRecord[]) => void;
  /** Most timers fired by one tick (the rest fire on the next). */
  maxTimersPerTick?: number;
  /** Context creations accepted per device and minute (config `engine.context_creations_per_minute`). Default 20. */
  contextCreationsPerMinute?: number;
}

export interface ProcessorStats {
  received: number;
  noise: number;
  stored: number;
  evaluated: number;
  decisions: number;
  /** Events whose evaluation failed (logged; the event itself is stored). */
  errors: number;
  timersFired: number;
  reloads: number;
}

interface BatchCounts {
  received: number;
  noise: number;
  stored: number;
  evaluated: number;
  errors: number;
}

export interface ReloadResult {
  rules: number;
  /** Open expectations of rules that were removed or changed, dropped with a decision record. */
  droppedExpectations: number;
}

export class Processor {
  readonly stats: ProcessorStats = {
    received: 0,
    noise: 0,
    stored: 0,
    evaluated: 0,
    decisions: 0,
    errors: 0,
    timersFired: 0,
    reloads: 0,
  };
  readonly #store: Store;
  readonly #effects: EffectApplier;
  readonly #clock: Clock;
  readonly #logger: Logger;
  #storeNoise: boolean;
  readonly #onRecords?: (records: DecisionRecord[]) => void;
  readonly #maxTimers: number;
  /** Who may create and remove contexts, and how fast (see lifecycle-guard.ts). */
  readonly guard: LifecycleGuard;
  #ruleset: Ruleset;
  #errorLog = { windowStart: 0, count: 0 };

  constructor(opts: ProcessorOptions) {
    this.#store = opts.store;
    this.#effects = new EffectApplier(opts.store);
    this.#ruleset = opts.ruleset;
    this.#clock = opts.clock;
    this.#logger = opts.logger;
    this.#storeNoise = opts.storeNoise ?? false;
    this.#onRecords = opts.onRecords;
    this.#maxTimers = opts.maxTimersPerTick ?? 2000;
    this.guard = new LifecycleGuard({
      creationsPerMinute: opts.contextCreationsPerMinute ?? 20,
      maxContexts: MAX_CONTEXTS_PER_DEVICE,
      logger: opts.logger,
    });
  }

  /** Settings a configuration reload changes (syslog.store_noise, engine.context_creations_per_minute). */
  configure(o: { storeNoise: boolean; contextCreationsPerMinute: number }): void {
    this.#storeNoise = o.storeNoise;
    this.guard.setCreationsPerMinute(o.contextCreationsPerMinute);
  }

  get ruleset(): Ruleset {
    return this.#ruleset;
  }

  #logError(err: unknown, what: Record<string, unknown>): void {
    const now = this.#clock.now();
    if (now - this.#errorLog.windowStart > 60_000) this.#errorLog = { windowStart: now, count: 0 };
    // Rate-limited: a rule that throws on every event must not flood the log.
    if (++this.#errorLog.count <= 10)
      this.#logger.error({ err, ...what }, 'evaluation failed; event stored, decisions skipped');
  }

  readonly #listeners = new Set<(records: DecisionRecord[]) => void>();

  /**
   * Be told of the decisions of every commit (live views, SSE). Returns the unsubscribe
   * function. A listener that throws is logged and does not disturb processing.
   */
  subscribe(listener: (records: DecisionRecord[]) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #emit(records: DecisionRecord[]): void {
    this.stats.decisions += records.length;
    if (records.length === 0) return;
    // Called after the commit: what listeners see is durable.
    if (this.#onRecords) this.#onRecords(records);
    for (const l of this.#listeners) {
      try {
        l(records);
      } catch (err) {
        this.#logger.warn({ err }, 'a decisions listener failed');
      }
    }
  }

  /**
   * Store and evaluate a batch of events in one transaction. Throws ACESYNC_STORE_WRITE
   * when the database cannot be written (disk full, read-only): nothing of the batch is kept.
   */
  handle(input: AceEvent[]): DecisionRecord[] {
    if (input.length === 0) return [];
    // Outside the transaction: a batch run again after a failure is not guarded twice.
    const events = this.guard.checkBatch(input, this.#store.view, this.#clock.now());
    let out: { records: DecisionRecord[]; counts: BatchCounts };
    try {
      out = this.#batch(events, false);
    } catch (err) {
      if (err instanceof AcesyncError && err.code === 'ACESYNC_STORE_WRITE') throw err;
      // Applying one event's decisions failed (a bug, not the disk): the batch was rolled
      // back whole. Run it again with a savepoint per event, so only that event's decisions
      // are lost. Evaluation is pure, so the rerun decides the same for the others.
      this.#logError(err, { batch: events.length, phase: 'apply' });
      out = this.#batch(events, true);
    }
    const { records, counts } = out;
    this.stats.received += counts.received;
    this.stats.noise += counts.noise;
    this.stats.stored += counts.stored;
    this.stats.evaluated += counts.evaluated;
    this.stats.errors += counts.errors;
    this.#emit(records);
    return records;
  }

  #batch(events: AceEvent[], safe: boolean): { records: DecisionRecord[]; counts: BatchCounts } {
    const store = this.#store;
    const now = this.#clock.now();
    const records: DecisionRecord[] = [];
    const counts: BatchCounts = { received: 0, noise: 0, stored: 0, evaluated: 0, errors: 0 };
    const run = (): void => {
      for (const e of events) {
        counts.received++;
        if (e.kind === 'noise') {
          counts.noise++;
          if (this.#storeNoise) {
            store.insertEvent(e, now);
            counts.stored++;
          }
          continue;
        }
        // Written before it is evaluated: a failing rule never loses the fact.
        const eventId = store.insertEvent(e, now);
        counts.stored++;
        let evaluation;
        try {
          evaluation = evaluate(e, store.view, this.#ruleset, now, { eventId });
        } catch (err) {
          // Evaluation writes nothing: skipping the event's decisions is enough.
          counts.errors++;
          this.#logError(err, { eventId, kind: e.kind, device: e.device, context: e.context });
          continue;
        }
        const ctx = { eventId, device: e.device, context: e.context };
        if (!safe) {
          records.push(...this.#effects.apply(evaluation, ctx));
          counts.evaluated++;
          continue;
        }
        try {
          records.push(...store.transaction(() => this.#effects.apply(evaluation, ctx)));
          counts.evaluated++;
        } catch (err) {
          if (err instanceof AcesyncError && err.code === 'ACESYNC_STORE_WRITE') throw err;
          counts.errors++;
          this.#logError(err, { eventId, kind: e.kind, device: e.device, context: e.context });
        }
      }
    };
    // Fast path: deferred writes, flushed once before the commit. Safe path: every event's
    // writes inside its own savepoint, nothing deferred across events.
    store.transaction(() => (safe ? run() : store.writes.deferred(run)));
    return { records, counts };
  }

  /** Fire the timers that are due (settle windows, expectation deadlines). Returns how many fired. */
  tick(): number {
    const store = this.#store;
    const now = this.#clock.now();
    let fired = 0;
    const records: DecisionRecord[] = [];
    while (fired < this.#maxTimers) {
      const due = store.dueTimers(now, Math.min(500, this.#maxTimers - fired));
      if (due.length === 0) break;
      store.transaction(() => {
        for (const t of due) {
          const effects = fireTimer(t);
          if (t.kind === 'expect')
            records.push(
              store.writes.record({
                at: now,
                rule: t.rule,
                kind: 'expect-expired',
                device: t.device,
                context: t.context,
                due: t.due,
                reason: `nothing satisfied the expectation by ${new Date(t.due).toISOString()}`,
              }),
            );
          records.push(
            ...this.#effects.apply(
              { at: now, facts: [], outcomes: [], effects },
              { device: t.device, context: t.context },
            ),
          );
        }
      });
      fired += due.length;
    }
    this.stats.timersFired += fired;
    this.#emit(records);
    return fired;
  }

  /**
   * Switch to a new (already validated) rule set. Settle windows always survive (a change
   * happened; its audit is owed whatever the rules say now); expectations survive when
   * their rule is unchanged, and are dropped, with a record, when it was changed or removed.
   */
  reload(ruleset: Ruleset): ReloadResult {
    const keep = new Map(ruleset.rules.map((r) => [r.name, r.hash]));
    const now = this.#clock.now();
    const store = this.#store;
    const records: DecisionRecord[] = [];
    store.transaction(() => {
      for (const t of store.timers()) {
        if (t.kind !== 'expect' || keep.get(t.rule) === t.ruleHash) continue;
        store.writes.deleteTimer(t.key);
        records.push(
          store.writes.record({
            at: now,
            rule: t.rule,
            kind: 'note',
            device: t.device,
            context: t.context,
            reason: `expectation dropped: rule ${keep.has(t.rule) ? 'changed' : 'removed'} by a rules reload`,
          }),
        );
      }
    });
    this.#ruleset = ruleset;
    this.stats.reloads++;
    this.#emit(records);
    return { rules: ruleset.rules.length, droppedExpectations: records.length };
  }
}
