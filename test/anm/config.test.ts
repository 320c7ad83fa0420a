import { describe, it, expect } from 'vitest';
import { loadConfigText } from '../../src/config/load.js';
import { FileProblemsError } from '../../src/core/errors.js';

function problems(text: string, env: NodeJS.ProcessEnv = {}): FileProblemsError {
  try {
    loadConfigText(text, '/tmp/acesync.yaml', env);
  } catch (err) {
    if (err instanceof FileProblemsError) return err;
    throw err;
  }
  throw new Error('expected a FileProblemsError');
}

describe('anm: configuration', () => {
  it('accepts an http strategy with defaults that match the simulator', () => {
    const { config } = loadConfigText(
      'anm:\n  enabled: true\n  url: https://anm.example:8443\n  username: acesync\n  password_env: ANM_PW\n  ca_file: ca.pem\n  strategy: { type: http }\n',
      '/tmp/acesync.yaml',
      { ANM_PW: 'x' },
    );
    const s = config.anm.strategy;
    expect(s.type).toBe('http');
    if (s.type !== 'http') return;
    expect(s.login.path).toBe('/anm/j_security_check');
    expect(s.request.path).toBe('/anm/virtualContext/syncCliToAnm.do');
    expect(s.request.fields).toEqual({
      deviceName: '{{device}}',
      deviceIp: '{{address}}',
      contextName: '{{context}}',
      direction: 'CLI_TO_ANM',
    });
    expect(config.anm.breaker).toEqual({ failure_threshold: 5, reset_ms: 30_000 });
  });

  it('defaults to the manual strategy and stays off', () => {
    const { config } = loadConfigText('{}', '/tmp/acesync.yaml', {});
    expect(config.anm.enabled).toBe(false);
    expect(config.anm.strategy).toEqual({ type: 'manual', sync_label: 'CLI > ANM Sync' });
  });

  it('rejects unknown keys, with the line', () => {
    const p = problems('anm:\n  enabled: true\n  strategy:\n    type: manual\n    lable: x\n');
    expect(p.problems[0]).toMatchObject({
      line: 5,
      path: 'anm.strategy',
      message: expect.stringContaining("unknown key 'lable'"),
    });
  });

  it('rejects a password written in the file', () => {
    const p = problems('anm:\n  url: https://anm:8443\n  password: hunter2\n');
    expect(p.problems[0]!.message).toContain("unknown key 'password'");
  });

  it('rejects ca_file together with insecure, and insecure on http', () => {
    expect(
      problems('anm:\n  url: https://a:8443\n  ca_file: x.pem\n  insecure: true\n').problems[0]!.message,
    ).toContain('choose one');
    expect(problems('anm:\n  url: http://a:8080\n  insecure: true\n').problems[0]!.message).toContain(
      'https URLs only',
    );
  });

  it('rejects unknown template variables and the password outside the login', () => {
    const p = problems(
      'anm:\n  enabled: true\n  url: https://a\n  username: u\n  password_env: P\n  strategy:\n    type: http\n    request:\n      fields: { ctx: "{{contex}}", pw: "{{password}}" }\n',
      { P: 'x' },
    );
    expect(p.problems.map((x) => x.message).join('\n')).toMatch(
      /unknown template variable \{\{contex\}\}[\s\S]*unknown template variable \{\{password\}\}/,
    );
    expect(p.problems[0]!.path).toBe('anm.strategy.request.fields.ctx');
  });

  it('rejects bad regexes and forbidden headers', () => {
    const p = problems(
      'anm:\n  strategy:\n    type: http\n    success: { body_regex: "(" }\n    request: { headers: { Cookie: "x" } }\n',
    );
    const msgs = p.problems.map((x) => x.message).join('\n');
    expect(msgs).toContain('not a valid regular expression');
    expect(msgs).toContain('acesync sets the Cookie header itself');
    expect(p.problems.map((x) => x.path)).toContain('anm.strategy.request.headers.Cookie');
  });

  it('needs url and credentials for the http strategy when enabled', () => {
    const p = problems('anm:\n  enabled: true\n  strategy: { type: http }\n');
    expect(p.problems.map((x) => x.path).sort()).toEqual(['anm.password_env', 'anm.url', 'anm.username']);
  });

  it('reports a missing password variable (and command pass_env) as a secret problem', () => {
    const p = problems(
      'anm:\n  enabled: true\n  url: https://a\n  username: u\n  password_env: ANM_PW\n  strategy: { type: command, argv: [./x.sh], pass_env: [TOKEN] }\n',
    );
    expect(p.code).toBe('ACESYNC_CONFIG_SECRET_MISSING');
    expect(p.problems.map((x) => [x.path, x.line])).toEqual([
      ['anm.password_env', 5],
      ['anm.strategy.pass_env[0]', 6],
    ]);
  });

  it('needs a non-empty argv for the command strategy', () => {
    expect(problems('anm:\n  strategy: { type: command, argv: [] }\n').problems[0]!.path).toBe('anm.strategy.argv');
  });
});

describe('samples/anm', () => {
  it('the README configuration examples are valid', async () => {
    const { readFileSync } = await import('node:fs');
    const readme = readFileSync(new URL('../../samples/anm/README.md', import.meta.url), 'utf8');
    const blocks = [...readme.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!);
    const base = blocks.find((b) => b.startsWith('anm:'))!;
    const fragments = blocks.filter((b) => b.startsWith('  strategy:'));
    expect(fragments.length).toBe(3);
    const env = { ANM_PASSWORD: 'x', ANM_CA_FILE: '/x' };
    const types = fragments.map((f) => {
      const text = base.replace(/ {2}strategy:\n {4}type: http.*\n/, f);
      return loadConfigText(text, '/tmp/acesync.yaml', env).config.anm.strategy.type;
    });
    expect(types).toEqual(['http', 'command', 'manual']);
  });

  it('the simulator sample configuration is valid', async () => {
    const { loadSimAnmConfig } = await import('../../src/sim/anm/config.js');
    const cfg = loadSimAnmConfig(new URL('../../samples/anm/sim-anm.yaml', import.meta.url).pathname);
    expect(cfg.devices.map((d) => d.name)).toEqual(['ace-a', 'ace-b']);
  });
});
