/**
 * Rule reloads are atomic: a bad set is refused and the old one keeps running; timers of
 * unchanged rules survive; SIGHUP and file changes reload the running service.
 */
import { copyFileSync, writeFileSync } from 'node:fs';
import { createSocket } from 'node:dgram';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadRules } from '../../src/engine/loader.js';
import { startCli, waitStarted, type Running } from '../helpers/cli.js';
import { DEFAULT_RULES, harness, rulesFromText, tempDir, testConfig, writeRulesDir } from './helpers.js';

const running: Running[] = [];
afterEach(async () => {
  for (const r of running.splice(0))
    if (r.child.exitCode === null && r.child.signalCode === null) await r.stop('SIGKILL');
});

const EXPECTING = (within: string) => `rules:
  - name: expects
    on: ha-state
    scope: ft-group
    actions:
      - expect: { within: ${within}, event: audit-result, alert: { summary: late } }
  - name: settles
    on: config-change
    actions:
      - audit: { settle: 10s }
  - name: other-expects
    on: device-restart
    scope: device
    actions:
      - expect: { within: 1h, event: audit-result, mark: stale }
`;

describe('Processor.reload', () => {
  it('keeps settle windows and the expectations of unchanged rules, drops those of changed ones', () => {
    const h = harness({ rules: rulesFromText({ 'r.yaml': EXPECTING('15m') }) });
    h.feed({ kind: 'ha-state', device: 'ace1', ftGroup: 3, state: 'ACTIVE' });
    h.feed({ kind: 'device-restart', device: 'ace2' });
    h.feed({ kind: 'config-change', device: 'ace1', context: 'VC_WEB', command: 'x' });
    const kinds = () =>
      h.store
        .timers()
        .map((t) => `${t.kind}:${t.rule}`)
        .sort();
    expect(kinds()).toEqual([
      'expect:expects',
      'expect:expects',
      'expect:other-expects',
      'expect:other-expects',
      'expect:other-expects',
      'expect:other-expects',
      'settle:settles',
    ]);
    const r = h.processor.reload(rulesFromText({ 'r.yaml': EXPECTING('20m') }));
    expect(r.droppedExpectations).toBe(2);
    expect(kinds()).toEqual([
      'expect:other-expects',
      'expect:other-expects',
      'expect:other-expects',
      'expect:other-expects',
      'settle:settles',
    ]);
    expect(h.records.filter((x) => x.kind === 'note' && /rule changed/.test(x.reason ?? ''))).toHaveLength(2);
    // A removed rule's settle window still fires: the audit is owed whatever the rules say now.
    h.processor.reload(rulesFromText({ 'r.yaml': 'rules: []\n' }));
    h.advance(11_000, 1000);
    expect(h.actions('audit')).toHaveLength(1);
    h.close();
  });
});

describe('acesync start: SIGHUP and file changes', () => {
  it('refuses a bad set, keeps the old rules running, and takes the fixed set', async () => {
    const dir = tempDir('acesync-reload-');
    const rules = writeRulesDir({});
    copyFileSync(join(DEFAULT_RULES, 'config-change.yaml'), join(rules, 'config-change.yaml'));
    const cfgPath = join(dir, 'acesync.yaml');
    writeFileSync(
      cfgPath,
      JSON.stringify({
        rules,
        store: { path: join(dir, 'state.db') },
        syslog: { udp: { host: '127.0.0.1', port: 0 }, tcp: { enabled: false } },
        snmp: { enabled: false },
        http: { enabled: false },
        poller: { enabled: false },
        engine: { watch_rules: true },
        devices: [
          { name: 'ace1', host: '192.0.2.1', peer: 'ace2', contexts: [{ name: 'VC_WEB', sources: ['127.0.0.1'] }] },
          { name: 'ace2', host: '192.0.2.2', peer: 'ace1', contexts: [{ name: 'VC_WEB' }] },
        ],
      }),
    );
    const r = startCli(['start', '--config', cfgPath]);
    running.push(r);
    const listeners = await waitStarted(r);
    const udp = listeners.find((l) => l.transport === 'udp')!;

    writeFileSync(
      join(rules, 'broken.yaml'),
      'rules:\n  - name: broken\n    on: config-change\n    actions:\n      - audit: { scope: nowhere }\n',
    );
    r.child.kill('SIGHUP');
    const refused = await r.waitForLog((l) => l.msg === 'rules refused; the previous rules keep running');
    expect(JSON.stringify(refused.problems)).toMatch(/broken\.yaml:5:\d+ rules\[0\]\.actions\[0\]\.audit\.scope/);

    // The old set still decides.
    const sock = createSocket('udp4');
    const line = "<189>Mar  1 2026 10:00:00 ace1: %ACE-5-111008: User 'admin' executed the 'rserver host r9' command.";
    await new Promise<void>((res, rej) => sock.send(line, udp.port, '127.0.0.1', (err) => (err ? rej(err) : res())));
    sock.close();
    const st = await r.waitForLog((l) => l.to === 'suspect' && l.device === 'ace1' && l.context === 'VC_WEB');
    expect(st.rule).toBe('config-change-marks-suspect');

    // Fixing the file is picked up by the watcher, without a signal.
    writeFileSync(
      join(rules, 'broken.yaml'),
      'rules:\n  - name: fixed\n    on: config-change\n    actions:\n      - audit: { scope: peer }\n',
    );
    const ok = await r.waitForLog((l) => l.msg === 'rules reloaded' && l.rules === 2, 10_000);
    expect(ok.trigger).toBe('file change');
    expect(await r.stop('SIGTERM')).toBe(0);
  });
});

describe('loadRules', () => {
  it('loads the default rules folder', () => {
    const rs = loadRules(DEFAULT_RULES, { engine: testConfig().engine });
    expect(rs.rules.length).toBeGreaterThan(15);
    expect(new Set(rs.rules.map((r) => r.name)).size).toBe(rs.rules.length);
  });
});

describe('rules/examples', () => {
  it('validate with the variables they document', () => {
    const engine = { ...testConfig().engine, variables: { lab_contexts: ['VC_LAB'], automation_users: ['ansible'] } };
    const rs = loadRules(join(DEFAULT_RULES, 'examples'), { engine });
    expect(rs.rules.map((r) => r.name)).toEqual(['quiet-lab-contexts', 'change-outside-window']);
    const h = harness({ rules: rs });
    h.feed({ kind: 'config-change', device: 'ace1', context: 'VC_LAB', user: 'bob', command: 'x' });
    h.feed({ kind: 'config-change', device: 'ace1', context: 'VC_WEB', user: 'ansible', command: 'x' });
    h.feed({ kind: 'config-change', device: 'ace1', context: 'VC_WEB', user: 'bob', command: 'x' });
    expect(h.actions('alert').map((a) => a.rule)).toEqual(['change-outside-window']);
    h.close();
  });
});
