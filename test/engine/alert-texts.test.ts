/**
 * The texts every default rule's alerts carry (summary and fix), rendered from realistic
 * events and from events missing every optional field: each alert says what to do (a CLI
 * line or an acesync command), and no text is left with an empty placeholder (`harmful .`,
 * `ANM )`). Pure: the rule files compiled as the service loads them, templates rendered.
 */
import { describe, expect, it } from 'vitest';
import type { AceEvent } from '../../src/core/events.js';
import type { StateField } from '../../src/engine/fields.js';
import { loadRules } from '../../src/engine/loader.js';
import { compileTemplate, undoCommand, type Template } from '../../src/engine/template.js';
import type { AlertSpec, CompiledRule } from '../../src/engine/types.js';
import { loggingFix } from '../../src/devices/logging-drift.js';
import { DEFAULT_RULES } from './helpers.js';

const ruleset = loadRules(DEFAULT_RULES, {
  engine: { anm_users: ['anm'], variables: {}, default_settle_ms: 5000, max_settle_ms: 60_000 },
});

function alertsOf(rule: CompiledRule): AlertSpec[] {
  const out: AlertSpec[] = [];
  for (const a of rule.actions) {
    if (a.type === 'alert') out.push(a);
    if (a.type === 'expect' && a.onExpiry.alert) out.push(a.onExpiry.alert);
  }
  return out;
}

const ALERTING = ruleset.rules.filter((r) => alertsOf(r).length > 0);

/** A realistic event per alerting rule, and what its fix must tell the operator. */
const REALISTIC: Record<string, { event: AceEvent; state?: Record<string, unknown>; fix: string[] }> = {
  'audit-overdue': {
    event: { kind: 'audit-overdue', transport: 'poll', device: 'ace1', reason: 'never audited successfully' },
    fix: ['POST /api/v1/devices/ace1/audit', 'ssh'],
  },
  'audit-failed-notice': {
    event: {
      kind: 'audit-result',
      transport: 'poll',
      device: 'ace1',
      context: 'VC_WEB',
      error: "'show running-config' timed out",
      data: { outcome: 'error' },
    },
    fix: ['changeto VC_WEB', 'show running-config', '/api/v1/contexts/ace1/VC_WEB/resync'],
  },
  'context-absent-configured': {
    event: { kind: 'context-lifecycle', transport: 'poll', device: 'ace1', context: 'VC_OLD', change: 'absent' },
    fix: ['devices[].contexts', 'POST /api/v1/reload', 'context VC_OLD'],
  },
  'crypto-parity-mismatch': {
    event: {
      kind: 'crypto-parity',
      transport: 'poll',
      device: 'ace1',
      context: 'VC_WEB',
      data: { peer: 'ace2', ok: false, missingOnDevice: [], missingOnPeer: ['web.pem'], different: [] },
    },
    fix: ['crypto export FILE terminal', 'crypto import terminal FILE', 'show crypto files'],
  },
  'failover-marks-group-suspect': {
    event: { kind: 'ha-state', transport: 'udp', device: 'ace1', context: 'VC_WEB', ftGroup: 2, state: 'ACTIVE' },
    fix: ['show ft group status', '/api/v1/contexts/ace1/VC_WEB/resync'],
  },
  'failover-notice': {
    event: { kind: 'ha-state', transport: 'udp', device: 'ace1', ftGroup: 2, state: 'ACTIVE', reason: 'peer down' },
    fix: ['show ft history'],
  },
  'ingest-loss-notice': {
    event: {
      kind: 'ingest-loss',
      transport: 'internal',
      reason: 'kernel receive buffer overflow',
      data: { dropped: 120, sources: ['10.0.0.1'] },
    },
    fix: ['net.core.rmem_max', 'syslog.udp.recv_buffer_bytes', 'syslog.tcp.max_connections_per_source'],
  },
  'logging-silenced': {
    event: {
      kind: 'logging-change',
      transport: 'udp',
      device: 'ace2',
      context: 'VC_WEB',
      user: 'admin',
      command: 'no logging host 10.0.0.9 udp/514',
    },
    fix: ['changeto VC_WEB', 'logging host 10.0.0.9 udp/514', 'logging enable'],
  },
  'logging-changed': {
    event: {
      kind: 'logging-change',
      transport: 'udp',
      device: 'ace2',
      context: 'VC_WEB',
      user: 'admin',
      command: 'logging facility 21',
    },
    fix: ['show running-config | include logging', 'no logging facility 21'],
  },
  'logging-drift': {
    event: {
      kind: 'logging-drift',
      transport: 'poll',
      device: 'ace2',
      context: 'VC_WEB',
      data: {
        missing: ['logging host 127.0.0.1'],
        fix: loggingFix({ missing: ['logging host 127.0.0.1'] }, 5),
      },
    },
    fix: ['changeto VC_WEB', 'logging host 127.0.0.1 udp/514'],
  },
  'ssh-login-failed': {
    event: {
      kind: 'ssh-failure',
      transport: 'poll',
      device: 'ace1',
      error: '10.0.0.1: authentication failed',
      data: { sshKind: 'auth', user: 'acesync', fix: "check that user 'acesync' exists on ace1" },
    },
    fix: ["check that user 'acesync' exists on ace1"],
  },
  'change-on-standby': {
    event: {
      kind: 'config-change',
      transport: 'udp',
      device: 'ace2',
      context: 'VC_WEB',
      user: 'admin',
      command: 'rserver host web9',
    },
    state: { role: 'STANDBY_HOT', ft_group: 2 },
    fix: ['no rserver host web9', 'active peer'],
  },
  'standby-cold': {
    event: { kind: 'ha-state', transport: 'udp', device: 'ace2', ftGroup: 2, state: 'STANDBY_COLD' },
    fix: ['show ft config-error', 'crypto import', 'ft auto-sync running-config'],
  },
  'replication-failure': {
    event: {
      kind: 'ha-state',
      id: '727005',
      transport: 'udp',
      device: 'ace2',
      context: 'VC_WEB',
      error: 'config sync failed',
    },
    fix: ['changeto VC_WEB', 'show ft config-error', 'crypto import terminal FILE'],
  },
  'suspicious-lifecycle-source': {
    event: {
      kind: 'suspicious-source',
      transport: 'udp',
      device: 'ace1',
      context: 'VC_WEB',
      source: '10.0.0.77',
      data: { change: 'added', target: 'EVIL' },
    },
    fix: ['sources:', 'add-to-sources'],
  },
  'context-creation-refused': {
    event: {
      kind: 'lifecycle-refused',
      transport: 'udp',
      device: 'ace1',
      context: 'Admin',
      data: { change: 'added', target: 'VC_99', reason: 'context-cap', limit: 250 },
    },
    fix: ['show context', 'engine.max_contexts_per_device'],
  },
  'upload-failed': {
    event: {
      kind: 'upload-result',
      transport: 'action',
      device: 'ace1',
      context: 'VC_WEB',
      data: { outcome: 'failed', strategy: 'http', error: 'HTTP 500', attempts: 5 },
    },
    fix: ['acesync anm check', 'CLI > ANM Sync', '/api/v1/contexts/ace1/VC_WEB/acknowledge-upload'],
  },
  // One alert per pair: the notifier replaces its texts (procedure-alert.ts, tested there).
  'upload-waiting-operator': {
    event: {
      kind: 'upload-result',
      transport: 'action',
      device: 'ace1',
      context: 'VC_WEB',
      data: { outcome: 'waiting-operator', strategy: 'manual' },
    },
    fix: [],
  },
};

const stateOf =
  (s: Record<string, unknown> = {}) =>
  (f: StateField): unknown =>
    s[f];

/** A placeholder left empty, or punctuation glued to nothing. */
const EMPTY_SPOT = /\(\s*\)|\(\s*[,;:]|\s[.;:,)]|:\s*$|'\s*'|\s{2,}/;

function texts(spec: AlertSpec): Array<[string, Template]> {
  return [['summary', spec.summary] as [string, Template]].concat(spec.fix ? [['fix', spec.fix]] : []);
}

describe('default rules: alert texts', () => {
  it('every alerting default rule is covered here, and each has a fix (but the folded manual procedure)', () => {
    expect(ALERTING.map((r) => r.name).sort()).toEqual(Object.keys(REALISTIC).sort());
    for (const r of ALERTING)
      for (const a of alertsOf(r))
        if (r.name !== 'upload-waiting-operator') expect(a.fix, `${r.name} has no fix`).toBeDefined();
  });

  for (const [name, x] of Object.entries(REALISTIC)) {
    it(`${name}: realistic data renders every field and the fix names what to type`, () => {
      const rule = ALERTING.find((r) => r.name === name)!;
      for (const spec of alertsOf(rule)) {
        for (const [what, t] of texts(spec)) {
          expect(t.blanks(x.event, stateOf(x.state)), `${name} ${what}: ${t.source}`).toEqual([]);
          const out = t.render(x.event, stateOf(x.state));
          expect(out, `${name} ${what}`).not.toMatch(EMPTY_SPOT);
        }
        const fix = spec.fix?.render(x.event, stateOf(x.state)) ?? '';
        for (const want of x.fix) expect(fix, `${name} fix`).toContain(want);
      }
    });

    it(`${name}: an event missing every optional field leaves no empty placeholder`, () => {
      const rule = ALERTING.find((r) => r.name === name)!;
      const bare: AceEvent = {
        kind: x.event.kind,
        transport: x.event.transport,
        ...(x.event.device ? { device: x.event.device } : {}),
        ...(x.event.context ? { context: x.event.context } : {}),
        ...(x.event.id ? { id: x.event.id } : {}),
        ...(x.event.command ? { command: x.event.command } : {}),
      };
      const templates: Array<[string, Template]> = alertsOf(rule).flatMap(texts);
      if (rule.reason) templates.push(['reason', rule.reason]);
      for (const [what, t] of templates) {
        expect(t.blanks(bare), `${name} ${what}: ${t.source}`).toEqual([]);
        expect(t.render(bare), `${name} ${what}`).not.toMatch(EMPTY_SPOT);
      }
    });
  }

  it("every default rule's reasons (the Why chain) leave no empty placeholder when optional fields are missing", () => {
    for (const r of ruleset.rules) {
      const bare: AceEvent = {
        kind: [...(r.kinds ?? [])][0] ?? 'config-change',
        transport: 'udp',
        device: 'ace1',
        context: 'VC_WEB',
        // Rules on commands only match events that carry one.
        command: 'rserver host web1',
      };
      const reasons = [r.reason, ...r.actions.map((a) => ('reason' in a ? a.reason : undefined))];
      for (const t of reasons.filter((x): x is Template => x !== undefined))
        expect(t.blanks(bare), `${r.name}: ${t.source}`).toEqual([]);
    }
  });

  it('renders the logging-drift alert an operator can paste from', () => {
    const spec = alertsOf(ALERTING.find((r) => r.name === 'logging-drift')!)[0]!;
    const e = REALISTIC['logging-drift']!.event;
    expect(spec.summary.render(e)).toBe(
      'Logging settings of VC_WEB on ace2 are incomplete: missing logging host 127.0.0.1; harmful nothing. ' +
        'Changes there may go unnoticed by ANM and acesync.',
    );
    expect(spec.fix!.render(e)).toBe(
      'On ace2: changeto VC_WEB; configure; logging host 127.0.0.1 udp/514. The alert resolves at the next audit ' +
        'that finds them.',
    );
  });
});

describe('template filters', () => {
  it('|or: fills a missing or empty field, |undo reverts a command, unknown filters are load errors', () => {
    const t = compileTemplate('harmful {data.harmful|or:nothing}; undo: {command|undo}') as Template;
    expect(t.render({ kind: 'logging-drift', transport: 'poll', data: { harmful: [] } })).toBe(
      'harmful nothing; undo: not known',
    );
    expect(
      t.render({ kind: 'config-change', transport: 'udp', command: 'no logging enable', data: { harmful: ['x'] } }),
    ).toBe('harmful x; undo: logging enable');
    expect(undoCommand('logging  fastpath')).toBe('no logging fastpath');
    expect(undoCommand('NO logging message 111008')).toBe('logging message 111008');
    expect(compileTemplate('{command|shout}')).toMatch(/unknown filter 'shout'/);
    expect(compileTemplate('{command|or:}')).toMatch(/'or:' needs the text/);
    expect((compileTemplate('{user} ran') as Template).blanks({ kind: 'noise', transport: 'udp' })).toEqual(['user']);
  });

  it('loggingFix: missing lines with the UDP port, harmful ones reverted, a lowered trap level fixed once', () => {
    expect(
      loggingFix(
        {
          missing: ['logging enable', 'logging host 10.0.0.9', 'logging trap 5'],
          harmful: [
            'logging trap 3',
            'logging fastpath',
            'no logging message 111008',
            'logging message 111008 level 7',
          ],
        },
        5,
      ),
    ).toBe(
      'logging enable; logging host 10.0.0.9 udp/514; logging trap 5; no logging fastpath; logging message 111008; ' +
        'logging message 111008 level 5',
    );
  });
});
