/**
 * The simulator's stdin CLI (cli-stdio, run behind a real sshd) reads one command per LF/CRLF line with
 * acesync's own line reader: U+2028/U+2029 inside a typed line stay in it (Node 22+'s readline splits there).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join, relative, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT } from '../../helpers/cli.js';

const STATE = `devices:
  - name: ace-stdio
    hostname: ace-stdio
    users: [{ username: admin, password: unused }]
    contexts:
      - name: Admin
        config: |
          logging enable
          logging host 127.0.0.1 udp/9
`;

const dir = mkdtempSync(join(os.tmpdir(), 'acesync-cli-stdio-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function runCli(input: string): Promise<{ code: number | null; out: string; err: string }> {
  const state = join(dir, 'state.yaml');
  writeFileSync(state, STATE);
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', resolve(ROOT, 'src/sim/ace/cli-stdio.ts'), '--state', state, '--user', 'admin'],
    { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, SSH_ORIGINAL_COMMAND: '' } },
  );
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
  child.stdin.end(input);
  return new Promise((res) => child.once('close', (code) => res({ code, out, err })));
}

function walk(d: string, out: string[] = []): string[] {
  for (const e of readdirSync(d)) {
    const p = join(d, e);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (p.endsWith('.ts')) out.push(p);
  }
  return out;
}

describe('cli-stdio line reading', () => {
  it('keeps U+2028/U+2029 inside one command line; CRLF ends a line', async () => {
    const r = await runCli('conf t\r\nbanner motd A\u2028B\u2029C\nend\nshow running-config\nexit\n');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toContain('banner motd A\u2028B\u2029C');
    expect(r.out).not.toMatch(/Invalid command/);
  }, 30_000);

  it('no file in src/ reads lines with node:readline', () => {
    const src = resolve(ROOT, 'src');
    const users = walk(src).filter((f) =>
      /from ['"](?:node:)?readline(?:\/promises)?['"]/.test(readFileSync(f, 'utf8')),
    );
    expect(users.map((f) => relative(src, f))).toEqual([]);
  });
});
