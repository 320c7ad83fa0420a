/**
 * Offline replay: recorded input (raw syslog lines, optionally prefixed by the source
 * address; or JSON event lines) through the same engine and store, on a virtual clock
 * taken from the input. Timers fire as virtual time passes and at the end. Same input,
 * same output.
 */
import { isIP } from 'node:net';
import { INTERNAL_KINDS, WIRE_KINDS, type AceEvent, type JobType } from '../core/events.js';
import type { Inventory } from '../inventory/inventory.js';
import type { DecisionRecord } from '../store/state-writes.js';
import type { ManualClock } from '../core/clock.js';
import type { Processor } from './processor.js';
import type { Store } from '../store/store.js';

/** Virtual start when the input carries no time at all. */
export const REPLAY_EPOCH = Date.UTC(2026, 0, 1);
/** Longest input line considered (longer ones are cut, like ingest does). */
export const MAX_LINE = 16 * 1024;

const KINDS = new Set<string>([...WIRE_KINDS, ...INTERNAL_KINDS]);
const RESULT_JOB: Partial<Record<string, JobType>> = {
  'audit-result': 'audit',
  'upload-result': 'upload',
  'crypto-parity': 'check-crypto',
};

export interface ReplayLine {
  event?: AceEvent;
  /** Time the input gives for this line (ms), if any. */
  time?: number;
  /** Why the line was skipped. */
  error?: string;
}

export type SyslogParser = (raw: string) => AceEvent;

function timeOf(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string') {
    // ACE timestamps carry no zone: replay reads them as UTC, consistently.
    const t = Date.parse(/[zZ]|[+-]\d\d:?\d\d$/.test(v) ? v : v + 'Z');
    return Number.isFinite(t) ? t : undefined;
  }
  return undefined;
}

/** Read one input line into an event (not yet timed). */
export function readReplayLine(line: string, parse: SyslogParser, inventory: Inventory): ReplayLine | undefined {
  const text = (line.length > MAX_LINE ? line.slice(0, MAX_LINE) : line).replace(/\r$/, '');
  const trimmed = text.trim();
  if (trimmed === '' || trimmed.startsWith('#')) return undefined;
  if (trimmed.startsWith('{')) {
    let obj: unknown;
    try {
      obj = JSON.parse(trimmed);
    } catch (err) {
      return { error: `not JSON: ${(err as Error).message}` };
    }
    if (obj === null || typeof obj !== 'object' || Array.isArray(obj))
      return { error: 'a JSON line must be an event object' };
    const e = { ...(obj as Record<string, unknown>) } as unknown as AceEvent;
    if (typeof e.kind !== 'string' || !KINDS.has(e.kind))
      return { error: `unknown event kind ${JSON.stringify(e.kind)}` };
    const time = timeOf((obj as Record<string, unknown>).receivedAt) ?? timeOf(e.timestamp);
    if (typeof e.receivedAt !== 'number') delete (e as { receivedAt?: unknown }).receivedAt;
    if (e.device === undefined && typeof e.source === 'string') inventory.attribute(e, e.source);
    return { event: e, time };
  }
  let source: string | undefined;
  let raw = text;
  const sp = text.indexOf(' ');
  if (sp > 0 && isIP(text.slice(0, sp).replace(/^\[|\]$/g, '')) !== 0) {
    source = text.slice(0, sp).replace(/^\[|\]$/g, '');
    raw = text.slice(sp + 1);
  }
  const e = parse(raw);
  if (source !== undefined) inventory.attribute(e, source);
  return { event: e, time: timeOf(e.timestamp) };
}

export interface ReplayOptions {
  clock: ManualClock;
  processor: Processor;
  store: Store;
  inventory: Inventory;
  parse: SyslogParser;
  /** Virtual time added for a line that carries none (default 100 ms). */
  stepMs?: number;
}

export interface ReplayStats {
  lines: number;
  events: number;
  skipped: number;
  malformed: number;
  errors: Array<{ line: number; file: string; error: string }>;
}

/**
 * Feeds lines one by one. Time only moves forward: an input time earlier than the
 * current virtual time is taken as "now" (input order wins).
 */
export class Replayer {
  readonly stats: ReplayStats = { lines: 0, events: 0, skipped: 0, malformed: 0, errors: [] };
  readonly #o: ReplayOptions;
  #started = false;

  constructor(opts: ReplayOptions) {
    this.#o = opts;
  }

  /** Fire every timer due up to `t`, in due order, each at its own due time. */
  #runUntil(t: number, moveClock = true): void {
    const { clock, processor, store } = this.#o;
    for (let guard = 0; guard < 1_000_000; guard++) {
      const next = store.nextDue();
      if (next === undefined || next > t) break;
      clock.set(Math.max(clock.now(), next));
      processor.tick();
    }
    if (moveClock) clock.set(Math.max(clock.now(), t));
  }

  line(text: string, where: { file: string; line: number }): void {
    this.stats.lines++;
    const r = readReplayLine(text, this.#o.parse, this.#o.inventory);
    if (!r) return;
    if (!r.event) {
      this.stats.skipped++;
      if (this.stats.errors.length < 100) this.stats.errors.push({ ...where, error: r.error ?? 'unreadable' });
      return;
    }
    const { clock, processor } = this.#o;
    if (!this.#started) {
      this.#started = true;
      clock.set(r.time ?? REPLAY_EPOCH);
    }
    const t =
      r.time !== undefined
        ? Math.max(clock.now(), r.time)
        : clock.now() + (this.stats.events > 0 ? (this.#o.stepMs ?? 100) : 0);
    this.#runUntil(t);
    const e: AceEvent = { ...r.event, transport: r.event.transport ?? 'replay', receivedAt: r.event.receivedAt ?? t };
    this.#creditJob(e);
    if (e.kind === 'malformed') this.stats.malformed++;
    this.stats.events++;
    processor.handle([e]);
    processor.tick();
  }

  /**
   * Jobs are never run offline. A recorded result (audit, upload, crypto check) stands for
   * the job a worker would have run: that job is taken off the queue and its id put in the
   * event, exactly as a live worker reports it.
   */
  #creditJob(e: AceEvent): void {
    const type = RESULT_JOB[e.kind];
    if (!type || !e.device || e.context === undefined) return;
    if (e.data && typeof e.data.jobId === 'number') return;
    const jobs = this.#o.store.jobs;
    const job =
      jobs.list({ type, device: e.device, context: e.context, state: 'running', limit: 1 })[0] ??
      jobs.list({ type, device: e.device, context: e.context, state: 'pending', limit: 1 })[0];
    if (!job) return;
    if (job.state === 'pending') jobs.claimJob(job.id);
    jobs.complete(job.id);
    e.data = { ...(e.data ?? {}), jobId: job.id };
  }

  /** Let every remaining timer fire (virtual time runs on to the last one). */
  finish(): void {
    this.#runUntil(Number.MAX_SAFE_INTEGER, false);
  }
}

/** What `acesync replay` prints for a record, or undefined to print nothing (unless --all). */
export function replayOutput(r: DecisionRecord, all: boolean): Record<string, unknown> | undefined {
  const iso = (t: number | undefined) => (t === undefined ? undefined : new Date(t).toISOString());
  if (r.kind === 'state')
    return {
      at: iso(r.at),
      rule: r.rule,
      device: r.device,
      context: r.context,
      from: r.from ?? null,
      to: r.to,
      reason: r.reason,
    };
  if (r.kind === 'action') {
    const merged = r.detail?.merged === true;
    const settle = r.action?.startsWith('settle:') ?? false;
    if ((merged || settle) && !all) return undefined;
    return {
      at: iso(r.at),
      action: r.action,
      device: r.device,
      context: r.context ?? '',
      due: iso(r.due),
      rule: r.rule,
      reason: r.reason,
      ...(merged ? { merged: true } : {}),
    };
  }
  if (!all) return undefined;
  return {
    at: iso(r.at),
    kind: r.kind,
    rule: r.rule,
    device: r.device,
    context: r.context,
    reason: r.reason,
    detail: r.detail,
  };
}
