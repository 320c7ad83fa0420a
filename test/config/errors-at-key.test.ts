/**
 * Configuration mistakes reported at the key a person must edit: unknown keys at the key
 * itself with a "did you mean", files named by the config, busy ports, unit-less rule
 * durations; and what is accepted (a device's address again on its Admin context).
 */
import { createSocket, type Socket } from 'node:dgram';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfigText } from '../../src/config/load.js';
import { FileProblemsError } from '../../src/core/errors.js';
import { Inventory } from '../../src/inventory/inventory.js';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../engine/helpers.js';

function problems(text: string): FileProblemsError {
  try {
    loadConfigText(text, 'a.yaml', {});
  } catch (err) {
    if (err instanceof FileProblemsError) return err;
    throw err;
  }
  throw new Error('expected a FileProblemsError');
}

const MINIMAL = [
  'syslog: { udp: { host: 127.0.0.1, port: 0 }, tcp: { enabled: false } }',
  'snmp: { enabled: false }',
  'http: { enabled: false }',
  'poller: { enabled: false }',
  'anm: { enabled: false }',
  'store: { path: ./s.db }',
].join('\n');

describe('unknown keys', () => {
  it('are located at the key itself, one problem each, with a did-you-mean from the schema', () => {
    const err = problems(
      [
        'syslog:',
        '  udp: { port: 0 }',
        'pollr:',
        '  interval_ms: 60000',
        'anm:',
        '  enabld: true',
        'devices:',
        '  - name: a',
        '    host: 192.0.2.1',
        '    contexts: [{ name: VC, ft_grup: 1 }]',
        'zzzzzz: 1',
      ].join('\n'),
    );
    const byMsg = (re: RegExp) => err.problems.find((p) => re.test(p.message))!;
    expect(byMsg(/'pollr'/)).toMatchObject({
      line: 3,
      column: 1,
      message: "unknown key 'pollr' (did you mean 'poller'?)",
    });
    expect(byMsg(/'enabld'/)).toMatchObject({
      line: 6,
      column: 3,
      path: 'anm',
      message: "unknown key 'enabld' (did you mean 'enabled'?)",
    });
    expect(byMsg(/'ft_grup'/)).toMatchObject({
      line: 10,
      column: 28,
      message: "unknown key 'ft_grup' (did you mean 'ft_group'?)",
    });
    // Nothing close: the known keys are listed instead.
    expect(byMsg(/'zzzzzz'/).message).toMatch(
      /known keys here: syslog, snmp, http, store, rules, log, devices, poller/,
    );
    expect(byMsg(/'zzzzzz'/).line).toBe(11);
  });
});

describe('sources', () => {
  it("accepts a device's address again on its Admin context; the context is the attribution", () => {
    const text = `devices:
  - name: ace-a
    host: 192.0.2.1
    sources: [192.0.2.1]
    contexts:
      - { name: Admin, sources: [192.0.2.1] }
      - { name: VC_WEB, sources: [198.51.100.2] }
`;
    const { config } = loadConfigText(text, 'a.yaml', {});
    expect(Inventory.fromConfig(config).lookupSource('192.0.2.1')).toEqual({ device: 'ace-a', context: 'Admin' });
  });

  it("still refuses another device's address, saying how to fix it", () => {
    const err = problems(`devices:
  - { name: a, host: 192.0.2.1, sources: [192.0.2.1] }
  - { name: b, host: 192.0.2.2, contexts: [{ name: VC, sources: [192.0.2.1] }] }
`);
    expect(err.problems[0]!.message).toMatch(
      /already claimed by a \(list an address once: under the device, or under the one context/,
    );
    expect(err.problems[0]!.line).toBe(3);
  });
});

describe('files and ports through acesync start (exit 2 / exit 1 naming the key)', () => {
  let held: Socket | undefined;
  afterAll(async () => {
    if (held) await new Promise<void>((r) => held!.close(() => r()));
  });

  it('a missing anm.ca_file is file:line:col anm.ca_file: reason, exit 2', async () => {
    const dir = tempDir('acesync-keys-');
    const cfg = join(dir, 'acesync.yaml');
    writeFileSync(
      cfg,
      `${MINIMAL.replace('anm: { enabled: false }', 'anm:\n  enabled: true\n  url: https://anm.example.net\n  username: u\n  password_env: ANM_PW\n  ca_file: ca.pem')}\ndevices: [{ name: a, host: 192.0.2.1 }]\n`,
    );
    const r = await runCli(['start', '--config', cfg], { env: { ANM_PW: 'x' } });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${cfg}:10:12 anm.ca_file: ${join(dir, 'ca.pem')}: no such file`);
    expect(r.stderr).not.toMatch(/ at .*\.js:\d+/);
  });

  it('a busy syslog port names syslog.udp.port at its line, exit 1', { timeout: 20_000 }, async () => {
    const sock = createSocket('udp4');
    held = sock;
    await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
    const port = sock.address().port;
    const dir = tempDir('acesync-keys-');
    const cfg = join(dir, 'acesync.yaml');
    writeFileSync(cfg, `${MINIMAL.replace('port: 0 }', `port: ${port} }`)}\ndevices: [{ name: a, host: 192.0.2.1 }]\n`);
    const r = await runCli(['start', '--config', cfg]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      new RegExp(
        `acesync\\.yaml:1:\\d+ syslog\\.udp\\.port: syslog UDP cannot bind 127\\.0\\.0\\.1:${port}: .*EADDRINUSE`,
      ),
    );
  });

  it('warns at start-up about no devices and about two devices with one host', { timeout: 20_000 }, async () => {
    const dir = tempDir('acesync-keys-');
    const cfg = join(dir, 'acesync.yaml');
    writeFileSync(cfg, `${MINIMAL}\ndevices:\n  - { name: a, host: 192.0.2.1 }\n  - { name: b, host: 192.0.2.1 }\n`);
    const r = await runCli(['start', '--config', cfg], { timeoutMs: 4_000 });
    // Killed by the timeout once started: only the log matters here.
    expect(r.stderr).toMatch(
      /"level":(40|"warn").*devices\[1\]\.host: 192\.0\.2\.1 is also the host of devices\[0\] \(a\)/,
    );
  });
});

describe('rule durations', () => {
  it('refuses a number without a unit (settle: 5 was 5 ms), at its line', async () => {
    const dir = tempDir('acesync-keys-');
    mkdirSync(join(dir, 'rules'));
    writeFileSync(
      join(dir, 'rules', 'r.yaml'),
      'rules:\n  - name: r\n    on: config-change\n    actions:\n      - audit: { settle: 5 }\n',
    );
    const r = await runCli(['rules', 'check', join(dir, 'rules')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /r\.yaml:5:\d+ rules\[0\]\.actions\[0\]\.audit\.settle: duration 5 has no unit: write 5ms, 5s or 5m/,
    );
    writeFileSync(
      join(dir, 'rules', 'r.yaml'),
      'rules:\n  - name: r\n    on: config-change\n    actions:\n      - audit: { settle: 5s }\n',
    );
    expect((await runCli(['rules', 'check', join(dir, 'rules')])).code).toBe(0);
  });
});
