import { afterEach, describe, expect, it } from 'vitest';
import { change, harness, rulesFromText, runAudits, targets, testConfig, type Harness } from './helpers.js';

let h: Harness;
afterEach(() => h?.close());

describe('settle windows', () => {
  it('turns a burst of 40 commands in 5 s into one audit per peer, after the burst', () => {
    h = harness();
    for (let i = 0; i < 40; i++) {
      h.feed(change('ace1', 'VC_WEB', `rserver host r${i}`));
      h.advance(125);
    }
    // The burst is over, the window (5 s trailing) not yet.
    expect(h.actions('audit')).toHaveLength(0);
    expect(h.sync('ace1', 'VC_WEB')).toBe('suspect');
    expect(h.sync('ace2', 'VC_WEB')).toBe('suspect');
    h.advance(6000);
    const audits = h.actions('audit');
    expect(targets(audits)).toEqual(['ace1/VC_WEB', 'ace2/VC_WEB']);
    // Due right after the last command + settle, not after the first.
    const lastChange = h.records
      .filter((r) => r.kind === 'match' && r.rule === 'config-change-marks-suspect')
      .at(-1)!.at;
    expect(audits[0]!.at).toBeGreaterThanOrEqual(lastChange + 5000);
    expect(h.store.jobs.list({ type: 'audit', state: 'pending' })).toHaveLength(2);
    // One state change per peer, not 40.
    expect(h.states().filter((s) => s.to === 'suspect')).toHaveLength(2);
  });

  it('never postpones a job past max_wait under a never-ending trickle', () => {
    h = harness();
    const start = h.clock.now();
    for (let i = 0; i < 100; i++) {
      h.feed(change('ace1', 'VC_APP', `probe p${i}`));
      h.advance(2000);
    }
    const audits = h.actions('audit').filter((a) => a.device === 'ace1');
    expect(audits.length).toBeGreaterThanOrEqual(1);
    expect(audits[0]!.at - start).toBeLessThanOrEqual(h.config.engine.max_settle_ms + 250);
  });

  it('audits again when a change arrives while the audit runs (never lost)', () => {
    h = harness();
    h.feed(change('ace1', 'VC_WEB', 'serverfarm SF1'));
    h.advance(6000);
    const [first] = h.store.jobs.claim({ types: ['audit'], limit: 1 });
    expect(first).toBeDefined();
    // The audit is running; the operator types another command.
    h.feed(change(first!.device, first!.context, 'serverfarm SF2'));
    h.advance(6000);
    const pending = h.store.jobs
      .list({ type: 'audit', state: 'pending' })
      .filter((j) => j.device === first!.device && j.context === first!.context);
    expect(pending).toHaveLength(1);
    expect(pending[0]!.id).not.toBe(first!.id);
    // The first audit reports in-sync: the context must stay suspect, another audit is owed.
    h.feed({
      kind: 'audit-result',
      device: first!.device,
      context: first!.context,
      data: { outcome: 'in-sync', hash: 'x', jobId: first!.id },
    });
    h.store.jobs.complete(first!.id);
    expect(h.sync(first!.device, first!.context)).toBe('suspect');
    // The second audit confirms.
    runAudits(h, 'in-sync');
    expect(h.sync(first!.device, first!.context)).toBe('in-sync');
  });
});

describe('once_within', () => {
  it('fires on the first match and records the throttled ones until the window ends', () => {
    h = harness();
    h.feed(change('ace1', 'VC_WEB', 'logging buffered 5'));
    h.advance(60_000);
    h.feed(change('ace1', 'VC_WEB', 'logging buffered 6'));
    const alerts = () => h.actions('alert').filter((a) => a.rule === 'logging-changed');
    expect(alerts()).toHaveLength(1);
    const throttled = h.records.filter((r) => r.kind === 'throttled' && r.rule === 'logging-changed');
    expect(throttled).toHaveLength(1);
    expect(throttled[0]!.reason).toMatch(/once_within 10m/);
    // Another context is another group key.
    h.feed(change('ace1', 'VC_APP', 'logging buffered 6'));
    expect(alerts()).toHaveLength(2);
    h.advance(10 * 60_000);
    h.feed(change('ace1', 'VC_WEB', 'logging buffered 7'));
    expect(alerts()).toHaveLength(3);
  });
});

describe('expect-within after a failover', () => {
  const failover = {
    kind: 'ha-state' as const,
    id: '727012',
    device: 'ace2',
    ftGroup: 2,
    state: 'ACTIVE',
    prevState: 'STANDBY_HOT',
    reason: 'peer down',
  };

  it('is satisfied by in-sync audit results within the window: no alert', () => {
    h = harness();
    h.feed(failover);
    const expects = h.actions('expect');
    expect(targets(expects)).toEqual(['ace1/VC_APP', 'ace1/VC_WEB', 'ace2/VC_APP', 'ace2/VC_WEB']);
    h.advance(11_000);
    expect(targets(h.actions('audit'))).toEqual(['ace1/VC_APP', 'ace1/VC_WEB', 'ace2/VC_APP', 'ace2/VC_WEB']);
    runAudits(h, 'in-sync');
    expect(h.records.filter((r) => r.kind === 'expect-met')).toHaveLength(4);
    h.advance(20 * 60_000, 5000);
    expect(h.records.filter((r) => r.kind === 'expect-expired')).toHaveLength(0);
    expect(h.actions('alert').filter((a) => a.rule === 'failover-marks-group-suspect')).toHaveLength(0);
    expect(h.store.timers()).toHaveLength(0);
  });

  it('alerts for each context not confirmed in time', () => {
    h = harness();
    h.feed(failover);
    h.advance(11_000);
    // Only ace2's contexts come back in sync; ace1's differ and their uploads never complete.
    runAudits(h, (device) => (device === 'ace2' ? 'in-sync' : 'differs'));
    expect(h.sync('ace1', 'VC_WEB')).toBe('stale');
    expect(targets(h.actions('upload'))).toEqual(['ace1/VC_APP', 'ace1/VC_WEB']);
    h.advance(15 * 60_000, 5000);
    const expired = h.records.filter((r) => r.kind === 'expect-expired');
    expect(targets(expired)).toEqual(['ace1/VC_APP', 'ace1/VC_WEB']);
    const alerts = h.actions('alert').filter((a) => a.rule === 'failover-marks-group-suspect');
    expect(targets(alerts)).toEqual(['ace1/VC_APP', 'ace1/VC_WEB']);
    const job = h.store.jobs.list({ type: 'alert' }).find((j) => j.dedupe === 'failover-marks-group-suspect')!;
    expect(job.payload.summary).toMatch(/not confirmed in sync/);
  });

  it('keeps the first deadline when the group flaps', () => {
    h = harness();
    h.feed(failover);
    const due = h.actions('expect')[0]!.due!;
    h.advance(60_000);
    h.feed({ ...failover, device: 'ace1', state: 'STANDBY_HOT' });
    expect(h.actions('expect')).toHaveLength(4);
    expect(
      h.store
        .timers()
        .filter((t) => t.kind === 'expect')
        .every((t) => t.due === due),
    ).toBe(true);
  });
});

describe('scopes', () => {
  const scoped = (scope: string) =>
    rulesFromText({
      'r.yaml': `rules:\n  - name: r\n    on: config-change\n    scope: ${scope}\n    actions:\n      - mark: suspect\n`,
    });
  const marked = (hh: Harness) => targets(hh.states());

  it('context, both-peers, peer, origin, device, pair, ft-group', () => {
    const cases: Record<string, string[]> = {
      context: ['ace1/VC_WEB'],
      'both-peers': ['ace1/VC_WEB', 'ace2/VC_WEB'],
      peer: ['ace2/VC_WEB'],
      device: ['ace1/Admin', 'ace1/VC_APP', 'ace1/VC_DB', 'ace1/VC_WEB'],
      pair: [
        'ace1/Admin',
        'ace1/VC_APP',
        'ace1/VC_DB',
        'ace1/VC_WEB',
        'ace2/Admin',
        'ace2/VC_APP',
        'ace2/VC_DB',
        'ace2/VC_WEB',
      ],
      'ft-group': ['ace1/VC_APP', 'ace1/VC_WEB', 'ace2/VC_APP', 'ace2/VC_WEB'],
    };
    for (const [scope, want] of Object.entries(cases)) {
      h = harness({ rules: scoped(scope) });
      h.feed(change('ace1', 'VC_WEB', 'x'));
      expect(marked(h), scope).toEqual(want);
      h.close();
    }
    h = harness({ rules: scoped('origin') });
    h.feed({ ...change('ace1', 'VC_NEW', 'context VC_NEW'), originContext: 'Admin' });
    expect(marked(h)).toEqual(['ace1/Admin']);
  });

  it('ft-group uses the membership learnt from show ft group', () => {
    h = harness({ rules: scoped('ft-group') });
    h.feed({
      kind: 'ft-status',
      device: 'ace1',
      ftGroup: 7,
      data: { myState: 'ACTIVE', peerState: 'STANDBY_HOT', contexts: ['VC_NEW1', 'VC_NEW2'] },
    });
    expect(h.store.view.role('ace2', 7)).toBe('STANDBY_HOT');
    h.feed({ ...change('ace1', 'VC_NEW1', 'x') });
    expect(marked(h)).toEqual(['ace1/VC_NEW1', 'ace1/VC_NEW2', 'ace2/VC_NEW1', 'ace2/VC_NEW2']);
  });

  it('sources: an ingest-loss marks the contexts of every source in the window', () => {
    h = harness();
    h.feed({
      kind: 'ingest-loss',
      transport: 'internal',
      reason: 'pipeline queue full',
      data: { from: 1, to: 2, dropped: 12, sources: ['10.0.1.1', '10.0.0.2', '203.0.113.9'] },
    });
    // 10.0.1.1 is ace1/VC_WEB; 10.0.0.2 is ace2 as a whole (every context).
    expect(marked(h)).toEqual(['ace1/VC_WEB', 'ace2/Admin', 'ace2/VC_APP', 'ace2/VC_DB', 'ace2/VC_WEB']);
    h.advance(6000);
    expect(h.actions('audit')).toHaveLength(5);
    expect(h.actions('alert').filter((a) => a.rule === 'ingest-loss-notice')).toHaveLength(1);
  });
});

describe('state predicates', () => {
  it('a change on the standby is called out; on the active it is not', () => {
    h = harness();
    h.feed({ kind: 'ha-state', id: '727012', device: 'ace1', ftGroup: 2, state: 'ACTIVE' });
    h.feed({ kind: 'ha-state', id: '727012', device: 'ace2', ftGroup: 2, state: 'STANDBY_HOT' });
    const before = h.actions('alert').filter((a) => a.rule === 'change-on-standby').length;
    h.feed(change('ace1', 'VC_WEB', 'serverfarm A'));
    expect(h.actions('alert').filter((a) => a.rule === 'change-on-standby').length).toBe(before);
    h.feed(change('ace2', 'VC_WEB', 'serverfarm B'));
    const alerts = h.actions('alert').filter((a) => a.rule === 'change-on-standby');
    expect(alerts).toHaveLength(before + 1);
    const match = h.records.find((r) => r.kind === 'match' && r.rule === 'change-on-standby')!;
    expect(JSON.stringify(match.detail)).toContain('STANDBY_HOT');
  });

  it('peer_role, sync, origin_admin and custom variables', () => {
    const rules = rulesFromText(
      {
        'p.yaml': `rules:
  - name: p
    on: config-change
    when:
      all:
        - { field: state.peer_role, equals: STANDBY_HOT }
        - { field: state.sync, equals: unknown }
        - { field: state.origin_admin, equals: false }
        - { field: user, in: $ops }
    actions:
      - mark: stale
`,
      },
      (() => {
        const c = testConfig();
        return { ...c, engine: { ...c.engine, variables: { ops: ['alice', 'bob'] } } };
      })(),
    );
    h = harness({ rules });
    h.feed(change('ace1', 'VC_WEB', 'x', 'alice'));
    expect(h.sync('ace1', 'VC_WEB')).toBe('unknown');
    h.feed({
      kind: 'ft-status',
      device: 'ace1',
      ftGroup: 2,
      data: { myState: 'FSM_FT_STATE_ACTIVE', peerState: 'FSM_FT_STATE_STANDBY_HOT' },
    });
    h.feed(change('ace1', 'VC_WEB', 'x', 'mallory'));
    expect(h.sync('ace1', 'VC_WEB')).toBe('unknown');
    h.feed(change('ace1', 'VC_WEB', 'x', 'bob'));
    expect(h.sync('ace1', 'VC_WEB')).toBe('stale');
  });
});

describe('suppress', () => {
  it('stops the rules after it for that event only', () => {
    const rules = rulesFromText({
      'a.yaml': `rules:
  - name: quiet-lab
    priority: 1
    on: config-change
    when: { field: context, equals: VC_LAB }
    actions:
      - suppress: true
  - name: mark-all
    priority: 2
    on: config-change
    actions:
      - mark: suspect
`,
    });
    h = harness({ rules });
    h.feed(change('ace1', 'VC_LAB', 'x'), change('ace1', 'VC_WEB', 'x'));
    expect(targets(h.states())).toEqual(['ace1/VC_WEB']);
    const m = h.records.find((r) => r.kind === 'match' && r.rule === 'quiet-lab')!;
    expect(m.detail?.suppressedRest).toBe(true);
  });
});

describe('ANM users', () => {
  it("does not mark or upload what ANM's own account deployed; audits it to adopt ANM's copy", () => {
    h = harness();
    h.feed(change('ace1', 'VC_WEB', 'serverfarm SF9', 'anm_svc'));
    expect(h.sync('ace1', 'VC_WEB')).toBe('unknown');
    expect(h.sync('ace2', 'VC_WEB')).toBe('suspect');
    h.advance(6000);
    const jobs = h.store.jobs.list({ type: 'audit' });
    const mine = jobs.find((j) => j.device === 'ace1')!;
    expect(mine.payload.anm_deployment).toBe(true);
    expect(jobs.find((j) => j.device === 'ace2')!.payload.anm_deployment).toBeUndefined();
    expect(h.records.some((r) => r.rule === 'config-change-marks-suspect')).toBe(false);
  });
});

describe('expectations with variables', () => {
  it('store the resolved condition, so it matches after a restart without the configuration', () => {
    const config = (() => {
      const c = testConfig();
      return { ...c, engine: { ...c.engine, variables: { good: ['in-sync', 'accepted'] } } };
    })();
    const rules = rulesFromText(
      {
        'e.yaml':
          'rules:\n  - name: e\n    on: ha-state\n    actions:\n      - expect: { within: 1m, event: audit-result, when: { field: data.outcome, in: $good }, alert: { summary: late } }\n',
      },
      config,
    );
    h = harness({ rules, config });
    h.feed({ kind: 'ha-state', device: 'ace1', context: 'VC_WEB', state: 'ACTIVE' });
    expect(JSON.stringify(h.store.timers()[0]!.payload)).toContain('"in":["in-sync","accepted"]');
    h.feed({ kind: 'audit-result', device: 'ace1', context: 'VC_WEB', data: { outcome: 'accepted' } });
    expect(h.records.filter((r) => r.kind === 'expect-met')).toHaveLength(1);
  });
});

describe('Processor.subscribe', () => {
  it('tells listeners of each commit; a failing listener does not disturb processing', () => {
    h = harness();
    const seen: string[] = [];
    const off = h.processor.subscribe((rs) =>
      seen.push(...rs.filter((r) => r.kind === 'state').map((r) => `${r.device}/${r.context}`)),
    );
    h.processor.subscribe(() => {
      throw new Error('listener bug');
    });
    h.feed(change('ace1', 'VC_WEB', 'x'));
    expect(seen.sort()).toEqual(['ace1/VC_WEB', 'ace2/VC_WEB']);
    off();
    h.feed(change('ace1', 'VC_APP', 'x'));
    expect(seen).toHaveLength(2);
    expect(h.sync('ace1', 'VC_APP')).toBe('suspect');
  });
});
