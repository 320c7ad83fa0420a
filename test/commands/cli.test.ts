/**
 * CLI conventions through the built `acesync` (npm run build first): every command and
 * subcommand of the table answers --help / -h / `acesync help ...` on stdout with exit 0
 * and lists every option it declares; mistakes are usage errors on stderr with exit 2.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../../src/cli.js';
import type { CommandSpec } from '../../src/commands/args.js';
import { ROOT, runCli } from '../helpers/cli.js';

function walk(path: string[], spec: CommandSpec): Array<{ path: string[]; spec: CommandSpec }> {
  return [{ path, spec }, ...Object.entries(spec.subcommands ?? {}).flatMap(([n, s]) => walk([...path, n], s))];
}
const ALL = Object.entries(COMMANDS).flatMap(([n, s]) => walk([n], s));

describe('acesync --help on every command', () => {
  it('covers the whole table (a dozen commands and subcommands at least)', () => {
    expect(ALL.length).toBeGreaterThanOrEqual(14);
  });

  it.each(ALL.map((c) => [c.path.join(' '), c] as const))('%s: --help, -h and help CMD', async (_n, c) => {
    const long = await runCli([...c.path, '--help']);
    expect(long.code).toBe(0);
    expect(long.stderr).toBe('');
    expect(long.stdout).toMatch(new RegExp(`^usage: acesync ${c.path.join(' ')}\\b`));
    expect(long.stdout).toContain(c.spec.summary);
    for (const [name, o] of Object.entries(c.spec.options ?? {})) {
      expect(long.stdout).toContain(`--${name}`);
      expect(long.stdout).toContain(o.help);
    }
    for (const sub of Object.keys(c.spec.subcommands ?? {})) expect(long.stdout).toContain(`  ${sub} `);
    const short = await runCli([...c.path, '-h']);
    expect(short.code).toBe(0);
    expect(short.stdout).toBe(long.stdout);
    const viaHelp = await runCli(['help', ...c.path]);
    expect(viaHelp.code).toBe(0);
    expect(viaHelp.stdout).toBe(long.stdout);
  });
});

describe('acesync top level', () => {
  it('--help and help list every command on stdout, exit 0', async () => {
    for (const args of [['--help'], ['-h'], ['help']]) {
      const r = await runCli(args);
      expect(r.code).toBe(0);
      for (const [name, c] of Object.entries(COMMANDS)) {
        const line = r.stdout.split('\n').find((l) => l.trimStart().startsWith(name + ' '));
        expect(line, name).toContain(c.summary);
      }
    }
  });

  it('--version prints the version of package.json', async () => {
    const { version } = JSON.parse(readFileSync(`${ROOT}/package.json`, 'utf8')) as { version: string };
    const r = await runCli(['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`acesync ${version}\n`);
  });

  it('no command: usage on stderr, exit 2', async () => {
    const r = await runCli([]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('a command is required');
    expect(r.stderr).toContain('usage: acesync COMMAND');
  });
});

describe('usage errors: stderr, exit 2, nothing on stdout', () => {
  const cases: Array<[string[], RegExp]> = [
    [['staart'], /unknown command 'staart' \(did you mean 'start'\?\)/],
    [['start', '--confg', 'x.yaml'], /unknown option '--confg' \(did you mean '--config'\?\)/],
    [['start', 'extra'], /unexpected argument 'extra'/],
    [['rules', 'chek'], /unknown command 'chek' \(did you mean 'check'\?\)/],
    [['rules'], /a command is required: check/],
    [['explain', 'ace-a'], /expected DEVICE CONTEXT/],
    [['explain', 'ace-a', 'VC', '--recent'], /option --recent needs a value \(N\)/],
    [['demo', 'status', '--undo'], /unknown option '--undo'/],
    [['sim', 'ace'], /--config FILE is required/],
    [['help', 'nope'], /unknown command 'nope'/],
    [['parse', '--stats=yes'], /option --stats takes no value/],
  ];
  it.each(cases)('acesync %j', async (args, message) => {
    const r = await runCli(args);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(message);
    expect(r.stderr).toMatch(/\(see 'acesync [a-z -]*--help'\)/);
    expect(r.stderr).not.toMatch(/ at .*\.js:\d+/);
  });
});
