/**
 * `acesync export git DIR` through the built CLI with the real git: one commit per stored
 * version, oldest first, author and date from the change, commands in the message; a
 * second run adds nothing; a new version adds exactly one commit.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { AceEvent } from '../../src/core/events.js';
import { change, harness, tempDir, type Harness } from '../engine/helpers.js';
import { runCli } from '../helpers/cli.js';
import { haveTool } from '../helpers/tools.js';

const audit = (device: string, context: string, hash: string, config: string): AceEvent => ({
  kind: 'audit-result',
  transport: 'action',
  device,
  context,
  data: { outcome: 'differs', hash, config },
});

const git = (dir: string, ...args: string[]): string => {
  const r = spawnSync('git', ['-C', dir, ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  return r.stdout;
};

function scenario(db: string): Harness {
  const h = harness({ path: db });
  h.feed(audit('ace1', 'VC_WEB', 'a'.repeat(64), 'rserver host web1\n'));
  h.feed(audit('ace1', 'VC_APP', 'c'.repeat(64), 'probe icmp P0\n'));
  h.advance(60_000);
  h.feed(change('ace1', 'VC_WEB', 'rserver host web2', 'alice'));
  h.advance(60_000);
  h.feed(audit('ace1', 'VC_WEB', 'b'.repeat(64), 'rserver host web1\nrserver host web2\n'));
  return h;
}

describe.runIf(haveTool('git', 'git'))('acesync export git', () => {
  it('writes each context history as commits, idempotent on re-run, one more commit per new version', async () => {
    const base = tempDir('acesync-export-');
    const db = join(base, 'state.db');
    const repo = join(base, 'history');
    const h = scenario(db);
    try {
      const first = await runCli(['export', 'git', repo, '--db', db]);
      expect(first.code, first.stderr).toBe(0);
      expect(first.stdout).toContain('3 new commit(s), 0 version(s) already exported');
      const log = git(repo, 'log', '--reverse', '--format=%an <%ae>|%at|%s');
      const lines = log.trim().split('\n');
      expect(lines).toHaveLength(3);
      expect(lines[2]).toBe(
        `alice <alice@ace1>|${Math.floor(h.clock.now() / 1000)}|ace1/VC_WEB: configuration ${'b'.repeat(12)}`,
      );
      expect(lines[0]).toMatch(/^acesync <acesync@localhost>\|\d+\|ace1\/VC_WEB: configuration a{12}$/);
      const body = git(repo, 'log', '-1', '--format=%B');
      expect(body).toContain('Changed by alice:\n  alice: rserver host web2');
      expect(body).toContain(`Acesync-Version: ace1/VC_WEB/${'b'.repeat(64)}`);
      expect(readFileSync(join(repo, 'ace1', 'VC_WEB.cfg'), 'utf8')).toBe('rserver host web1\nrserver host web2\n');
      expect(git(repo, 'show', '--format=', 'HEAD')).toContain('+rserver host web2');
      expect(git(repo, 'status', '--porcelain')).toBe('');

      const again = await runCli(['export', 'git', repo, '--db', db]);
      expect(again.code, again.stderr).toBe(0);
      expect(again.stdout).toContain('0 new commit(s), 3 version(s) already exported');
      expect(git(repo, 'rev-list', '--count', 'HEAD').trim()).toBe('3');

      h.advance(60_000);
      h.feed(change('ace1', 'VC_APP', 'probe icmp P1', 'bob'));
      h.advance(1000);
      h.feed(audit('ace1', 'VC_APP', 'd'.repeat(64), 'probe icmp P1\n'));
      const third = await runCli(['export', 'git', repo, '--db', db]);
      expect(third.stdout).toContain('1 new commit(s), 3 version(s) already exported');
      expect(git(repo, 'rev-list', '--count', 'HEAD').trim()).toBe('4');
      expect(git(repo, 'log', '-1', '--format=%an')).toBe('bob\n');
    } finally {
      h.close();
    }
  });

  it('refuses a wrong invocation with the usage (exit 2)', async () => {
    const r = await runCli(['export', 'svn', '/tmp/x']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('usage: acesync export git DIR');
  });
});
