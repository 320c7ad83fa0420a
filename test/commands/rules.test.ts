/** `acesync rules check` through the built CLI: every kind of mistake, file:line, exit 2. */
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { DEFAULT_RULES, writeRulesDir } from '../engine/helpers.js';

const MISTAKES: Record<string, string> = {
  'a-syntax.yaml': 'rules:\n  - name: x\n    actions: [ { mark: suspect }\n',
  'b-unknown-key.yaml':
    'rules:\n  - name: unknown-key\n    on: config-change\n    colour: red\n    actions:\n      - mark: suspect\n',
  'c-regex.yaml':
    "rules:\n  - name: bad-regex\n    when: { field: command, matches: '([a-z' }\n    actions:\n      - mark: suspect\n",
  'd-scope.yaml': 'rules:\n  - name: bad-scope\n    actions:\n      - audit: { scope: galaxy }\n',
  'e-duration.yaml': 'rules:\n  - name: bad-duration\n    actions:\n      - audit: { settle: 5 minutes }\n',
  'f-duplicate.yaml': 'rules:\n  - name: bad-regex\n    actions:\n      - mark: suspect\n',
  'g-field.yaml':
    'rules:\n  - name: bad-field\n    when: { field: commnd, equals: x }\n    reason: "{usr} did it"\n    actions:\n      - explode: true\n',
};

describe('acesync rules check', () => {
  it('reports every mistake with file:line:col, path and reason, and exits 2', async () => {
    const dir = writeRulesDir(MISTAKES);
    const r = await runCli(['rules', 'check', dir]);
    expect(r.code).toBe(2);
    const lines = r.stderr.trim().split('\n');
    const find = (re: RegExp): string => lines.find((l) => re.test(l)) ?? `(no line matching ${re})`;
    expect(find(/a-syntax\.yaml/)).toMatch(/a-syntax\.yaml:4:\d+: YAML syntax/);
    expect(find(/b-unknown-key/)).toMatch(/b-unknown-key\.yaml:4:\d+ rules\[0\]: unknown key 'colour'/);
    expect(find(/c-regex/)).toMatch(/c-regex\.yaml:3:\d+ rules\[0\]\.when\.matches: bad regular expression/);
    expect(find(/d-scope/)).toMatch(/d-scope\.yaml:4:\d+ rules\[0\]\.actions\[0\]\.audit\.scope: .*both-peers/);
    expect(find(/e-duration/)).toMatch(
      /e-duration\.yaml:4:\d+ rules\[0\]\.actions\[0\]\.audit\.settle: bad settle window "5 minutes"/,
    );
    expect(find(/f-duplicate/)).toMatch(
      /f-duplicate\.yaml:2:\d+ rules\[0\]\.name: rule name 'bad-regex' is already used at c-regex\.yaml:2/,
    );
    expect(find(/g-field\.yaml:3/)).toMatch(/rules\[0\]\.when\.field: unknown event field 'commnd'/);
    expect(find(/g-field\.yaml:4/)).toMatch(/rules\[0\]\.reason: in '\{usr\}'/);
    expect(find(/g-field\.yaml:6/)).toMatch(/unknown action 'explode'/);
    expect(lines.at(-1)).toMatch(/^9 problems in 7 files/);
  });

  it('passes the default rules folder with a summary', async () => {
    const r = await runCli(['rules', 'check', DEFAULT_RULES]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^rules OK: \d+ rules in 16 files/);
    expect(r.stdout).toContain('config-change-marks-suspect');
  });

  it('checks one file, and rejects a wrong call', async () => {
    const dir = writeRulesDir({
      'ok.yaml': 'rules:\n  - name: ok\n    on: config-change\n    actions:\n      - audit: { settle: 2s }\n',
    });
    const one = await runCli(['rules', 'check', `${dir}/ok.yaml`]);
    expect(one.code).toBe(0);
    expect(one.stdout).toMatch(/rules OK: 1 rule in 1 file/);
    expect((await runCli(['rules', 'lint'])).code).toBe(2);
    const missing = await runCli(['rules', 'check', `${dir}/nope`]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/no such file or folder/);
  });
});
