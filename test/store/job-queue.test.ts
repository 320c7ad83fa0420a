import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { JobQueue, mergePayload } from '../../src/store/job-queue.js';
import { openDatabase, type Database } from '../../src/store/database.js';
import { tempDir } from '../engine/helpers.js';

let db: Database;
afterEach(() => db?.close());

function queue(opts: { random?: () => number; path?: string } = {}): { q: JobQueue; clock: ManualClock } {
  const clock = new ManualClock(Date.UTC(2026, 2, 1));
  db = openDatabase({ path: opts.path ?? ':memory:' });
  return {
    clock,
    q: new JobQueue(db, {
      clock,
      maxAttempts: 3,
      backoffBaseMs: 1000,
      backoffMaxMs: 60_000,
      jitterRatio: 0.2,
      random: opts.random ?? (() => 0.5),
    }),
  };
}

describe('enqueue', () => {
  it('merges repeated requests into the one pending job per (type, device, context, dedupe)', () => {
    const { q, clock } = queue();
    const a = q.enqueue({ type: 'audit', device: 'ace1', context: 'VC', payload: { reasons: ['r1'], x: 1 } });
    clock.advance(1000);
    const b = q.enqueue({
      type: 'audit',
      device: 'ace1',
      context: 'VC',
      payload: { reasons: ['r2'], y: 2 },
      priority: 10,
      runAt: clock.now() - 5000,
    });
    expect(a.created).toBe(true);
    expect(b.created).toBe(false);
    expect(b.job.id).toBe(a.job.id);
    expect(b.job.requests).toBe(2);
    expect(b.job.priority).toBe(10);
    expect(b.job.nextRunAt).toBe(clock.now() - 5000);
    expect(b.job.payload).toEqual({ reasons: ['r1', 'r2'], x: 1, y: 2 });
    // Other targets, types and dedupe keys are separate jobs.
    expect(q.enqueue({ type: 'audit', device: 'ace2', context: 'VC' }).created).toBe(true);
    expect(q.enqueue({ type: 'upload', device: 'ace1', context: 'VC' }).created).toBe(true);
    expect(q.enqueue({ type: 'alert', device: 'ace1', context: 'VC', dedupe: 'rule-a' }).created).toBe(true);
    expect(q.enqueue({ type: 'alert', device: 'ace1', context: 'VC', dedupe: 'rule-b' }).created).toBe(true);
    expect(q.counts().pending).toBe(5);
  });

  it('a request while the job runs makes a new pending job, so the change is audited again', () => {
    const { q } = queue();
    q.enqueue({ type: 'audit', device: 'ace1', context: 'VC' });
    const [running] = q.claim({ limit: 1 });
    const again = q.enqueue({ type: 'audit', device: 'ace1', context: 'VC' });
    expect(again.created).toBe(true);
    expect(again.job.id).not.toBe(running!.id);
    // The device is busy: the new job waits for the first to finish.
    expect(q.claim({ limit: 5 })).toHaveLength(0);
    q.complete(running!.id, { outcome: 'in-sync' });
    expect(q.claim({ limit: 5 }).map((j) => j.id)).toEqual([again.job.id]);
    expect(q.get(running!.id)!.result).toEqual({ outcome: 'in-sync' });
  });

  it('bounds payloads', () => {
    const { q } = queue();
    const { job } = q.enqueue({ type: 'audit', device: 'a', payload: { big: 'x'.repeat(200_000) } });
    expect(job.payload).toEqual({ truncated: true, bytes: expect.any(Number) });
    expect(mergePayload({ reasons: Array(30).fill('a') }, { reasons: ['b'] }).reasons).toHaveLength(20);
  });
});

describe('claim', () => {
  it('hands out due jobs by priority, within the global and per-device limits', () => {
    const { q, clock } = queue();
    const sched = q.enqueue({ type: 'audit', device: 'd1', context: 'c1', priority: 0 }).job;
    const rule = q.enqueue({ type: 'audit', device: 'd1', context: 'c2', priority: 10 }).job;
    const d2 = q.enqueue({ type: 'audit', device: 'd2', context: 'c1', priority: 0 }).job;
    const d3 = q.enqueue({ type: 'audit', device: 'd3', context: 'c1', priority: 0 }).job;
    q.enqueue({ type: 'audit', device: 'd4', context: 'c1', runAt: clock.now() + 60_000 });
    q.enqueue({ type: 'upload', device: 'd5', context: 'c1', priority: 99 });
    const first = q.claim({ types: ['audit'], limit: 10, maxRunning: 2, perDevice: 1 });
    // The rule's job jumps ahead of the scheduled one on the same device; d1 is then busy.
    expect(first.map((j) => j.id)).toEqual([rule.id, d2.id]);
    expect(first.every((j) => j.state === 'running' && j.attempts === 1)).toBe(true);
    expect(q.claim({ types: ['audit'], limit: 10, maxRunning: 2 })).toHaveLength(0);
    q.complete(rule.id);
    expect(q.claim({ types: ['audit'], limit: 10, maxRunning: 2 }).map((j) => j.id)).toEqual([sched.id]);
    q.complete(d2.id);
    expect(q.claim({ types: ['audit'], limit: 10, maxRunning: 2 }).map((j) => j.id)).toEqual([d3.id]);
    // Not due yet.
    q.complete(sched.id);
    q.complete(d3.id);
    expect(q.claim({ types: ['audit'], limit: 10 })).toHaveLength(0);
    clock.advance(60_000);
    expect(q.claim({ types: ['audit'], limit: 10 })).toHaveLength(1);
  });
});

describe('fail', () => {
  it('retries with exponential backoff and jitter, then fails for good', () => {
    const r = [0, 1, 0.5];
    let i = 0;
    const { q, clock } = queue({ random: () => r[i++ % r.length]! });
    const { job } = q.enqueue({ type: 'upload', device: 'd', context: 'c' });
    q.claim({ limit: 1 });
    const f1 = q.fail(job.id, 'HTTP 503')!;
    expect(f1.state).toBe('pending');
    // attempt 1: base 1000 ms, jitter ±20 % -> random 0 gives 800 ms.
    expect(f1.state === 'pending' && f1.retryAt - clock.now()).toBe(800);
    clock.advance(800);
    q.claim({ limit: 1 });
    const f2 = q.fail(job.id, 'HTTP 503')!;
    // attempt 2: 2000 ms, random 1 gives +20 %.
    expect(f2.state === 'pending' && f2.retryAt - clock.now()).toBe(2400);
    expect(q.claim({ limit: 1 })).toHaveLength(0);
    clock.advance(2400);
    q.claim({ limit: 1 });
    const f3 = q.fail(job.id, 'HTTP 503')!;
    expect(f3.state).toBe('failed');
    expect(f3.job.lastError).toBe('HTTP 503');
    expect(f3.job.attempts).toBe(3);
    expect(q.fail(job.id, 'again')).toBeUndefined();
  });

  it('does not retry what is not retryable, and backoff is capped', () => {
    const { q } = queue();
    const { job } = q.enqueue({ type: 'audit', device: 'd' });
    q.claim({ limit: 1 });
    expect(q.fail(job.id, 'host key mismatch', { retryable: false })!.state).toBe('failed');
    expect(q.backoff(30)).toBe(60_000);
  });

  it('a failed attempt with a newer pending twin leaves just the twin', () => {
    const { q } = queue();
    const { job } = q.enqueue({ type: 'audit', device: 'd', context: 'c' });
    q.claim({ limit: 1 });
    const twin = q.enqueue({ type: 'audit', device: 'd', context: 'c' }).job;
    const f = q.fail(job.id, 'timeout')!;
    expect(f.state).toBe('pending');
    expect(f.job.id).toBe(twin.id);
    expect(q.list({ state: 'pending' })).toHaveLength(1);
  });
});

describe('recover, cancel, prune', () => {
  it('after a crash, running jobs are pending again (same file, new connection)', () => {
    const path = join(tempDir(), 'q.db');
    const { q } = queue({ path });
    q.enqueue({ type: 'audit', device: 'd1' });
    q.enqueue({ type: 'upload', device: 'd2' });
    expect(q.claim({ limit: 5, perDevice: 5 })).toHaveLength(2);
    // A second process opens the file while the first is "dead" (never closed cleanly).
    const db2 = openDatabase({ path });
    const clock = new ManualClock(Date.UTC(2026, 2, 2));
    const q2 = new JobQueue(db2, { clock });
    expect(q2.recover()).toBe(2);
    const again = q2.claim({ limit: 5, perDevice: 5 });
    expect(again.map((j) => j.attempts)).toEqual([2, 2]);
    db2.close();
  });

  it('cancels a target’s pending jobs and prunes finished ones', () => {
    const { q, clock } = queue();
    q.enqueue({ type: 'audit', device: 'd', context: 'gone' });
    q.enqueue({ type: 'upload', device: 'd', context: 'gone' });
    const keep = q.enqueue({ type: 'audit', device: 'd', context: 'kept' }).job;
    expect(q.cancelPendingFor('d', 'gone')).toBe(2);
    q.claim({ limit: 1 });
    q.complete(keep.id);
    clock.advance(10_000);
    expect(q.prune(clock.now() - 5000)).toBe(3);
    expect(q.counts()).toEqual({ pending: 0, running: 0, done: 0, failed: 0, cancelled: 0 });
  });

  it('isActive ignores the job that reports', () => {
    const { q } = queue();
    const { job } = q.enqueue({ type: 'audit', device: 'd', context: 'c' });
    expect(q.isActive('audit', 'd', 'c')).toBe(true);
    expect(q.isActive('audit', 'd', 'c', job.id)).toBe(false);
    expect(q.claimJob(job.id)!.state).toBe('running');
    expect(q.claimJob(job.id)).toBeUndefined();
  });
});

describe('claimBatch', () => {
  it('claims the due per-context jobs of the lead’s type and device, by priority, bounded, as one running unit', () => {
    const path = join(tempDir(), 'batch.db');
    const { q, clock } = queue({ path });
    const lead = q.enqueue({ type: 'audit', device: 'd1', context: 'C0', priority: 10 }).job;
    for (let i = 1; i <= 5; i++)
      q.enqueue({ type: 'audit', device: 'd1', context: `C${i}`, priority: i === 4 ? 10 : 0 });
    const notYet = q.enqueue({ type: 'audit', device: 'd1', context: 'LATER', runAt: clock.now() + 60_000 }).job;
    const fullAudit = q.enqueue({ type: 'audit', device: 'd1' }).job;
    const crypto = q.enqueue({ type: 'check-crypto', device: 'd1', context: 'C1' }).job;
    const cancelled = q.enqueue({ type: 'audit', device: 'd1', context: 'GONE' }).job;
    q.cancel(cancelled.id);
    const other = q.enqueue({ type: 'audit', device: 'd2', context: 'C1' }).job;

    const [first] = q.claim({ types: ['audit'], limit: 1, maxRunning: 2 });
    expect(first!.id).toBe(lead.id);
    const batch = q.claimBatch(first!, 4);
    // Highest priority first (C4), then in order; at most 4 with the lead; only due,
    // per-context, pending audits of d1.
    expect(batch.map((j) => j.context)).toEqual(['C4', 'C1', 'C2']);
    expect(batch.every((j) => j.state === 'running' && j.attempts === 1)).toBe(true);
    for (const j of batch) expect(q.get(j.id)!.state).toBe('running');
    for (const id of [notYet.id, fullAudit.id, crypto.id, other.id]) expect(q.get(id)!.state).toBe('pending');
    expect(q.get(cancelled.id)!.state).toBe('cancelled');

    // The batch counts once: with maxRunning 2 there is room for d2, none for d1.
    const next = q.claim({ types: ['audit'], limit: 5, maxRunning: 2 });
    expect(next.map((j) => j.id)).toEqual([other.id]);
    expect(q.claim({ types: ['audit'], limit: 5, maxRunning: 3 })).toEqual([]);

    // Each job finishes on its own.
    expect(q.complete(batch[0]!.id, { ok: true })).toBe(true);
    expect(q.fail(batch[1]!.id, 'timeout')?.state).toBe('pending');
    expect(q.get(batch[2]!.id)!.state).toBe('running');

    // A device-level job or a job no longer running gets no batch.
    expect(q.claimBatch({ ...first!, context: '' }, 4)).toEqual([]);
    q.complete(first!.id);
    expect(q.claimBatch(first!, 4)).toEqual([]);

    // kill -9 mid-batch: every job of the batch still running is due again on restart.
    const db2 = openDatabase({ path });
    const q2 = new JobQueue(db2, { clock: new ManualClock(clock.now() + 1) });
    expect(q2.recover()).toBe(2); // batch[2] and d2's job
    expect(q2.get(batch[2]!.id)!.state).toBe('pending');
    db2.close();
  });

  it('takes one job per context (a second job of the same context waits) and nothing when max is 1', () => {
    const { q } = queue();
    q.enqueue({ type: 'audit', device: 'd', context: 'A' });
    q.enqueue({ type: 'audit', device: 'd', context: 'B', dedupe: 'x' });
    q.enqueue({ type: 'audit', device: 'd', context: 'B', dedupe: 'y' });
    q.enqueue({ type: 'audit', device: 'd', context: 'A', dedupe: 'z' });
    const [lead] = q.claim({ limit: 1 });
    expect(q.claimBatch(lead!, 1)).toEqual([]);
    const batch = q.claimBatch(lead!, 10);
    expect(batch.map((j) => [j.context, j.dedupe])).toEqual([['B', 'x']]);
    expect(q.counts()).toMatchObject({ running: 2, pending: 2 });
  });
});
