/**
 * The GitMirror's own rules, with the real git on a real SQLite store: a version recorded by the store is
 * committed by the debounced pass; a failing repository path is counted and logged, and once it works again the
 * next version's pass commits everything owed, each version once; a pass with nothing new runs no git at all.
 */
import { spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { AceEvent } from '../../src/core/events.js';
import { GitMirror } from '../../src/jobs/git-mirror.js';
import { change, harness, tempDir, type Harness } from '../engine/helpers.js';
import { haveTool } from '../helpers/tools.js';
import { until } from '../helpers/wait.js';

const audit = (context: string, hash: string, config: string): AceEvent => ({
  kind: 'audit-result',
  transport: 'action',
  device: 'ace1',
  context,
  data: { outcome: 'differs', hash, config },
});
const count = (repo: string): number =>
  Number(spawnSync('git', ['-C', repo, 'rev-list', '--count', 'HEAD'], { encoding: 'utf8' }).stdout.trim() || 0);

let h: Harness | undefined;
let mirror: GitMirror | undefined;
afterEach(async () => {
  await mirror?.stop();
  h?.close();
  h = undefined;
  mirror = undefined;
});

describe.runIf(haveTool('git', 'git'))('GitMirror', () => {
  it('commits what the store records, survives a failing path, and catches up once it works', async () => {
    const base = tempDir('acesync-mirror-unit-');
    const logs: Array<Record<string, unknown>> = [];
    const logger = pino({ level: 'info' }, { write: (l: string) => void logs.push(JSON.parse(l)) });
    const hh = (h = harness({ path: join(base, 'state.db') }));
    const repo = join(base, 'blocked', 'history');
    writeFileSync(join(base, 'blocked'), 'a file, not a folder\n');
    const m = (mirror = new GitMirror({
      dir: repo,
      db: () => hh.store.db,
      logger,
      debounceMs: 10,
      retryMs: 3_600_000,
    }));
    hh.store.versions.onRecorded(() => m.notify());

    hh.feed(audit('VC_WEB', 'a'.repeat(64), 'rserver host web1\n'));
    await until('the failure counted', () => m.stats.failures === 1, 10_000);
    expect(m.stats.failing).toBe(true);
    const err = logs.find((l) => l.level === 50)!;
    expect(err.msg).toContain(`cannot commit configuration versions to ${repo} (store.git_mirror)`);
    expect(err.gitMirror).toBe(repo);
    // The same failure at every pass (every audit round) is counted, not logged again within the minute.
    for (let i = 0; i < 3; i++) await m.pass();
    expect(m.stats.failures).toBe(4);
    expect(logs.filter((l) => l.level === 50)).toHaveLength(1);

    // The path works again; the next version's pass commits both, in order, with the change's author.
    rmSync(join(base, 'blocked'));
    hh.advance(60_000);
    hh.feed(change('ace1', 'VC_WEB', 'rserver host web2', 'alice'));
    hh.advance(1000);
    hh.feed(audit('VC_WEB', 'b'.repeat(64), 'rserver host web1\nrserver host web2\n'));
    await until('both versions committed', () => m.stats.commits === 2, 10_000);
    expect(count(repo)).toBe(2);
    expect(m.stats.failing).toBe(false);
    expect(logs.some((l) => l.msg === 'git mirror: commits work again')).toBe(true);
    const author = spawnSync('git', ['-C', repo, 'log', '-1', '--format=%an'], { encoding: 'utf8' }).stdout.trim();
    expect(author).toBe('alice');

    // Nothing new: the pass runs no git, so even a repository made unusable is not touched (no failure).
    rmSync(join(repo, '.git'), { recursive: true });
    hh.feed(audit('VC_WEB', 'b'.repeat(64), 'rserver host web1\nrserver host web2\n')); // seen again, same hash
    await m.pass();
    expect(m.stats).toMatchObject({ commits: 2, failures: 4, failing: false });
  });
});
