/**
 * Every default rule file in rules/, against the engine with a real (in-memory) store.
 * Each block names the file it covers.
 */
import { readdirSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { change, DEFAULT_RULES, harness, runAudits, targets, type Harness } from './helpers.js';
import { parseSyslog } from '../../src/parse/syslog.js';
import type { AceEvent } from '../../src/core/events.js';

let h: Harness;
afterEach(() => h?.close());

const roles = (hh: Harness): void => {
  hh.feed({
    kind: 'ft-status',
    transport: 'poll',
    device: 'ace1',
    ftGroup: 2,
    data: { myState: 'ACTIVE', peerState: 'STANDBY_HOT', contexts: ['VC_WEB', 'VC_APP'] },
  });
};
const alertsOf = (hh: Harness, rule: string) => hh.actions('alert').filter((a) => a.rule === rule);
const alertJob = (hh: Harness, rule: string) => hh.store.jobs.list({ type: 'alert' }).find((j) => j.dedupe === rule);

const COVERED = new Set<string>();
const covers = (file: string): string => {
  COVERED.add(file);
  return file;
};

describe(covers('config-change.yaml'), () => {
  it('marks the context suspect on both peers and audits both after the settle window', () => {
    h = harness();
    h.feed(change('ace1', 'VC_WEB', 'rserver host r1'));
    expect(targets(h.states())).toEqual(['ace1/VC_WEB', 'ace2/VC_WEB']);
    expect(h.actions('audit')).toHaveLength(0);
    h.advance(5_250);
    expect(targets(h.actions('audit'))).toEqual(['ace1/VC_WEB', 'ace2/VC_WEB']);
  });

  it('ignores exec commands that do not change the running-config, and keeps a confirmed stale context stale', () => {
    h = harness();
    // As they arrive: the 111008 lines go through the real parser, which classifies them.
    const line = (cmd: string): AceEvent => ({
      ...parseSyslog(`<165>%ACE-5-111008: User 'admin' executed the '${cmd}' command.`),
      device: 'ace1',
      context: 'VC_WEB',
    });
    h.feed(
      line('write memory'),
      line('copy running-config startup-config'),
      line('show running-config'),
      line('changeto VC_WEB'),
    );
    expect(h.states()).toHaveLength(0);
    h.feed({ kind: 'audit-result', device: 'ace1', context: 'VC_APP', data: { outcome: 'differs', hash: 'x' } });
    expect(h.sync('ace1', 'VC_APP')).toBe('stale');
    h.feed(change('ace1', 'VC_APP', 'probe p1'));
    expect(h.sync('ace1', 'VC_APP')).toBe('stale');
    expect(h.sync('ace2', 'VC_APP')).toBe('suspect');
  });

  it('a change whose context cannot be told makes every context of both peers suspect', () => {
    h = harness();
    h.feed({ kind: 'config-change', id: '111008', user: 'admin', command: 'rserver host r1', device: 'ace1' });
    expect(h.states()).toHaveLength(8);
  });
});

describe(covers('anm-deployment.yaml'), () => {
  it("audits the device to adopt ANM's copy and treats the peer as changed", () => {
    h = harness();
    h.feed(change('ace1', 'VC_APP', 'probe p1', 'anm_svc'));
    expect(targets(h.states())).toEqual(['ace2/VC_APP']);
    h.advance(5_250);
    const jobs = h.store.jobs.list({ type: 'audit' });
    expect(jobs.map((j) => `${j.device}:${j.payload.anm_deployment === true}`).sort()).toEqual([
      'ace1:true',
      'ace2:false',
    ]);
  });
});

describe(covers('standby-change.yaml'), () => {
  it('calls out a change on the standby once per 10 minutes per context', () => {
    h = harness();
    roles(h);
    h.feed(change('ace2', 'VC_WEB', 'a'), change('ace2', 'VC_WEB', 'b'));
    expect(alertsOf(h, 'change-on-standby')).toHaveLength(1);
    expect(alertJob(h, 'change-on-standby')!.payload.summary).toMatch(
      /ace2, the standby \(STANDBY_HOT\) of FT group 2/,
    );
    h.feed(change('ace1', 'VC_WEB', 'c'));
    expect(alertsOf(h, 'change-on-standby')).toHaveLength(1);
  });
});

describe(covers('logging-change.yaml'), () => {
  it('alerts at once when notifications may be silenced and moves both peers to fast polling', () => {
    h = harness();
    h.feed({ ...change('ace2', 'VC_WEB', 'no logging host 10.9.9.9 udp/514'), kind: 'logging-change' });
    const a = alertsOf(h, 'logging-silenced');
    expect(a).toHaveLength(1);
    expect(alertJob(h, 'logging-silenced')!.payload.severity).toBe('critical');
    expect(h.store.pollCadence('ace2').mode).toBe('fast');
    expect(h.store.pollCadence('ace1').mode).toBe('fast');
    expect(h.store.pollCadence('ace1', h.clock.now() + 3 * 3600_000).mode).toBe('normal');
    expect(alertsOf(h, 'logging-changed')).toHaveLength(0);
  });

  it('lowered trap level and 111008 disabled are silencing too; other logging changes warn', () => {
    h = harness();
    for (const cmd of ['logging trap 3', 'no logging message 111008', 'no logging enable'])
      h.feed({ ...change('ace1', 'VC_APP', cmd), kind: 'logging-change' });
    expect(h.records.filter((r) => r.kind === 'match' && r.rule === 'logging-silenced')).toHaveLength(3);
    h.feed({ ...change('ace1', 'VC_DB', 'logging buffered 7'), kind: 'logging-change' });
    expect(alertsOf(h, 'logging-changed')).toHaveLength(1);
    expect(alertJob(h, 'logging-changed')!.payload.severity).toBe('warning');
  });
});

describe(covers('failover.yaml'), () => {
  it('does not treat STANDBY_COLD or an FT command without a state as a failover', () => {
    h = harness();
    h.feed({ kind: 'ha-state', id: '727012', device: 'ace2', ftGroup: 2, state: 'STANDBY_COLD' });
    h.feed({ kind: 'ha-state', id: '111008', device: 'ace1', ftGroup: 2, command: 'ft switchover 2', user: 'admin' });
    expect(h.records.some((r) => r.rule === 'failover-marks-group-suspect')).toBe(false);
  });

  it('a 728029 from the new active marks the group on both peers and notifies once', () => {
    h = harness();
    h.feed({ kind: 'ha-state', id: '728029', device: 'ace2', ftGroup: 3, state: 'ACTIVE', prevState: 'STANDBY_HOT' });
    expect(targets(h.states())).toEqual(['ace1/VC_DB', 'ace2/VC_DB']);
    expect(alertsOf(h, 'failover-notice')).toHaveLength(1);
  });
});

describe(covers('standby-cold.yaml'), () => {
  it('STANDBY_COLD alerts and checks crypto parity on the group, once per 30 minutes', () => {
    h = harness();
    h.feed({
      kind: 'ha-state',
      id: '727012',
      device: 'ace2',
      ftGroup: 2,
      state: 'STANDBY_COLD',
      reason: 'Incremental Sync Failure',
    });
    expect(alertJob(h, 'standby-cold')!.payload.severity).toBe('critical');
    h.advance(10_250);
    expect(targets(h.actions('check-crypto'))).toEqual(['ace1/VC_APP', 'ace1/VC_WEB', 'ace2/VC_APP', 'ace2/VC_WEB']);
    h.feed({
      kind: 'ft-status',
      device: 'ace2',
      ftGroup: 2,
      data: { myState: 'FSM_FT_STATE_STANDBY_COLD', peerState: 'FSM_FT_STATE_ACTIVE' },
    });
    expect(alertsOf(h, 'standby-cold')).toHaveLength(1);
  });

  it('a replication failure (727010) alerts and checks crypto on both peers', () => {
    h = harness();
    h.feed({ kind: 'ha-state', id: '727010', device: 'ace1', context: 'VC_APP', error: 'code 12' });
    expect(alertsOf(h, 'replication-failure')).toHaveLength(1);
    h.advance(10_250);
    expect(targets(h.actions('check-crypto'))).toEqual(['ace1/VC_APP', 'ace2/VC_APP']);
  });
});

describe(covers('context-lifecycle.yaml'), () => {
  // 10.0.0.1 is ace1's device-level address (its Admin's); 10.0.1.1 is VC_WEB's.
  const ADMIN_SRC = '10.0.0.1';
  const confirm = (device: string, context: string): AceEvent => ({
    kind: 'context-lifecycle',
    transport: 'poll',
    device,
    context,
    change: 'confirmed',
    originContext: 'Admin',
  });

  it('a new context is unconfirmed on both peers and audited; Admin becomes suspect; a second report changes nothing', () => {
    h = harness();
    h.feed({
      kind: 'context-lifecycle',
      id: '504001',
      device: 'ace1',
      source: ADMIN_SRC,
      context: 'VC_NEW',
      change: 'added',
    });
    expect(h.sync('ace1', 'VC_NEW')).toBe('unconfirmed');
    expect(h.sync('ace2', 'VC_NEW')).toBe('unconfirmed');
    expect(h.sync('ace1', 'Admin')).toBe('suspect');
    // Nothing fans out to an unconfirmed context.
    expect(h.store.view.contextsOf('ace1')).not.toContain('VC_NEW');
    const n = h.records.length;
    h.feed({
      kind: 'context-lifecycle',
      id: '111008',
      device: 'ace1',
      source: ADMIN_SRC,
      context: 'VC_NEW',
      change: 'added',
      command: 'context VC_NEW',
      originContext: 'Admin',
    });
    expect(h.records.slice(n).filter((r) => r.kind === 'state')).toHaveLength(0);
    h.advance(5_250);
    expect(targets(h.actions('audit'))).toEqual(['ace1/Admin', 'ace1/VC_NEW', 'ace2/VC_NEW']);
    // The audit's show context lists it (the poller reports `confirmed` before the results).
    h.feed(confirm('ace1', 'VC_NEW'), confirm('ace2', 'VC_NEW'));
    expect(h.sync('ace1', 'VC_NEW')).toBe('unknown');
    runAudits(h, 'no-baseline');
    expect(targets(h.actions('upload'))).toEqual(['ace1/Admin', 'ace1/VC_NEW', 'ace2/VC_NEW']);
  });

  it('an unconfirmed context is never uploaded, and goes removed when show context does not list it', () => {
    h = harness();
    h.feed({
      kind: 'context-lifecycle',
      id: '504001',
      device: 'ace1',
      source: ADMIN_SRC,
      context: 'PH_1',
      change: 'added',
    });
    h.advance(5_250);
    runAudits(h, 'no-baseline');
    expect(h.actions('upload').filter((r) => r.context === 'PH_1')).toHaveLength(0);
    h.feed({ ...confirm('ace1', 'PH_1'), change: 'absent' });
    expect(h.sync('ace1', 'PH_1')).toBe('removed');
  });

  it('a configured context show context does not list raises an alert and is never marked removed', () => {
    h = harness();
    h.feed({ ...confirm('ace1', 'VC_APP'), change: 'absent' });
    expect(h.sync('ace1', 'VC_APP')).toBe('unknown');
    expect(alertsOf(h, 'context-absent-configured')).toHaveLength(1);
  });

  it('the poller discovering a context audits it on that device only', () => {
    h = harness();
    h.feed({ kind: 'context-lifecycle', transport: 'poll', device: 'ace2', context: 'VC_X', change: 'discovered' });
    expect(targets(h.states())).toEqual(['ace2/VC_X']);
    expect(h.store.view.contextsOf('ace2')).toContain('VC_X');
  });

  it('a removed learnt context is removed on both peers and its pending jobs are cancelled', () => {
    h = harness();
    h.feed({ kind: 'context-lifecycle', transport: 'poll', device: 'ace1', context: 'VC_X', change: 'discovered' });
    h.feed({ kind: 'context-lifecycle', transport: 'poll', device: 'ace2', context: 'VC_X', change: 'discovered' });
    h.advance(5_250);
    expect(h.store.jobs.list({ state: 'pending', context: 'VC_X' })).toHaveLength(2);
    h.feed({
      kind: 'context-lifecycle',
      id: '504002',
      device: 'ace1',
      source: ADMIN_SRC,
      context: 'VC_X',
      change: 'removed',
    });
    expect(h.sync('ace1', 'VC_X')).toBe('removed');
    expect(h.sync('ace2', 'VC_X')).toBe('removed');
    expect(h.store.jobs.list({ state: 'pending', context: 'VC_X' })).toHaveLength(0);
    expect(h.store.view.contextsOf('ace1')).not.toContain('VC_X');
  });

  it('Admin removing a configured context makes it suspect and audited, never removed on the message alone', () => {
    h = harness();
    h.feed({
      kind: 'context-lifecycle',
      id: '504002',
      device: 'ace1',
      source: ADMIN_SRC,
      context: 'VC_DB',
      change: 'removed',
    });
    expect(h.sync('ace1', 'VC_DB')).toBe('suspect');
    expect(h.sync('ace2', 'VC_DB')).toBe('suspect');
    h.advance(5_250);
    expect(targets(h.actions('audit'))).toContain('ace1/VC_DB');
  });
});

describe(covers('suspicious-source.yaml'), () => {
  it("a user context's source creating or removing a context changes nothing, is stored as suspicious-source, alerts once", () => {
    h = harness();
    for (let i = 0; i < 5; i++)
      h.feed({
        kind: 'context-lifecycle',
        id: '111008',
        device: 'ace1',
        source: '10.0.1.1',
        context: `PH_${i}`,
        change: 'added',
        command: `context PH_${i}`,
      });
    h.feed({
      kind: 'context-lifecycle',
      id: '504002',
      device: 'ace1',
      source: '10.0.1.1',
      context: 'VC_APP',
      change: 'removed',
    });
    expect(h.states()).toEqual([]);
    expect(h.sync('ace1', 'PH_0')).toBeUndefined();
    expect(h.sync('ace1', 'VC_APP')).toBe('unknown');
    expect(h.processor.guard.stats.refused['not-admin']).toBe(6);
    const kinds = h.store.db.prepare("SELECT COUNT(*) AS n FROM events WHERE kind = 'suspicious-source'").get() as {
      n: number;
    };
    expect(kinds.n).toBe(6);
    expect(alertsOf(h, 'suspicious-lifecycle-source')).toHaveLength(1);
  });

  it('creations beyond the per-device rate are refused and alerted once', () => {
    h = harness();
    for (let i = 0; i < 25; i++)
      h.feed({
        kind: 'context-lifecycle',
        id: '504001',
        device: 'ace1',
        source: '10.0.0.1',
        context: `N_${i}`,
        change: 'added',
      });
    expect(h.sync('ace1', 'N_19')).toBe('unconfirmed');
    expect(h.sync('ace1', 'N_20')).toBeUndefined();
    expect(h.processor.guard.stats.refused['creation-rate']).toBe(5);
    expect(alertsOf(h, 'context-creation-refused')).toHaveLength(1);
    // A minute later the window has room again.
    h.advance(60_500, 10_000);
    h.feed({
      kind: 'context-lifecycle',
      id: '504001',
      device: 'ace1',
      source: '10.0.0.1',
      context: 'N_LATE',
      change: 'added',
    });
    expect(h.sync('ace1', 'N_LATE')).toBe('unconfirmed');
  });
});

describe(covers('crypto-change.yaml'), () => {
  it('checks crypto parity 30 s after a crypto command', () => {
    h = harness();
    h.feed({ ...change('ace1', 'VC_WEB', 'crypto import tftp 10.1.1.1 k.pem k.pem'), kind: 'crypto-change' });
    h.advance(29_000);
    expect(h.actions('check-crypto')).toHaveLength(0);
    h.advance(1_500);
    expect(targets(h.actions('check-crypto'))).toEqual(['ace1/VC_WEB']);
  });
});

describe(covers('ingest-loss.yaml'), () => {
  it('marks and audits the contexts of the sources, and tells operators once per 10 minutes', () => {
    h = harness();
    const loss = {
      kind: 'ingest-loss' as const,
      transport: 'internal' as const,
      reason: 'kernel drops',
      data: { from: 1, to: 2, dropped: 3, sources: ['10.0.2.3'] },
    };
    h.feed(loss, loss);
    expect(targets(h.states())).toEqual(['ace2/VC_DB']);
    expect(alertsOf(h, 'ingest-loss-notice')).toHaveLength(1);
  });
});

describe(covers('audit-results.yaml'), () => {
  it('in-sync, differs, no-baseline and error', () => {
    h = harness();
    h.feed(change('ace1', 'VC_WEB', 'x'));
    h.advance(5_250);
    runAudits(h, (d) => (d === 'ace1' ? 'in-sync' : 'differs'));
    expect(h.sync('ace1', 'VC_WEB')).toBe('in-sync');
    expect(h.sync('ace2', 'VC_WEB')).toBe('stale');
    expect(targets(h.actions('upload'))).toEqual(['ace2/VC_WEB']);
    h.feed({ kind: 'audit-result', device: 'ace1', context: 'VC_WEB', error: 'timeout', data: { outcome: 'error' } });
    expect(h.sync('ace1', 'VC_WEB')).toBe('suspect');
    expect(alertJob(h, 'audit-failed-notice')!.payload.summary).toMatch(/failed: timeout/);
    expect(h.store.context('ace1', 'VC_WEB')!.lastAuditOutcome).toBe('error');
  });

  it('records the configuration it saw in the history', () => {
    h = harness();
    h.feed({
      kind: 'audit-result',
      device: 'ace1',
      context: 'VC_APP',
      data: { outcome: 'differs', hash: 'h1', config: 'a\nb\n' },
    });
    h.feed({
      kind: 'audit-result',
      device: 'ace1',
      context: 'VC_APP',
      data: { outcome: 'differs', hash: 'h2', config: 'a\nc\n' },
    });
    expect(h.store.versions.list('ace1', 'VC_APP').map((v) => v.hash)).toEqual(['h2', 'h1']);
    expect(h.store.versions.diff('ace1', 'VC_APP', 'h1', 'h2')).toContain('-b\n+c\n');
  });
});

describe(covers('baseline.yaml'), () => {
  it('an adopt-baseline operator event marks the context in-sync with who and why; other operator events do not', () => {
    h = harness();
    h.feed({ kind: 'audit-result', device: 'ace1', context: 'VC_WEB', data: { outcome: 'no-baseline', hash: 'h1' } });
    expect(h.sync('ace1', 'VC_WEB')).toBe('stale');
    h.feed({ kind: 'operator', device: 'ace1', context: 'VC_APP', data: { action: 'resync' } });
    expect(h.states().filter((s) => s.context === 'VC_APP')).toEqual([]);
    h.feed({
      kind: 'operator',
      device: 'ace1',
      context: 'VC_WEB',
      data: { action: 'adopt-baseline', by: 'CLI (user ops)', reason: 'ANM verified', hash: 'h1' },
    });
    expect(h.sync('ace1', 'VC_WEB')).toBe('in-sync');
    const last = h.states().at(-1)!;
    expect(last).toMatchObject({ rule: 'baseline-adopted', to: 'in-sync' });
    expect(last.reason).toBe('baseline adopted by CLI (user ops): ANM verified');
    expect(h.actions('upload').filter((a) => a.device === 'ace1' && a.context === 'VC_WEB')).toHaveLength(1);
  });

  it('first_audit: adopt (audit-results.yaml): a tagged in-sync result says the baseline was adopted', () => {
    h = harness();
    h.feed({
      kind: 'audit-result',
      device: 'ace1',
      context: 'VC_WEB',
      data: { outcome: 'in-sync', hash: 'h1', anmHash: 'h1', baseline: 'first_audit' },
    });
    expect(h.sync('ace1', 'VC_WEB')).toBe('in-sync');
    expect(h.states().map((s) => [s.rule, s.reason])).toEqual([
      ['audit-adopts-baseline', 'baseline adopted (first_audit: adopt)'],
    ]);
    expect(h.actions('upload')).toHaveLength(0);
  });
});

describe(covers('upload-results.yaml'), () => {
  it('ok: syncing and a confirming audit; failed: failed and an alert; waiting-operator: stays stale', () => {
    h = harness();
    h.feed({ kind: 'upload-result', device: 'ace1', context: 'VC_WEB', data: { outcome: 'ok', strategy: 'http' } });
    expect(h.sync('ace1', 'VC_WEB')).toBe('syncing');
    expect(targets(h.actions('audit'))).toEqual(['ace1/VC_WEB']);
    expect(h.store.jobs.list({ type: 'audit' })[0]!.priority).toBe(20);
    h.feed({
      kind: 'upload-result',
      device: 'ace1',
      context: 'VC_APP',
      data: { outcome: 'failed', strategy: 'http', error: 'HTTP 500', attempts: 5 },
    });
    expect(h.sync('ace1', 'VC_APP')).toBe('failed');
    expect(alertJob(h, 'upload-failed')!.payload.summary).toMatch(/after 5 attempts: HTTP 500/);
    h.feed({
      kind: 'upload-result',
      device: 'ace2',
      context: 'VC_APP',
      data: { outcome: 'waiting-operator', strategy: 'manual' },
    });
    expect(h.sync('ace2', 'VC_APP')).toBe('stale');
    expect(h.store.context('ace1', 'VC_APP')!.lastUploadOutcome).toBe('failed');
  });
});

describe(covers('logging-drift.yaml'), () => {
  it('alerts and polls the device fast, once per hour per context', () => {
    h = harness();
    const drift = {
      kind: 'logging-drift' as const,
      transport: 'poll' as const,
      device: 'ace2',
      context: 'VC_APP',
      data: { missing: ['logging host 10.9.9.9 udp/514'], harmful: [] },
    };
    h.feed(drift);
    h.advance(60_000, 10_000);
    h.feed(drift);
    expect(alertsOf(h, 'logging-drift')).toHaveLength(1);
    expect(alertJob(h, 'logging-drift')!.payload.summary).toMatch(/missing logging host 10\.9\.9\.9/);
    expect(h.store.pollCadence('ace2').mode).toBe('fast');
    expect(h.store.pollCadence('ace1').mode).toBe('normal');
  });
});

describe(covers('crypto-parity.yaml'), () => {
  it('alerts on a mismatch only', () => {
    h = harness();
    h.feed({
      kind: 'crypto-parity',
      device: 'ace1',
      context: 'VC_WEB',
      data: { peer: 'ace2', ok: true, missingOnDevice: [], missingOnPeer: [], different: [] },
    });
    expect(alertsOf(h, 'crypto-parity-mismatch')).toHaveLength(0);
    h.feed({
      kind: 'crypto-parity',
      device: 'ace1',
      context: 'VC_WEB',
      data: { peer: 'ace2', ok: false, missingOnDevice: [], missingOnPeer: ['k.pem'], different: ['c.pem'] },
    });
    expect(alertJob(h, 'crypto-parity-mismatch')!.payload.summary).toMatch(
      /missing on ace2: k\.pem; different: c\.pem/,
    );
  });
});

describe(covers('device-restart.yaml'), () => {
  it('makes in-sync contexts of the device suspect and audits all of them 2 minutes later', () => {
    h = harness();
    h.feed({ kind: 'audit-result', device: 'ace1', context: 'VC_WEB', data: { outcome: 'in-sync', hash: 'a' } });
    h.feed({ kind: 'device-restart', id: '199006', device: 'ace1', reason: 'upgrade' });
    expect(h.sync('ace1', 'VC_WEB')).toBe('suspect');
    expect(h.sync('ace1', 'VC_APP')).toBe('unknown');
    h.advance(121_000, 1000);
    expect(targets(h.actions('audit'))).toEqual(['ace1/Admin', 'ace1/VC_APP', 'ace1/VC_DB', 'ace1/VC_WEB']);
  });
});

describe(covers('audit-overdue.yaml'), () => {
  it('alerts once per 6 hours per device', () => {
    h = harness();
    h.feed({
      kind: 'audit-overdue',
      device: 'ace1',
      reason: 'SSH refused',
      data: { lastSuccess: '2026-03-01T00:00:00Z' },
    });
    h.feed({
      kind: 'audit-overdue',
      device: 'ace1',
      reason: 'SSH refused',
      data: { lastSuccess: '2026-03-01T00:00:00Z' },
    });
    expect(alertsOf(h, 'audit-overdue')).toHaveLength(1);
  });
});

describe(covers('ssh-failure.yaml'), () => {
  it('alerts once per device that cannot be logged in to, not once per context', () => {
    h = harness();
    for (const context of ['VC_WEB', 'VC_APP'])
      h.feed({
        kind: 'audit-result',
        device: 'ace1',
        context,
        error: 'authentication failed',
        data: { outcome: 'error', stage: 'connect' },
      });
    h.feed({
      kind: 'ssh-failure',
      device: 'ace1',
      error: 'authentication failed',
      data: { sshKind: 'auth', user: 'admin', passwordEnv: 'ACE_PW', fix: 'check ACE_PW' },
    });
    const alerts = h.actions('alert');
    expect(alerts.map((a) => a.rule)).toEqual(['ssh-login-failed']);
    expect(alerts[0]!.reason).toBe('acesync cannot log in to ace1 over SSH as admin (auth): authentication failed.');
    expect(alertJob(h, 'ssh-login-failed')!.payload.fix).toBe('check ACE_PW');
  });
});

describe('coverage of rules/', () => {
  it('every default rule file has a test above', () => {
    const files = readdirSync(DEFAULT_RULES).filter((f) => f.endsWith('.yaml'));
    expect(files.filter((f) => !COVERED.has(f))).toEqual([]);
  });
});
