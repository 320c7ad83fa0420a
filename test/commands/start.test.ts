/**
 * Where `acesync start` finds its configuration (the built CLI as a child process):
 * --config, else ./acesync.yaml, else /etc/acesync/acesync.yaml, else exit 2 saying how to
 * get one, and never the demo. `npm start` runs `acesync demo` (test/e2e/demo.test.ts).
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SYSTEM_CONFIG_FILE } from '../../src/commands/config-arg.js';
import { ROOT, runCli, startCli, waitStarted } from '../helpers/cli.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
const temp = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'acesync-start-'));
  dirs.push(d);
  return d;
};

describe('acesync start without a configuration', () => {
  it('exits 2 and says how to get one; no demo, no simulators, no files', { timeout: 20_000 }, async () => {
    // The fallback below is /etc/acesync/acesync.yaml: this machine must not have one.
    expect(existsSync(SYSTEM_CONFIG_FILE)).toBe(false);
    const cwd = temp();
    const r = await runCli(['start'], { cwd });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`no ./acesync.yaml in ${cwd}, no /etc/acesync/acesync.yaml`);
    expect(r.stderr).toContain('acesync discover');
    expect(r.stderr).toContain('samples/acesync.yaml');
    expect(r.stderr).toContain('acesync demo');
    expect(r.stderr).not.toMatch(/simulat|In sync/i);
    expect(readdirSync(cwd)).toEqual([]);
  });

  it('a --config that does not exist exits 2 naming it', async () => {
    const cwd = temp();
    const r = await runCli(['start', '--config', 'missing.yaml'], { cwd });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${join(cwd, 'missing.yaml')}: no such file`);
  });

  it('uses ./acesync.yaml of the working directory', { timeout: 30_000 }, async () => {
    const cwd = temp();
    writeFileSync(
      join(cwd, 'acesync.yaml'),
      [
        'store: { path: ./here.db }',
        'syslog: { udp: { host: 127.0.0.1, port: 0 }, tcp: { enabled: false } }',
        'snmp: { enabled: false }',
        'http: { enabled: false }',
        'poller: { enabled: false }',
        'anm: { enabled: false }',
        'devices:',
        '  - { name: ace1, host: 192.0.2.1, contexts: [{ name: VC_WEB }] }',
        '',
      ].join('\n'),
    );
    const r = startCli(['start'], { cwd });
    try {
      await waitStarted(r);
      const started = await r.waitForLog((l) => l.msg === 'acesync started');
      expect(started.store).toBe(join(cwd, 'here.db'));
      expect(started.devices).toBe(1);
      expect(existsSync(join(cwd, 'data'))).toBe(false);
    } finally {
      expect(await r.stop('SIGTERM')).toBe(0);
    }
  });
});

describe('npm start', () => {
  it("runs the demo explicitly ('acesync demo'), with the bin's OpenSSL flag", () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(pkg.scripts.start).toMatch(/dist\/cli\.js demo$/);
  });
});

describe('secrets from files', () => {
  const cfg = (cwd: string): string => {
    const file = join(cwd, 'acesync.yaml');
    writeFileSync(
      file,
      [
        'store: { path: ./s.db }',
        'syslog: { udp: { host: 127.0.0.1, port: 0 }, tcp: { enabled: false } }',
        'snmp: { enabled: false }',
        'http: { enabled: false }',
        'poller: { enabled: false }',
        'anm: { enabled: false }',
        'devices:',
        '  - { name: ace1, host: 192.0.2.1, ssh: { username: u, password_env: ACESYNC_T_PW }, contexts: [{ name: VC }] }',
        '',
      ].join('\n'),
    );
    return file;
  };

  it(
    'reads an unset *_env secret from $CREDENTIALS_DIRECTORY (systemd LoadCredential=)',
    { timeout: 30_000 },
    async () => {
      const cwd = temp();
      const creds = join(cwd, 'creds');
      mkdirSync(creds);
      writeFileSync(join(creds, 'ACESYNC_T_PW'), 's3cret-value\n');
      const without = await runCli(['start', '--config', cfg(cwd)], { cwd, env: { ACESYNC_T_PW: '' } });
      expect(without.code).toBe(2);
      expect(without.stderr).toMatch(/devices\[0\]\.ssh\.password_env: environment variable ACESYNC_T_PW is not set/);
      const r = startCli(['start', '--config', cfg(cwd)], {
        cwd,
        env: { ACESYNC_T_PW: '', CREDENTIALS_DIRECTORY: creds },
      });
      try {
        const log = await r.waitForLog((l) => l.msg === 'secrets read from credential files');
        expect(log.secrets).toEqual([{ name: 'ACESYNC_T_PW', from: join(creds, 'ACESYNC_T_PW') }]);
        await waitStarted(r);
        expect(r.stderr.join('\n')).not.toContain('s3cret-value');
      } finally {
        expect(await r.stop('SIGTERM')).toBe(0);
      }
    },
  );

  it('or from the file named by NAME_FILE', { timeout: 30_000 }, async () => {
    const cwd = temp();
    writeFileSync(join(cwd, 'pw'), 'other-secret');
    const r = startCli(['start', '--config', cfg(cwd)], {
      cwd,
      env: { ACESYNC_T_PW: '', ACESYNC_T_PW_FILE: join(cwd, 'pw') },
    });
    try {
      await waitStarted(r);
      expect(r.stderr.join('\n')).toContain('"from":"' + join(cwd, 'pw') + '"');
    } finally {
      expect(await r.stop('SIGTERM')).toBe(0);
    }
  });
});
