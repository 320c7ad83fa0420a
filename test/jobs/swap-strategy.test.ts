/** The swappable upload strategy of a configuration reload: running uploads finish on the old one, closed after. */
import { describe, expect, it } from 'vitest';
import type { UploadJob, UploadResult, UploadStrategy } from '../../src/anm/strategy.js';
import { SwappableStrategy } from '../../src/jobs/swap-strategy.js';

function fake(name: 'http' | 'command') {
  const calls: string[] = [];
  let release: (() => void) | undefined;
  const s = {
    name,
    closed: false,
    calls,
    hold: false,
    release: () => release?.(),
    async upload(job: UploadJob): Promise<UploadResult> {
      calls.push(job.context);
      if (s.hold) await new Promise<void>((r) => (release = r));
      return { outcome: 'ok', strategy: name } as UploadResult;
    },
    async close() {
      s.closed = true;
    },
  };
  return s;
}

const JOB: UploadJob = { device: 'ace-a', context: 'C1', address: '127.0.0.5', jobId: 1 };
const opts = { signal: new AbortController().signal };

describe('SwappableStrategy', () => {
  it('sends uploads after a swap to the new strategy and closes the old one once its running upload is done', async () => {
    const a = fake('http');
    const b = fake('command');
    const s = new SwappableStrategy(a as unknown as UploadStrategy);
    a.hold = true;
    const running = s.upload(JOB, opts);
    s.swap(b as unknown as UploadStrategy);
    expect(s.name).toBe('command');
    await s.upload({ ...JOB, context: 'C2' }, opts);
    expect(b.calls).toEqual(['C2']);
    expect(a.closed).toBe(false);
    a.release();
    await expect(running).resolves.toMatchObject({ strategy: 'http' });
    expect(a.calls).toEqual(['C1']);
    expect(a.closed).toBe(true);
    expect(b.closed).toBe(false);
    await s.close();
    expect(b.closed).toBe(true);
  });

  it('closes an idle strategy at the swap', () => {
    const a = fake('http');
    const s = new SwappableStrategy(a as unknown as UploadStrategy);
    s.swap(fake('command') as unknown as UploadStrategy);
    expect(a.closed).toBe(true);
  });
});
