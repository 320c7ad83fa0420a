/** `acesync parse` end to end through the built CLI (`npm run build` first). */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'acesync-parse-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const LINES = [
  "<165>Jan 12 2026 10:11:12 ace-a: %ACE-5-111008: User 'admin' executed the 'no logging enable' command.",
  '<164>Jan 12 2026 10:11:13 ace-a: %ACE-4-727012: ace-a: HA: FT Group 1 changed state to FSM_FT_STATE_ACTIVE. Reason: Peer down.',
  '<166>%ACE-6-302022: Built TCP connection 0x1 for vlan1:10.0.0.1/1 (10.0.0.1/1) to vlan2:10.0.0.2/80 (10.0.0.2/80)',
  'not a syslog line',
];

function jsonLines(stdout: string): Array<Record<string, unknown>> {
  return stdout
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('acesync parse', () => {
  it('reads stdin (CRLF, blank lines skipped) and prints one JSON event per line', async () => {
    const r = await runCli(['parse'], { input: LINES.join('\r\n') + '\r\n\r\n' });
    expect(r.code).toBe(0);
    const events = jsonLines(r.stdout);
    expect(events.map((e) => e.kind)).toEqual(['logging-change', 'ha-state', 'noise', 'malformed']);
    expect(events[0]).toMatchObject({
      id: '111008',
      user: 'admin',
      command: 'no logging enable',
      deviceId: 'ace-a',
      timestamp: '2026-01-12T10:11:12',
    });
    expect(events[1]).toMatchObject({ ftGroup: 1, state: 'ACTIVE', reason: 'Peer down' });
    // CR stripped from raw, so raw is the line as written.
    expect(events[0]!.raw).toBe(LINES[0]);
    expect(events[3]).toEqual({ kind: 'malformed', error: 'no %ACE- message', raw: 'not a syslog line' });
    expect(r.stderr).toBe('');
  });

  it('reads several files in order and prints --stats on stderr', async () => {
    const a = join(dir, 'a.log');
    const b = join(dir, 'b.log');
    writeFileSync(a, LINES.slice(0, 2).join('\n') + '\n');
    writeFileSync(b, LINES.slice(2).join('\n')); // no trailing newline
    const r = await runCli(['parse', '--stats', a, b]);
    expect(r.code).toBe(0);
    expect(jsonLines(r.stdout).map((e) => e.kind)).toEqual(['logging-change', 'ha-state', 'noise', 'malformed']);
    const stats = JSON.parse(r.stderr.trim()) as { lines: number; skipped: number; kinds: Record<string, number> };
    expect(stats).toEqual({
      lines: 4,
      skipped: 0,
      kinds: { 'logging-change': 1, 'ha-state': 1, noise: 1, malformed: 1 },
    });
  });

  it('streams a large file', async () => {
    const big = join(dir, 'big.log');
    const n = 20_000;
    const noise =
      '<166>%ACE-6-302022: Built TCP connection 0x1 for vlan1:10.0.0.1/1 (10.0.0.1/1) to vlan2:10.0.0.2/80 (10.0.0.2/80)';
    const rel = '%ACE-5-504001: Security context VC_NEW was added to the system';
    writeFileSync(big, Array.from({ length: n }, (_, i) => (i % 1000 === 999 ? rel : noise)).join('\n') + '\n');
    const r = await runCli(['parse', '--stats', big], { timeoutMs: 60_000 });
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n').filter(Boolean)).toHaveLength(n);
    const stats = JSON.parse(r.stderr.trim()) as { kinds: Record<string, number> };
    expect(stats.kinds).toEqual({ 'context-lifecycle': 20, noise: n - 20 });
  });

  it('exits 2 with a clear message for a missing file, before printing anything', async () => {
    const ok = join(dir, 'ok.log');
    writeFileSync(ok, LINES[0] + '\n');
    const missing = join(dir, 'nope.log');
    const r = await runCli(['parse', ok, missing]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`${missing}: no such file`);
  });

  it('exits 2 on an unknown option and prints help with --help', async () => {
    const bad = await runCli(['parse', '--bogus']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/bogus/);
    const help = await runCli(['parse', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('--stats');
    expect(help.stdout).toContain('standard error');
  });
});
