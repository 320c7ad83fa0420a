/** The pure parts of the notifier: labels, payload, grouping decisions, resolution rules. */
import { describe, expect, it } from 'vitest';
import { webhooksSchema } from '../../src/config/sections/webhooks.js';
import { decideGroup, groupAlerts, type GroupTiming } from '../../src/notify/grouping.js';
import { alertFromJob } from '../../src/notify/intake.js';
import { cleanLabels, fingerprint } from '../../src/notify/labels.js';
import { buildPayload, groupKey, ZERO_TIME } from '../../src/notify/payload.js';
import { resolution, type ResolveView } from '../../src/notify/resolve.js';
import type { Job } from '../../src/store/job-queue.js';
import type { ContextState } from '../../src/engine/types.js';
import type { GroupState } from '../../src/store/outbox.js';
import type { NoticedAlert } from '../../src/store/alerts.js';

const T = Date.UTC(2026, 2, 1);

function alert(id: number, over: Partial<NoticedAlert> = {}): NoticedAlert {
  const labels = over.labels ?? { alertname: 'r', severity: 'warning', device: 'ace1', context: `VC_${id}` };
  return {
    id,
    fingerprint: fingerprint(labels),
    alertname: labels.alertname!,
    severity: 'warning',
    device: labels.device ?? '',
    context: labels.context ?? '',
    labels,
    annotations: { summary: `s${id}` },
    status: 'firing',
    startsAt: T,
    lastFiredAt: T,
    fireCount: 1,
    updatedAt: T,
    ...over,
  };
}

const timing: GroupTiming = {
  group_wait_ms: 30_000,
  group_interval_ms: 300_000,
  repeat_interval_ms: 3_600_000,
  send_resolved: true,
};

describe('labels', () => {
  it('fingerprints ignore label order and bound hostile values', () => {
    expect(fingerprint({ a: '1', b: '2' })).toBe(fingerprint({ b: '2', a: '1' }));
    expect(fingerprint({ a: '1' })).not.toBe(fingerprint({ a: '2' }));
    const l = cleanLabels({ ok: 'x\u0007y', 'bad name': 'z', long: 'a'.repeat(10_000), n: 5, nil: null });
    expect(l.ok).toBe('x\ufffdy');
    expect(l['bad name']).toBeUndefined();
    expect(l.long!.length).toBe(256);
    expect(l.n).toBe('5');
    expect('nil' in l).toBe(false);
  });

  it('turns an alert job into an alert keyed by its target', () => {
    const job = {
      id: 7,
      type: 'alert',
      device: 'ace1',
      context: 'VC_WEB',
      dedupe: 'rule-x',
      requests: 3,
      updatedAt: T + 5,
      payload: {
        severity: 'critical',
        summary: 'boom',
        labels: { alertname: 'rule-x', severity: 'critical', device: 'ace1', context: 'VC_WEB', team: 'lb' },
        rule: 'rule-x',
        eventId: 9,
        eventKind: 'config-change',
        at: T,
      },
    } as unknown as Job;
    const a = alertFromJob(job);
    expect(a).toMatchObject({
      alertname: 'rule-x',
      severity: 'critical',
      device: 'ace1',
      context: 'VC_WEB',
      eventKind: 'config-change',
      eventId: 9,
      jobId: 7,
      count: 3,
      at: T,
    });
    expect(a.labels).toEqual({
      alertname: 'rule-x',
      severity: 'critical',
      device: 'ace1',
      context: 'VC_WEB',
      team: 'lb',
    });
    expect(a.annotations).toEqual({ summary: 'boom', rule: 'rule-x' });
  });
});

describe('Alertmanager v4 payload', () => {
  it('has every v4 field, common labels, and truncates beyond max_alerts (firing first)', () => {
    const alerts = [alert(1), alert(2, { status: 'resolved', endsAt: T + 1000 }), alert(3)];
    const p = buildPayload({
      receiver: 'ops',
      groupLabels: { alertname: 'r' },
      alerts,
      externalURL: 'http://x:8080/',
      maxAlerts: 2,
    });
    expect(Object.keys(p).sort()).toEqual([
      'alerts',
      'commonAnnotations',
      'commonLabels',
      'externalURL',
      'groupKey',
      'groupLabels',
      'receiver',
      'status',
      'truncatedAlerts',
      'version',
    ]);
    expect(p.version).toBe('4');
    expect(p.status).toBe('firing');
    expect(p.truncatedAlerts).toBe(1);
    expect(p.alerts.map((a) => a.status)).toEqual(['firing', 'firing']);
    expect(p.commonLabels).toEqual({ alertname: 'r', device: 'ace1', severity: 'warning' });
    expect(p.commonAnnotations).toEqual({});
    expect(p.alerts[0]!.endsAt).toBe(ZERO_TIME);
    expect(p.alerts.map((a) => a.generatorURL).sort()).toEqual([
      'http://x:8080/contexts/ace1/VC_1',
      'http://x:8080/contexts/ace1/VC_3',
    ]);
    expect(groupKey({ device: 'a"b', alertname: 'r' })).toBe('{}:{alertname="r", device="a\\"b"}');
    const resolved = buildPayload({
      receiver: 'ops',
      groupLabels: {},
      alerts: [alerts[1]!],
      externalURL: 'http://x',
      maxAlerts: 10,
    });
    expect(resolved.status).toBe('resolved');
    expect(resolved.alerts[0]!.endsAt).toBe(new Date(T + 1000).toISOString());
  });
});

describe('grouping', () => {
  it('splits by group_by labels', () => {
    const alerts = [alert(1), alert(2), alert(3, { labels: { alertname: 'other', device: 'ace1' } })];
    expect(groupAlerts(alerts, ['alertname'], groupKey).map((g) => g.alerts.length)).toEqual([2, 1]);
    expect(groupAlerts(alerts, ['alertname', 'context'], groupKey)).toHaveLength(3);
  });

  it('waits group_wait, then group_interval for news, and repeats after repeat_interval', () => {
    const a1 = alert(1);
    expect(decideGroup(undefined, [a1], T, timing)).toEqual({ action: 'open', nextFlushAt: T + 30_000 });
    const opened: GroupState = {
      webhook: 'w',
      groupKey: 'k',
      groupLabels: {},
      createdAt: T,
      nextFlushAt: T + 30_000,
      lastItems: [],
    };
    expect(decideGroup(opened, [a1], T + 10_000, timing).action).toBe('none');
    const flush = decideGroup(opened, [a1], T + 30_000, timing);
    expect(flush.action).toBe('flush');
    const sent: GroupState = {
      ...opened,
      lastFlushAt: T + 30_000,
      nextFlushAt: T + 330_000,
      lastItems: [`1@${T}:firing`],
    };
    // Same alert again: nothing new until repeat_interval.
    expect(decideGroup(sent, [a1], T + 400_000, timing).action).toBe('none');
    expect(decideGroup(sent, [a1], T + 30_000 + 3_600_000, timing).action).toBe('flush');
    // A new alert waits for group_interval.
    expect(decideGroup(sent, [a1, alert(2)], T + 100_000, timing).action).toBe('none');
    expect(decideGroup(sent, [a1, alert(2)], T + 330_000, timing).action).toBe('flush');
    // A resolved alert the receiver was told about is news (with send_resolved).
    const r1 = alert(1, { status: 'resolved', endsAt: T + 50_000, notice: 'firing' });
    expect(decideGroup(sent, [r1], T + 330_000, timing).action).toBe('flush');
    expect(decideGroup(sent, [r1], T + 330_000, { ...timing, send_resolved: false }).action).toBe('delete');
    // Resolved and never announced: not a reason to notify by itself.
    expect(decideGroup(undefined, [alert(5, { status: 'resolved', endsAt: T })], T, timing).action).toBe('none');
  });
});

describe('resolution rules', () => {
  const ctx = (over: Partial<ContextState>): ContextState => ({
    device: 'ace1',
    context: 'VC_1',
    sync: 'suspect',
    since: T,
    configured: true,
    reasons: [],
    ...over,
  });
  const view = (c: ContextState | undefined, signals: Record<string, number> = {}, now = T + 10_000): ResolveView => ({
    now,
    resolveTimeoutMs: 3_600_000,
    context: () => c,
    contextsOf: () => (c ? [c] : []),
    signal: (k, d, cx) => signals[`${k}|${d}|${cx}`],
  });
  const a = alert(1, { lastFiredAt: T + 100 });

  it('a context alert clears when the context is confirmed in sync after it fired', () => {
    expect(resolution(a, view(ctx({ sync: 'suspect', since: T + 500 })))).toBeUndefined();
    expect(resolution(a, view(ctx({ sync: 'in-sync', since: T })))).toBeUndefined(); // in sync before the alert
    expect(resolution(a, view(ctx({ sync: 'in-sync', since: T + 500 })))).toMatch(/in sync/);
    expect(
      resolution(a, view(ctx({ sync: 'in-sync', since: T, lastAuditAt: T + 500, lastAuditOutcome: 'in-sync' }))),
    ).toMatch(/in sync/);
    expect(resolution(a, view(ctx({ sync: 'removed', since: T + 500 })))).toBe('context removed');
  });

  it('logging drift and crypto parity clear only by their own signal', () => {
    const drift = { ...a, eventKind: 'logging-drift' };
    expect(resolution(drift, view(ctx({ sync: 'in-sync', since: T + 500 })))).toBeUndefined();
    expect(resolution(drift, view(undefined, { 'logging-clean|ace1|VC_1': T + 50 }))).toBeUndefined(); // before it fired
    expect(resolution(drift, view(undefined, { 'logging-clean|ace1|VC_1': T + 500 }))).toMatch(/logging/);
    expect(
      resolution({ ...a, eventKind: 'crypto-parity' }, view(undefined, { 'crypto-ok|ace1|VC_1': T + 500 })),
    ).toMatch(/certificates/);
  });

  it('a device alert clears on a successful audit; an untargeted one after the timeout', () => {
    const dev = { ...a, context: '' };
    expect(resolution(dev, view(ctx({ lastAuditAt: T + 500, lastAuditOutcome: 'error' })))).toBeUndefined();
    expect(resolution(dev, view(ctx({ lastAuditAt: T + 500, lastAuditOutcome: 'differs' })))).toMatch(/audited/);
    const none = { ...a, device: '', context: '' };
    expect(resolution(none, view(undefined, {}, T + 1000))).toBeUndefined();
    expect(resolution(none, view(undefined, {}, T + 100 + 3_600_000))).toMatch(/not raised again/);
  });
});

describe('webhooks config', () => {
  it('fills Alertmanager-like defaults and refuses secrets in URLs, duplicates and bad labels', () => {
    const [w] = webhooksSchema.parse([{ name: 'ops', url: 'https://hooks.example/x' }]);
    expect(w).toMatchObject({
      send_resolved: true,
      group_by: ['alertname'],
      group_wait_ms: 30_000,
      group_interval_ms: 300_000,
      repeat_interval_ms: 14_400_000,
      max_attempts: 10,
    });
    expect(webhooksSchema.safeParse([{ name: 'a', url: 'https://u:p@h.example/' }]).success).toBe(false);
    expect(webhooksSchema.safeParse([{ name: 'a', url: 'ftp://h.example/' }]).success).toBe(false);
    expect(
      webhooksSchema.safeParse([
        { name: 'a', url: 'http://h/' },
        { name: 'a', url: 'http://h/' },
      ]).success,
    ).toBe(false);
    expect(webhooksSchema.safeParse([{ name: 'a', url: 'http://h/', group_by: ['bad label'] }]).success).toBe(false);
    expect(webhooksSchema.safeParse([{ name: 'a', url: 'http://h/', secret: 'inline' }]).success).toBe(false);
  });
});
