/**
 * The upload worker's guards read the audit that asked for an upload back from the store
 * (its hash, its `baseline`). A real context's running-config is often far larger than a
 * stored event body (16 KB): the stored audit must still carry its hash and outcome.
 *
 * The interleaving a loaded CI machine hit (device-faults.test.ts, 1 run in 6): a scheduled
 * audit finds the change first and its upload U1 starts; the audit the rules asked for
 * (after the settle window) runs while U1 is in flight, still sees ANM's old copy, and
 * the queue makes a second upload job U2 (U1 is running, so nothing to merge into). U2
 * must see that ANM already holds what its audit saw and confirm instead of uploading.
 * Real rules, real store file, real queue; the poller and ANM are stand-ins, the clock
 * is manual: no timing decides anything here.
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { AceEvent } from '../../src/core/events.js';
import type { Poller } from '../../src/devices/poller.js';
import type { UploadJob, UploadResult, UploadStrategy } from '../../src/anm/strategy.js';
import { uploadHandler, type WorkerDeps } from '../../src/jobs/workers.js';
import type { Job } from '../../src/store/job-queue.js';
import { MAX_EVENT_BYTES } from '../../src/store/store.js';
import { harness, tempDir, type Harness } from '../engine/helpers.js';

const DEVICE = 'ace1';
const CONTEXT = 'VC_APP';
/** ~100 KB: well over a stored event body. */
const BIG = Array.from(
  { length: 2500 },
  (_, i) => `rserver host BULK-${i}\n  ip address 10.1.${i & 255}.9\n  inservice`,
).join('\n');

let h: Harness | undefined;
afterEach(() => {
  h?.close();
  h = undefined;
});

function auditResult(hash: string, over: Record<string, unknown> = {}): AceEvent {
  return {
    kind: 'audit-result',
    transport: 'action',
    device: DEVICE,
    context: CONTEXT,
    data: { outcome: 'differs', hash, anmHash: 'h-old', config: `${BIG}\n! ${hash}`, logging: 'complete', ...over },
  };
}

/** A poller whose audits read `hash` from the device; an ANM that counts what it was asked. */
function setup(h: Harness, device: { hash: string }) {
  const uploads: UploadJob[] = [];
  const manual: UploadJob[] = [];
  const strategy = (name: 'http' | 'manual', into: UploadJob[]): UploadStrategy => ({
    name,
    async upload(job): Promise<UploadResult> {
      into.push(job);
      return name === 'manual'
        ? { outcome: 'waiting-operator', strategy: 'manual', durationMs: 0, steps: '1. upload it' }
        : { outcome: 'ok', strategy: 'http', durationMs: 1 };
    },
    close: async () => undefined,
  });
  const poller = {
    seedFtState: () => undefined,
    auditDevice: async (): Promise<AceEvent[]> => [
      { ...auditResult(device.hash), receivedAt: h.clock.now(), data: { outcome: 'differs', hash: device.hash } },
    ],
  } as unknown as Poller;
  const deps: WorkerDeps = {
    poller,
    store: h.store,
    inventory: h.inventory,
    clock: h.clock,
    strategy: strategy('http', uploads),
    strategyName: 'http',
    manual: strategy('manual', manual),
  };
  const run = uploadHandler(deps);
  const claimUpload = (): Job => {
    const [job] = h.store.jobs.claim({ types: ['upload'], limit: 1 });
    expect(job).toBeDefined();
    return job!;
  };
  return { uploads, manual, run, claimUpload };
}

describe('upload worker guards with a large running-config', () => {
  it('the stored audit result keeps its hash and outcome though its configuration is dropped', () => {
    h = harness({ path: join(tempDir(), 'state.db') });
    h.feed(auditResult('h-new'));
    const row = h.store.db.prepare("SELECT id, body FROM events WHERE kind = 'audit-result'").get() as {
      id: number;
      body: string;
    };
    expect(row.body.length).toBeLessThanOrEqual(MAX_EVENT_BYTES);
    const data = h.store.event(row.id)!.data as Record<string, unknown>;
    expect(data).toMatchObject({ outcome: 'differs', hash: 'h-new', anmHash: 'h-old', logging: 'complete' });
    expect(data.config).toBeUndefined();
    expect(data.truncatedFields).toEqual(['config']);
  });

  it('a second upload job made while the first was in flight confirms instead of uploading again', async () => {
    h = harness({ path: join(tempDir(), 'state.db') });
    h.store.recordAnmCopy(DEVICE, CONTEXT, 'h-old', 'old');
    const device = { hash: 'h-new' };
    const w = setup(h, device);
    // The scheduled audit finds the change: upload U1, which starts.
    h.feed(auditResult('h-new'));
    const u1 = w.claimUpload();
    // The audit the rules asked for runs meanwhile and still sees ANM's old copy: a new job U2.
    h.feed(auditResult('h-new'));
    const pending = h.store.jobs.list({ type: 'upload', state: 'pending' });
    expect(pending).toHaveLength(1);
    expect(pending[0]!.id).not.toBe(u1.id);
    // U1 uploads and records what ANM fetched.
    const o1 = await w.run(u1, new AbortController().signal);
    h.store.jobs.complete(u1.id, o1.result);
    expect(o1.result).toMatchObject({ outcome: 'ok', anmCopyRecorded: true });
    expect(h.store.anmCopy(DEVICE, CONTEXT)?.hash).toBe('h-new');
    // U2: ANM already holds what its audit saw.
    const u2 = w.claimUpload();
    const o2 = await w.run(u2, new AbortController().signal);
    expect(o2.result).toMatchObject({ outcome: 'skipped' });
    expect(o2.events.map((e) => e.kind)).toEqual(['audit-result']);
    expect(w.uploads.map((j) => j.jobId)).toEqual([u1.id]);
  });

  it('a device that changed during the upload: what was read back is not recorded as ANM copy', async () => {
    h = harness({ path: join(tempDir(), 'state.db') });
    h.store.recordAnmCopy(DEVICE, CONTEXT, 'h-old', 'old');
    const device = { hash: 'h-new' };
    const w = setup(h, device);
    h.feed(auditResult('h-new'));
    const u1 = w.claimUpload();
    // Another change lands while ANM fetches: ANM may hold either version.
    device.hash = 'h-newer';
    const o1 = await w.run(u1, new AbortController().signal);
    expect(o1.result).toMatchObject({ outcome: 'ok', anmCopyRecorded: false, deviceChangedDuringUpload: true });
    expect(h.store.anmCopy(DEVICE, CONTEXT)?.hash).toBe('h-old');
  });

  it('first_audit: ask: a first upload of a large context goes to a person', async () => {
    h = harness({ path: join(tempDir(), 'state.db') });
    const w = setup(h, { hash: 'h-new' });
    // What the audit worker reports with first_audit: ask for a context ANM has no baseline of.
    h.feed(auditResult('h-new', { outcome: 'no-baseline', anmHash: undefined, baseline: 'ask' }));
    const o = await w.run(w.claimUpload(), new AbortController().signal);
    expect(o.result).toMatchObject({ outcome: 'waiting-operator', strategy: 'manual' });
    expect(w.manual).toHaveLength(1);
    expect(w.uploads).toEqual([]);
  });
});
