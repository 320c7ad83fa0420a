/**
 * When to audit each device. The scheduler never runs an audit itself: it REQUESTS one
 * through `requestAudit(device, reason)` (the lead connects that to the persistent job
 * queue, where audits asked by rules jump ahead of these). It also watches for devices
 * with no successful audit for too long and raises `audit-overdue`.
 *
 * Time comes from the injected clock; `tick()` does the work and `start()` only calls it
 * on a timer, so tests drive it with a ManualClock.
 */
import type { AceEvent } from '../core/events.js';
import type { Clock } from '../core/clock.js';

export type AuditReason = 'startup' | 'interval' | 'fast';
export type Cadence = 'normal' | 'fast';

export interface SchedulerOptions {
  devices: string[];
  intervalMs: number;
  jitterRatio: number;
  fastIntervalMs: number;
  overdueAfterMs: number;
  clock: Clock;
  requestAudit(device: string, reason: AuditReason): void;
  /** `audit-overdue` events go here. */
  emit(event: AceEvent): void;
  random?: () => number;
  /** How often `start()` ticks. Default 1000 ms. */
  tickMs?: number;
  /** First audits are spread over this window after start. Default min(interval, 30 s). */
  startupSpreadMs?: number;
}

interface DeviceSchedule {
  nextDueAt: number;
  cadence: Cadence;
  fastUntil?: number;
  lastSuccessAt?: number;
  /** Counting from here when the device never succeeded. */
  watchFrom: number;
  overdueReported: boolean;
  requested?: boolean;
}

export interface ScheduleStatus {
  device: string;
  nextDueAt: number;
  cadence: Cadence;
  fastUntil?: number;
  lastSuccessAt?: number;
  overdue: boolean;
}

export class AuditScheduler {
  #o: SchedulerOptions;
  readonly #s = new Map<string, DeviceSchedule>();
  #timer: NodeJS.Timeout | undefined;

  /**
   * A configuration reload: new devices are scheduled (first audit within the startup spread),
   * removed ones dropped, and the intervals take their new values from the next due time on.
   */
  reconfigure(
    o: Pick<SchedulerOptions, 'devices' | 'intervalMs' | 'fastIntervalMs' | 'overdueAfterMs'> &
      Partial<Pick<SchedulerOptions, 'jitterRatio' | 'startupSpreadMs'>>,
  ): void {
    this.#o = { ...this.#o, ...o };
    const now = this.#o.clock.now();
    const spread = this.#o.startupSpreadMs ?? Math.min(this.#o.intervalMs, 30_000);
    const keep = new Set(o.devices);
    for (const d of [...this.#s.keys()]) if (!keep.has(d)) this.#s.delete(d);
    for (const d of o.devices)
      if (!this.#s.has(d))
        this.#s.set(d, {
          nextDueAt: now + this.#rand() * spread,
          cadence: 'normal',
          watchFrom: now,
          overdueReported: false,
        });
  }

  constructor(opts: SchedulerOptions) {
    this.#o = opts;
    const now = opts.clock.now();
    const spread = opts.startupSpreadMs ?? Math.min(opts.intervalMs, 30_000);
    for (const d of opts.devices)
      this.#s.set(d, {
        nextDueAt: now + this.#rand() * spread,
        cadence: 'normal',
        watchFrom: now,
        overdueReported: false,
      });
  }

  #rand(): number {
    return (this.#o.random ?? Math.random)();
  }

  #jittered(ms: number): number {
    return Math.max(1, ms * (1 + (this.#rand() * 2 - 1) * this.#o.jitterRatio));
  }

  start(): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => this.tick(), this.#o.tickMs ?? 1000);
    this.#timer.unref();
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** Request the audits that are due and report overdue devices. */
  tick(): void {
    const now = this.#o.clock.now();
    for (const [device, s] of this.#s) {
      if (s.cadence === 'fast' && s.fastUntil !== undefined && now >= s.fastUntil) {
        s.cadence = 'normal';
        s.fastUntil = undefined;
        s.nextDueAt = Math.min(s.nextDueAt, now + this.#jittered(this.#o.intervalMs));
      }
      if (now >= s.nextDueAt) {
        this.#o.requestAudit(device, s.cadence === 'fast' ? 'fast' : s.requested ? 'interval' : 'startup');
        s.requested = true;
        s.nextDueAt = now + this.#jittered(s.cadence === 'fast' ? this.#o.fastIntervalMs : this.#o.intervalMs);
      }
      const since = s.lastSuccessAt ?? s.watchFrom;
      if (!s.overdueReported && now - since > this.#o.overdueAfterMs) {
        s.overdueReported = true;
        this.#o.emit({
          kind: 'audit-overdue',
          device,
          transport: 'poll',
          receivedAt: now,
          reason: s.lastSuccessAt === undefined ? 'never audited successfully' : 'no successful audit recently',
          data: {
            lastSuccessAt: s.lastSuccessAt ?? null,
            overdueForMs: now - since,
            overdueAfterMs: this.#o.overdueAfterMs,
          },
        });
      }
    }
  }

  /**
   * Poll a device faster (a rule suspects its syslog is silenced) until `untilMs`
   * (absolute, clock time), or back to normal. Fast polling starts with the next interval.
   */
  setCadence(device: string, cadence: Cadence, untilMs?: number): void {
    const s = this.#s.get(device);
    if (!s) return;
    const now = this.#o.clock.now();
    s.cadence = cadence;
    if (cadence === 'fast') {
      s.fastUntil = untilMs;
      s.nextDueAt = Math.min(s.nextDueAt, now + this.#jittered(this.#o.fastIntervalMs));
    } else {
      s.fastUntil = undefined;
    }
  }

  /** The outcome of an audit (from `Poller`'s `onAudit`). A success clears the overdue state. */
  noteAudit(device: string, ok: boolean, at = this.#o.clock.now()): void {
    const s = this.#s.get(device);
    if (!s || !ok) return;
    s.lastSuccessAt = at;
    s.overdueReported = false;
  }

  /** Add a device discovered or configured at run time. */
  addDevice(device: string): void {
    if (this.#s.has(device)) return;
    const now = this.#o.clock.now();
    this.#s.set(device, { nextDueAt: now, cadence: 'normal', watchFrom: now, overdueReported: false });
  }

  status(): ScheduleStatus[] {
    return [...this.#s.entries()].map(([device, s]) => ({
      device,
      nextDueAt: s.nextDueAt,
      cadence: s.cadence,
      fastUntil: s.fastUntil,
      lastSuccessAt: s.lastSuccessAt,
      overdue: s.overdueReported,
    }));
  }
}
