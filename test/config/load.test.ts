import { describe, it, expect } from 'vitest';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfigText, loadConfigFile, defaultConfig } from '../../src/config/load.js';
import { FileProblemsError } from '../../src/core/errors.js';

function problems(fn: () => unknown): FileProblemsError {
  try {
    fn();
  } catch (err) {
    if (err instanceof FileProblemsError) return err;
    throw err;
  }
  throw new Error('expected a FileProblemsError');
}

const GOOD = `
syslog:
  udp: { host: 127.0.0.1, port: 0 }
  tcp: { enabled: true, port: 0 }
snmp:
  port: 0
  communities: [acepub]
http: { port: 0 }
store: { path: data/test.db }
rules: ./myrules
devices:
  - name: ace-a
    host: 10.1.1.1
    peer: ace-b
    sources: [10.1.1.1]
    ssh: { username: acesync, password_env: ACE_PW }
    contexts:
      - { name: C1, ft_group: 2, sources: [10.2.1.1] }
  - name: ace-b
    host: 10.1.1.2
    peer: ace-a
    ssh: { password_env: ACE_PW }
`;

describe('loadConfigText()', () => {
  it('fills defaults and resolves relative paths against the file', () => {
    const { config } = loadConfigText(GOOD, '/etc/acesync/acesync.yaml', { ACE_PW: 'x' });
    expect(config.syslog.udp.recv_buffer_bytes).toBe(8 * 1024 * 1024);
    expect(config.syslog.accept_unknown_sources).toBe(false);
    expect(config.http.host).toBe('127.0.0.1');
    expect(config.store.path).toBe('/etc/acesync/data/test.db');
    expect(config.rules).toBe('/etc/acesync/myrules');
    expect(config.devices[0]!.ssh.port).toBe(22);
    expect(config.devices[0]!.contexts[0]!.ft_group).toBe(2);
  });

  it('store.git_mirror is optional and relative to the file', () => {
    expect(loadConfigText(GOOD, '/etc/acesync/acesync.yaml', { ACE_PW: 'x' }).config.store.git_mirror).toBeUndefined();
    const text = GOOD.replace('store: { path: data/test.db }', 'store: { path: data/test.db, git_mirror: history }');
    expect(loadConfigText(text, '/etc/acesync/acesync.yaml', { ACE_PW: 'x' }).config.store.git_mirror).toBe(
      '/etc/acesync/history',
    );
    const empty = GOOD.replace('store: { path: data/test.db }', "store: { path: data/test.db, git_mirror: '' }");
    expect(problems(() => loadConfigText(empty, 'a.yaml', { ACE_PW: 'x' })).problems[0]!.path).toBe('store.git_mirror');
  });

  it('rejects unknown keys with file, line and key path', () => {
    const text = GOOD.replace('  udp: { host: 127.0.0.1, port: 0 }', '  udp: { host: 127.0.0.1, port: 0 }\n  udpp: 1');
    const err = problems(() => loadConfigText(text, 'a.yaml', { ACE_PW: 'x' }));
    expect(err.code).toBe('ACESYNC_CONFIG_INVALID');
    const p = err.problems[0]!;
    expect(p.file).toBe('a.yaml');
    expect(p.line).toBe(4);
    expect(p.path).toBe('syslog');
    expect(p.message).toMatch(/unknown key 'udpp'/);
  });

  it('reports a wrong type at the line of the value, saying what was expected', () => {
    const text = GOOD.replace('http: { port: 0 }', 'http:\n  port: eighty');
    const err = problems(() => loadConfigText(text, 'b.yaml', { ACE_PW: 'x' }));
    const p = err.problems.find((x) => x.path === 'http.port')!;
    expect(p.line).toBe(9);
    expect(p.message).toMatch(/number/);
  });

  it('reports every problem, not just the first', () => {
    const text = GOOD.replace('peer: ace-b', 'peer: ace-z').replace('sources: [10.1.1.1]', 'sources: [not-an-ip]');
    const err = problems(() => loadConfigText(text, 'c.yaml', { ACE_PW: 'x' }));
    const paths = err.problems.map((p) => p.path);
    expect(paths).toContain('devices[0].sources[0]');
    expect(err.message).toMatch(/c\.yaml:\d+/);
  });

  it('checks peers are mutual and sources are not claimed twice', () => {
    const text = GOOD.replace('    peer: ace-a\n', '    peer: ace-a\n    sources: [10.2.1.1]\n');
    const err = problems(() => loadConfigText(text, 'd.yaml', { ACE_PW: 'x' }));
    expect(err.problems.some((p) => /already claimed by ace-a\/C1/.test(p.message))).toBe(true);
  });

  it('fails when a referenced secret is not set, naming the key and variable, never a value', () => {
    const err = problems(() => loadConfigText(GOOD, 'e.yaml', {}));
    expect(err.code).toBe('ACESYNC_CONFIG_SECRET_MISSING');
    expect(err.problems[0]!.path).toBe('devices[0].ssh.password_env');
    expect(err.problems[0]!.message).toMatch(/ACE_PW is not set/);
  });

  it('reports YAML syntax errors with their line', () => {
    const err = problems(() => loadConfigText('syslog:\n  udp: [1, 2\n', 'f.yaml'));
    expect(err.problems[0]!.line).toBeGreaterThanOrEqual(2);
    expect(err.problems[0]!.message).toMatch(/YAML syntax/);
  });

  it('refuses a password written into the file instead of an env reference', () => {
    const text = GOOD.replace('password_env: ACE_PW }\n    contexts', 'password: hunter2 }\n    contexts');
    const err = problems(() => loadConfigText(text, 'g.yaml', { ACE_PW: 'x' }));
    expect(err.problems[0]!.message).toMatch(/unknown key 'password'/);
    expect(err.message).not.toMatch(/hunter2/);
  });
});

describe('loadConfigFile() / defaultConfig()', () => {
  it('names a missing file', () => {
    const err = problems(() => loadConfigFile('/nonexistent/acesync.yaml'));
    expect(err.code).toBe('ACESYNC_CONFIG_NOT_FOUND');
  });

  it('loads a file from disk', () => {
    const dir = mkdtempSync(join(tmpdir(), 'acesync-cfg-'));
    const file = join(dir, 'acesync.yaml');
    writeFileSync(file, GOOD);
    mkdirSync(join(dir, 'myrules'));
    const loaded = loadConfigFile(file, { ACE_PW: 'x' });
    expect(loaded.file).toBe(file);
    expect(loaded.config.store.path).toBe(join(dir, 'data/test.db'));
  });

  it('gives working defaults with no file at all', () => {
    const { config } = defaultConfig('/srv/x');
    expect(config.devices).toEqual([]);
    expect(config.store.path).toBe('/srv/x/data/acesync.db');
    expect(config.syslog.udp.port).toBeGreaterThan(0);
  });
});
