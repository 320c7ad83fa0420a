/**
 * `acesync config check` and the readers that never need secrets, through the built CLI
 * (real files, child processes; `npm run build` first).
 */
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, runCli } from '../helpers/cli.js';
import { change, harness, tempDir } from '../engine/helpers.js';

const SAMPLE = resolve(ROOT, 'samples/acesync.yaml');
const SECRETS = ['ACE_PASSWORD', 'ANM_PASSWORD', 'SNMP_AUTH_KEY', 'SNMP_PRIV_KEY'];
/** The test's environment without the sample's secrets, whatever the machine has set. */
const bare = (): NodeJS.ProcessEnv => {
  const env = { ...process.env };
  for (const k of SECRETS) delete env[k];
  return env;
};
const allSet = (): NodeJS.ProcessEnv => ({ ...bare(), ...Object.fromEntries(SECRETS.map((k) => [k, 'x'])) });
/** runCli merges env into process.env; pass every key, unset ones as empty strings ('' counts as unset). */
const run = (args: string[], env: NodeJS.ProcessEnv, cwd = ROOT) =>
  runCli(args, { cwd, env: { ...env, ...Object.fromEntries(SECRETS.filter((k) => !env[k]).map((k) => [k, ''])) } });

describe('acesync config check', () => {
  it('passes the sample without its secrets and lists them as unset', async () => {
    const r = await run(['config', 'check', SAMPLE], bare());
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/acesync\.yaml: OK: 2 devices, 6 contexts, \d+ rules/);
    expect(r.stdout).toMatch(/devices\[0\]\.ssh\.password_env +environment variable ACE_PASSWORD: UNSET/);
    expect(r.stdout).toMatch(/anm\.password_env +environment variable ANM_PASSWORD: UNSET/);
  });

  it('--secrets fails on the unset ones, at their keys (file:line:col key: reason), exit 2', async () => {
    const r = await run(['config', 'check', SAMPLE, '--secrets'], bare());
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(
      /acesync\.yaml:\d+:\d+ devices\[0\]\.ssh\.password_env: environment variable ACE_PASSWORD is not set/,
    );
    expect(r.stderr).toMatch(/acesync\.yaml:\d+:\d+ anm\.password_env: environment variable ANM_PASSWORD is not set/);
    const ok = await run(['config', 'check', SAMPLE, '--secrets'], allSet());
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/anm\.password_env +environment variable ANM_PASSWORD: set/);
    expect(ok.stdout).not.toContain('UNSET');
  });

  it('reports missing files at their keys and bad rule files at their lines, exit 2', async () => {
    const dir = tempDir('acesync-cc-');
    const cfg = join(dir, 'acesync.yaml');
    writeFileSync(
      cfg,
      [
        'rules: ./no-rules-here',
        'anm:',
        '  enabled: true',
        '  url: https://anm.example.net:8443',
        '  username: u',
        '  password_env: ANM_PASSWORD',
        '  ca_file: ./missing-ca.pem',
        'devices:',
        '  - { name: a, host: 192.0.2.1, ssh: { username: u, private_key_file: ./id_missing } }',
        '',
      ].join('\n'),
    );
    const r = await run(['config', 'check', cfg], bare());
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${cfg}:1:8 rules: ${join(dir, 'no-rules-here')}: no such file or folder`);
    expect(r.stderr).toContain(`${cfg}:7:12 anm.ca_file: ${join(dir, 'missing-ca.pem')}: no such file`);
    // The private key is a secret: listed, required only with --secrets (and by start).
    writeFileSync(
      cfg,
      ['devices:', '  - { name: a, host: 192.0.2.1, ssh: { username: u, private_key_file: ./id_missing } }', ''].join(
        '\n',
      ),
    );
    const k = await run(['config', 'check', cfg], bare());
    expect(k.code, k.stderr).toBe(0);
    expect(k.stdout).toMatch(/devices\[0\]\.ssh\.private_key_file +file .*id_missing: UNSET/);
    const ks = await run(['config', 'check', cfg, '--secrets'], bare());
    expect(ks.code).toBe(2);
    expect(ks.stderr).toMatch(
      /acesync\.yaml:2:\d+ devices\[0\]\.ssh\.private_key_file: cannot read .*id_missing \(ENOENT\)/,
    );
    const start = await run(['start', '--config', cfg], bare());
    expect(start.code).toBe(2);
    expect(start.stderr).toMatch(/acesync\.yaml:2:\d+ devices\[0\]\.ssh\.private_key_file: cannot read/);

    mkdirSync(join(dir, 'rules'));
    writeFileSync(join(dir, 'rules', 'bad.yaml'), 'rules:\n  - name: x\n    on: nothing-like-this\n    actions: []\n');
    writeFileSync(cfg, 'rules: ./rules\ndevices: [{ name: a, host: 192.0.2.1 }]\n');
    const b = await run(['config', 'check', cfg], bare());
    expect(b.code).toBe(2);
    expect(b.stderr).toMatch(/bad\.yaml:3:\d+ rules\[0\]\.on/);
  });

  it('warns about no devices and two devices with the same host', async () => {
    const dir = tempDir('acesync-cc-');
    const cfg = join(dir, 'acesync.yaml');
    writeFileSync(cfg, 'devices: []\n');
    const none = await run(['config', 'check', cfg], bare());
    expect(none.code, none.stderr).toBe(0);
    expect(none.stdout).toMatch(/warning: .*acesync\.yaml:1:\d+ devices: no devices/);
    writeFileSync(cfg, 'devices:\n  - { name: a, host: 192.0.2.1 }\n  - { name: b, host: 192.0.2.1 }\n');
    const dup = await run(['config', 'check', cfg], bare());
    expect(dup.code).toBe(0);
    expect(dup.stdout).toMatch(
      /warning: .*acesync\.yaml:3:\d+ devices\[1\]\.host: 192\.0\.2\.1 is also the host of devices\[0\] \(a\)/,
    );
  });
});

describe('readers never need secrets', () => {
  it('rules check, replay and explain run on the sample with its secrets unset', async () => {
    const rules = await run(['rules', 'check', '--config', SAMPLE], bare());
    expect(rules.code, rules.stderr).toBe(0);
    expect(rules.stdout).toMatch(/^rules OK: \d+ rules/);
    const replay = await run(
      ['replay', '--config', SAMPLE, join(ROOT, 'samples/syslog/config-change-active.log')],
      bare(),
    );
    expect(replay.code, replay.stderr).toBe(0);
    expect(replay.stderr).toMatch(/replayed \d+ lines/);
    const explain = await run(['explain', 'ace-dc1-a', 'VC_WEB', '--config', SAMPLE], bare());
    // No database at /var/lib/acesync here: exit 1 saying so, not a secrets error.
    expect(explain.code).toBe(1);
    expect(explain.stderr).toContain('no state database at /var/lib/acesync/acesync.db');
    expect(explain.stderr).not.toMatch(/not set/);
  });

  it("explain next to the demo reads the demo's data/demo.db when data/acesync.db is absent", async () => {
    const cwd = tempDir('acesync-demo-db-');
    mkdirSync(join(cwd, 'data'));
    const h = harness({ path: join(cwd, 'data', 'demo.db') });
    h.feed(change('ace1', 'VC_WEB', 'rserver host r7', 'oper1'));
    h.close();
    const r = await run(['explain', 'ace1', 'VC_WEB'], bare(), cwd);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`reading the demo's ${join(cwd, 'data', 'demo.db')}`);
    expect(r.stdout).toMatch(/^ace1\/VC_WEB: suspect since /);
    // The service's own database wins when it exists.
    copyFileSync(join(cwd, 'data', 'demo.db'), join(cwd, 'data', 'acesync.db'));
    const own = await run(['explain', 'ace1', 'VC_WEB'], bare(), cwd);
    expect(own.code).toBe(0);
    expect(own.stderr).toBe('');
  });
});
