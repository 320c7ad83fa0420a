/**
 * The manual procedure as one alert per pair and run, through the real notifier intake and
 * resolution on a real (in-memory) store with the default rules.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Notifier } from '../../src/notify/notifier.js';
import { silentLogger } from '../../src/core/log.js';
import { harness, type Harness } from '../engine/helpers.js';

let h: Harness;
afterEach(() => h?.close());

/** Play the upload worker with the manual strategy: every due upload parks as waiting-operator. */
function parkUploads(hh: Harness): string[] {
  const jobs = hh.store.jobs.claim({ types: ['upload'], limit: 100, perDevice: 100 });
  for (const j of jobs) {
    hh.store.jobs.complete(j.id, { outcome: 'waiting-operator', strategy: 'manual' });
    hh.feed({
      kind: 'upload-result',
      transport: 'action',
      device: j.device,
      context: j.context,
      data: { outcome: 'waiting-operator', strategy: 'manual', jobId: j.id },
    });
  }
  return jobs.map((j) => `${j.device}/${j.context}`);
}

function acknowledge(hh: Harness, device: string, context: string): void {
  hh.feed({
    kind: 'upload-result',
    transport: 'action',
    device,
    context,
    data: { outcome: 'ok', strategy: 'manual', acknowledged: true },
  });
}

describe('manual procedure alert: one per pair and run', () => {
  it('contexts of both peers waiting fold into one alert; a new context makes it news; resolved when none waits', async () => {
    h = harness();
    const n = new Notifier({
      store: h.store,
      webhooks: [],
      clock: h.clock,
      logger: silentLogger,
      externalUrl: 'http://acesync.example',
      procedure: { syncLabel: 'CLI > ANM Sync', note: 'call the NOC' },
    });
    h.store.recordAnmCopy('ace1', 'VC_WEB', 'b'.repeat(64));
    const procedures = () => n.alerts.firing().filter((a) => a.alertname === 'manual-procedure');
    h.feed({
      kind: 'audit-result',
      device: 'ace1',
      context: 'VC_WEB',
      data: { outcome: 'differs', hash: 'a'.repeat(64), anmHash: 'b'.repeat(64) },
    });
    h.feed({
      kind: 'crypto-parity',
      transport: 'action',
      device: 'ace1',
      context: 'VC_WEB',
      data: { ok: false, peer: 'ace2', missingOnDevice: ['web-cert.pem'], missingOnPeer: [], different: [] },
    });
    expect(parkUploads(h)).toEqual(['ace1/VC_WEB']);
    await n.tick();
    expect(procedures()).toHaveLength(1);
    const first = procedures()[0]!;
    expect(first.labels).toEqual({ alertname: 'manual-procedure', pair: 'ace1+ace2', severity: 'warning' });
    expect(first.device).toBe('');
    expect(first.annotations.description).toContain('   - ace1: VC_WEB');
    expect(first.annotations.description).toContain(`${'a'.repeat(12)} → ${'b'.repeat(12)}`);
    expect(first.annotations.description).toContain('Note: call the NOC');
    expect(first.annotations.fix).toMatch(/^In ANM's GUI, Config > Devices > DEVICE > CONTEXT, ".+" for each listed/);
    expect(first.annotations.fix).toContain('acesync procedure ack ace1+ace2');
    expect(first.annotations.description).toContain('   - VC_WEB: web-cert.pem is missing on ace1 (present on ace2)');

    h.clock.set(h.clock.now() + 1000);
    h.feed({
      kind: 'audit-result',
      device: 'ace2',
      context: 'VC_WEB',
      data: { outcome: 'differs', hash: 'c'.repeat(64) },
    });
    h.feed({
      kind: 'audit-result',
      device: 'ace2',
      context: 'VC_APP',
      data: { outcome: 'no-baseline', hash: 'd'.repeat(64) },
    });
    expect(parkUploads(h).sort()).toEqual(['ace2/VC_APP', 'ace2/VC_WEB']);
    await n.tick();
    // Still one alert, same life, listing the whole run; its revision changed (news for the webhooks).
    expect(procedures()).toHaveLength(1);
    const joined = procedures()[0]!;
    expect(joined.id).toBe(first.id);
    expect(joined.startsAt).toBe(first.startsAt);
    expect(joined.annotations.revision).not.toBe(first.annotations.revision);
    for (const c of ['ace1: VC_WEB', 'ace2: VC_WEB', 'ace2: VC_APP'])
      expect(joined.annotations.description).toContain(c);
    // A first audit without baseline in the run: adopting is offered.
    expect(joined.annotations.description).toContain('acesync baseline adopt --device ace1 --device ace2');
    expect(joined.annotations.summary).toMatch(/^Manual ANM procedure for ace1 \+ ace2: 3 contexts/);

    // Acknowledged one by one: the alert holds until the last.
    acknowledge(h, 'ace1', 'VC_WEB');
    acknowledge(h, 'ace2', 'VC_WEB');
    await n.tick();
    expect(procedures()).toHaveLength(1);
    acknowledge(h, 'ace2', 'VC_APP');
    await n.tick();
    expect(procedures()).toHaveLength(0);
    expect(n.alerts.get(first.id)!.resolvedReason).toBe(
      'every context of the procedure is acknowledged, adopted or in sync',
    );

    // A later wait opens a new run (a new life of the same alert) with only the new context.
    h.clock.set(h.clock.now() + 60_000);
    h.feed({
      kind: 'audit-result',
      device: 'ace1',
      context: 'VC_APP',
      data: { outcome: 'differs', hash: 'e'.repeat(64) },
    });
    parkUploads(h);
    await n.tick();
    const next = procedures()[0]!;
    expect(next.startsAt).toBeGreaterThan(first.startsAt);
    expect(next.annotations.description).toContain('   - ace1: VC_APP');
    expect(next.annotations.description).not.toContain('ace2: VC_WEB');
  });
});

describe('manual procedure alert: step 4', () => {
  it('an Admin upload in the run names the new user contexts lifecycle events found, not those ANM already has', async () => {
    h = harness();
    const n = new Notifier({
      store: h.store,
      webhooks: [],
      clock: h.clock,
      logger: silentLogger,
      externalUrl: 'http://x',
    });
    // As the poller reports them (its own observations pass the lifecycle trust check).
    h.feed({ kind: 'context-lifecycle', device: 'ace1', context: 'VC_NEW', change: 'added', transport: 'poll' });
    h.feed({ kind: 'context-lifecycle', device: 'ace1', context: 'VC_OLD', change: 'discovered', transport: 'poll' });
    h.store.recordAnmCopy('ace1', 'VC_OLD', 'f'.repeat(64));
    h.feed({
      kind: 'audit-result',
      device: 'ace1',
      context: 'Admin',
      data: { outcome: 'differs', hash: '1'.repeat(64) },
    });
    parkUploads(h);
    await n.tick();
    const a = n.alerts.firing().find((x) => x.alertname === 'manual-procedure')!;
    const d = a.annotations.description!;
    expect(d).toMatch(
      /\n4\. After the Admin upload of ace1, .* New user contexts acesync found:\n {3}- ace1: VC_NEW\n5\. /,
    );
    expect(d).not.toContain('VC_OLD');
  });
});

describe('news: a revision annotation', () => {
  it('the same alert in the same life is news again when its revision changes, and only then', async () => {
    const { isNews, noticeItem } = await import('../../src/notify/grouping.js');
    const { itemKey } = await import('../../src/store/alerts.js');
    const a = {
      id: 7,
      fingerprint: 'f',
      alertname: 'manual-procedure',
      severity: 'warning',
      device: '',
      context: '',
      labels: {},
      annotations: { revision: 'r1' },
      status: 'firing' as const,
      startsAt: 100,
      lastFiredAt: 100,
      fireCount: 1,
      updatedAt: 100,
    };
    const told = new Set([itemKey(noticeItem(a))]);
    expect(isNews(a, told, true)).toBe(false);
    expect(isNews({ ...a, annotations: { revision: 'r2' } }, told, true)).toBe(true);
    // Alerts without a revision keep their key (what older notices stored).
    const plain = { ...a, annotations: {} };
    expect(itemKey(noticeItem(plain))).toBe('7@100:firing');
  });
});
