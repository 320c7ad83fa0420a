/**
 * Batched per-context audits against the ACE simulator (real SSH on loopback, real store
 * file, real queue and runner): a device's due per-context audit jobs run as one pass that
 * reads Admin (`show context`, `show ft group detail`) once, and every job still gets its
 * own result. The commands are counted on the client side (each session's `run`).
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/core/log.js';
import { systemClock } from '../../src/core/clock.js';
import type { AceEvent, AuditResultData } from '../../src/core/events.js';
import { Poller } from '../../src/devices/poller.js';
import { openAceSession } from '../../src/devices/ace-session.js';
import { Store } from '../../src/store/store.js';
import type { Job } from '../../src/store/job-queue.js';
import { JobRunner, type JobPool } from '../../src/jobs/runner.js';
import { auditBatchHandler, auditHandler, type WorkerDeps } from '../../src/jobs/workers.js';
import type { UploadStrategy } from '../../src/anm/strategy.js';
import { until } from '../helpers/wait.js';
import { tempDir } from '../engine/helpers.js';
import { acesyncConfig, ENV, inventoryOf, pairLab } from '../devices/fixture.js';

const lab = pairLab();

interface Seen {
  device: string;
  command: string;
}

/**
 * Runs the given per-context audit jobs through a real runner until none is left; `onCommand`
 * sees every command a session sends, before it is sent.
 */
/** What the audit handlers need (no upload happens in these tests). */
function workerDeps(poller: Poller, store: WorkerDeps['store'], inventory: WorkerDeps['inventory']): WorkerDeps {
  return { poller, store, inventory, clock: systemClock, strategy: {} as UploadStrategy, strategyName: 'manual' };
}

async function runAudits(
  targets: Array<[device: string, context: string]>,
  opts: { batchMax?: number; onCommand?(c: Seen, store: Store, jobs: Job[]): void } = {},
): Promise<{ seen: Seen[]; events: AceEvent[]; jobs: Job[] }> {
  const cfg = acesyncConfig(lab.sim);
  const inventory = inventoryOf(cfg);
  const store = Store.open({
    path: join(tempDir(), 'state.db'),
    inventory,
    clock: systemClock,
    retention: cfg.store.retention,
    engine: cfg.engine,
  });
  const deviceOf = new Map(lab.sim.endpoints().map((e) => [e.port, e.device]));
  const seen: Seen[] = [];
  const jobs = targets.map(([device, context]) => store.jobs.enqueue({ type: 'audit', device, context }).job);
  const poller = new Poller({
    poller: cfg.poller,
    inventory,
    logger: silentLogger,
    env: ENV,
    open: async (o) => {
      const s = await openAceSession(o);
      const run = s.run.bind(s);
      s.run = (command, ro) => {
        const c = { device: deviceOf.get(o.port)!, command };
        seen.push(c);
        opts.onCommand?.(c, store, jobs);
        return run(command, ro);
      };
      return s;
    },
  });
  const deps = workerDeps(poller, store, inventory);
  const pool: JobPool = {
    name: 'ssh',
    types: ['audit'],
    maxRunning: 4,
    perDevice: 1,
    timeoutMs: 60_000,
    ...(opts.batchMax !== undefined ? { batch: { types: ['audit'], max: opts.batchMax } } : {}),
  };
  const events: AceEvent[] = [];
  const runner = new JobRunner({
    jobs: store.jobs,
    pools: [pool],
    handlers: { audit: auditHandler(deps) },
    batchHandlers: { audit: auditBatchHandler(deps) },
    emit: (e) => events.push(e),
    clock: systemClock,
    logger: silentLogger,
  });
  try {
    runner.start();
    await until('every audit job finished', () => {
      const c = store.jobs.counts();
      return c.pending === 0 && c.running === 0 && runner.runningCount === 0;
    });
    return { seen, events, jobs: jobs.map((j) => store.jobs.get(j.id)!) };
  } finally {
    await runner.stop();
    await poller.close();
    store.close();
  }
}

const count = (seen: Seen[], device: string, command: string): number =>
  seen.filter((c) => c.device === device && c.command === command).length;

const audits = (events: AceEvent[]): Array<AceEvent & { data: AuditResultData }> =>
  events.filter((e) => e.kind === 'audit-result') as Array<AceEvent & { data: AuditResultData }>;

const TARGETS: Array<[string, string]> = [
  ['ace-a', 'Admin'],
  ['ace-a', 'C1'],
  ['ace-a', 'C2'],
  ['ace-b', 'C1'],
  ['ace-b', 'C2'],
];

describe('batched per-context audits (simulator, real SSH)', () => {
  it('reads Admin once per device and batch, and records every context’s result under its own job', async () => {
    const { seen, events, jobs } = await runAudits(TARGETS, { batchMax: 64 });
    for (const device of ['ace-a', 'ace-b']) {
      expect(count(seen, device, 'show context')).toBe(1);
      expect(count(seen, device, 'show ft group detail')).toBe(1);
    }
    expect(seen.filter((c) => c.command === 'show running-config')).toHaveLength(5);
    for (const job of jobs) {
      expect(job.state).toBe('done');
      expect(job.result).toEqual({ contexts: 1, failed: 0 });
      const mine = audits(events).filter((e) => e.data.jobId === job.id);
      expect(mine.map((e) => [e.device, e.context])).toEqual([[job.device, job.context]]);
      expect(mine[0]!.data.outcome).toBe('no-baseline');
      expect(mine[0]!.data.hash).toMatch(/^[0-9a-f]{64}$/);
    }
    // The FT groups are reported once per device, before the batch's first audit result.
    const ftA = events.filter((e) => e.kind === 'ft-status' && e.device === 'ace-a');
    expect(ftA.map((e) => e.ftGroup).sort()).toEqual([1, 2, 3]);
    const firstAudit = events.findIndex((e) => e.kind === 'audit-result' && e.device === 'ace-a');
    expect(events.indexOf(ftA.at(-1)!)).toBeLessThan(firstAudit);
  });

  it('without batching (or a batch of 2) Admin is read once per job (per batch)', async () => {
    const single = await runAudits(TARGETS);
    expect(count(single.seen, 'ace-a', 'show context')).toBe(3);
    expect(count(single.seen, 'ace-a', 'show ft group detail')).toBe(3);
    const two = await runAudits(TARGETS, { batchMax: 2 });
    expect(count(two.seen, 'ace-a', 'show context')).toBe(2);
    expect(count(two.seen, 'ace-b', 'show context')).toBe(1);
    expect(two.jobs.every((j) => j.state === 'done')).toBe(true);
  });

  it('a job cancelled while its batch runs is not audited; the others are', async () => {
    let cancelled: Job | undefined;
    const { seen, events, jobs } = await runAudits(TARGETS, {
      batchMax: 64,
      onCommand: (c, store, all) => {
        // After the batch was claimed (its Admin read starts), cancel ace-a/C2's job.
        if (c.device !== 'ace-a' || c.command !== 'show context' || cancelled) return;
        cancelled = all.find((j) => j.device === 'ace-a' && j.context === 'C2')!;
        expect(store.jobs.get(cancelled.id)!.state).toBe('running');
        expect(store.jobs.cancel(cancelled.id)).toBe(true);
      },
    });
    expect(cancelled).toBeDefined();
    expect(count(seen, 'ace-a', 'changeto C2')).toBe(0);
    expect(count(seen, 'ace-b', 'changeto C2')).toBe(1);
    expect(audits(events).filter((e) => e.device === 'ace-a' && e.context === 'C2')).toEqual([]);
    for (const job of jobs) expect(job.state).toBe(job.id === cancelled!.id ? 'cancelled' : 'done');
  });
});

describe('auditBatchHandler outcomes (stand-in poller)', () => {
  it('each job gets its own context’s outcome: one error retries only its job; device-level events go to the first', async () => {
    const cfg = acesyncConfig(lab.sim);
    const inventory = inventoryOf(cfg);
    const store = Store.open({
      path: ':memory:',
      inventory,
      clock: systemClock,
      retention: cfg.store.retention,
      engine: cfg.engine,
    });
    try {
      const jobs = ['Admin', 'C1', 'C2'].map(
        (context) => store.jobs.enqueue({ type: 'audit', device: 'ace-a', context }).job,
      );
      let asked: { contexts?: string[]; jobIds?: ReadonlyMap<string, number> } = {};
      const ev = (
        kind: AceEvent['kind'],
        context: string,
        data: Record<string, unknown>,
        error?: string,
      ): AceEvent => ({
        kind,
        transport: 'poll',
        receivedAt: Date.now(),
        device: 'ace-a',
        context,
        data,
        ...(error ? { error } : {}),
      });
      const poller = {
        seedFtState: () => undefined,
        auditDevice: async (_d: string, o: typeof asked): Promise<AceEvent[]> => {
          asked = o;
          return [
            ev('ft-status', 'C1', { myState: 'ACTIVE' }),
            ev('audit-result', 'Admin', { outcome: 'no-baseline', hash: 'a'.repeat(64), config: 'x' }),
            ev('audit-result', 'C1', { outcome: 'error' }, 'changeto C1 failed'),
            ev('logging-drift', 'C2', {}),
            ev('audit-result', 'C2', { outcome: 'no-baseline', hash: 'b'.repeat(64), config: 'y' }),
          ];
        },
      } as unknown as Poller;
      const run = auditBatchHandler(workerDeps(poller, store, inventory));
      const out = await run(jobs, new AbortController().signal, () => true);
      expect(asked.contexts).toEqual(['Admin', 'C1', 'C2']);
      expect([...asked.jobIds!]).toEqual(jobs.map((j) => [j.context, j.id]));
      expect(out.map((o) => o.events.map((e) => `${e.kind}:${e.context}`))).toEqual([
        ['ft-status:C1', 'audit-result:Admin'],
        ['audit-result:C1'],
        ['logging-drift:C2', 'audit-result:C2'],
      ]);
      expect(out.map((o) => o.retry?.error)).toEqual([undefined, 'changeto C1 failed', undefined]);
      expect(out[2]!.result).toEqual({ contexts: 1, failed: 0 });
      // A job no longer running (cancelled) is reported skipped, not retried.
      const skipped = await run(jobs, new AbortController().signal, (j) => j.context !== 'C1');
      expect(skipped[1]!.retry).toBeUndefined();
      expect(skipped[1]!.result).toEqual({ skipped: 'no longer running (cancelled)' });
    } finally {
      store.close();
    }
  });
});
