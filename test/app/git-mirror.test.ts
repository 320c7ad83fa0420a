/**
 * `store.git_mirror` end to end with the real git: acesync in process (buildApp) against the simulated lab (an
 * ACE pair and ANM over SSH/HTTP on loopback). A configuration change typed on the simulated ACE is audited,
 * stored, and committed to the mirror once, with the typing user as author, the version's first-seen time as
 * date and the command in the message; a restart on the same database commits nothing twice; an unwritable
 * mirror path is logged and counted in /metrics while the audit is done all the same.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type App } from '../../src/app/app.js';
import { configSchema } from '../../src/config/schema.js';
import { startLab, type Lab } from '../../src/demo/lab.js';
import { exportableVersions } from '../../src/store/queries/version-export.js';
import { haveTool } from '../helpers/tools.js';
import { FAST_TIMINGS } from '../reliability/lab-app.js';
import { freeTcpPort, freeUdpPort, RULES, TempDirs, until } from '../reliability/helpers.js';

const dirs = new TempDirs();
let dir: string;
let lab: Lab;
let httpPort: number;
let app: App | undefined;
let logs: Array<Record<string, unknown>> = [];

const git = (repo: string, ...args: string[]): string => {
  const r = spawnSync('git', ['-C', repo, ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  return r.stdout;
};
/** The Acesync-Version trailers of every commit, newest first (duplicates kept). */
const trailers = (repo: string): string[] =>
  git(repo, 'log', '--format=%(trailers:key=Acesync-Version,valueonly)')
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
const storedKeys = (a: App): string[] =>
  exportableVersions(a.store.db).map((v) => `${v.device}/${v.context}/${v.hash}`);

async function startApp(mirror: string): Promise<App> {
  const obj = structuredClone(lab.configObject) as Record<string, Record<string, unknown>>;
  obj.store = { ...obj.store, git_mirror: mirror };
  obj.http = { ...obj.http, enabled: true, host: '127.0.0.1', port: httpPort };
  logs = [];
  const logger = pino(
    { level: 'info' },
    { write: (line: string) => void (logs.length < 50_000 && logs.push(JSON.parse(line) as Record<string, unknown>)) },
  );
  const a = buildApp({ loaded: { config: configSchema.parse(obj), baseDir: dir }, env: lab.env, logger });
  await a.start();
  app = a;
  return a;
}

async function metric(name: string): Promise<number> {
  const body = await (await fetch(`http://127.0.0.1:${httpPort}/metrics`)).text();
  const line = body.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? NaN : Number(line.slice(name.length + 1));
}

beforeAll(async () => {
  dir = dirs.make('acesync-git-mirror-');
  httpPort = await freeTcpPort();
  lab = await startLab({
    syslogPort: await freeUdpPort(),
    snmpPort: await freeUdpPort(),
    snmpEnabled: false,
    httpEnabled: false,
    storePath: join(dir, 'acesync.db'),
    rulesPath: RULES,
    baseDir: dir,
    timings: FAST_TIMINGS,
    logLevel: 'info',
  });
  // Operators who type the changes (their 111008 lines name them).
  for (const username of ['alice', 'bob'])
    lab.ace.device('ace-a').users.push({ username, password: 'unused', authorizedKeys: [], context: 'Admin' });
}, 60_000);
afterAll(async () => {
  await app?.stop().catch(() => undefined);
  await lab?.stop();
  dirs.removeAll();
});

describe.runIf(haveTool('git', 'git'))('store.git_mirror', () => {
  const repo = (): string => join(dir, 'history');

  it('commits a change typed on the ACE once, with its author, date and command', async () => {
    const a = await startApp(repo());
    // The seed: every context audited; the mirror holds every stored version, each once.
    await until(
      'the first audits mirrored',
      () => {
        const keys = storedKeys(a);
        if (keys.length < 6) return false;
        try {
          const t = trailers(repo());
          return keys.every((k) => t.includes(k));
        } catch {
          return false;
        }
      },
      40_000,
    ).catch((err: Error) => {
      const seen = logs.filter((l) => l.stage === 'git-mirror' || Number(l.level) >= 50).slice(-5);
      throw new Error(`${err.message}; ${storedKeys(a).length} stored; logs: ${JSON.stringify(seen)}`);
    });
    const before = trailers(repo());
    expect(new Set(before).size).toBe(before.length);

    const old = a.store.versions.latest('ace-a', 'VC_WEB')!.hash;
    lab.ace.configure('ace-a', 'VC_WEB', ['rserver host MIRROR1', '  ip address 10.10.20.99', '  inservice'], {
      user: 'alice',
    });
    await until(
      'the new VC_WEB version stored',
      () => a.store.versions.latest('ace-a', 'VC_WEB')!.hash !== old,
      30_000,
    );
    const v = a.store.versions.latest('ace-a', 'VC_WEB')!;
    const key = `ace-a/VC_WEB/${v.hash}`;
    await until('the new version committed', () => trailers(repo()).includes(key), 20_000);

    const all = trailers(repo());
    expect(all.filter((k) => k === key)).toHaveLength(1);
    expect(new Set(all).size).toBe(all.length);
    // The commit of that version: author from the 111008 event, date = first seen, command in the message.
    const sha = git(repo(), 'log', '--format=%H', `--grep=^Acesync-Version: ${key}$`).trim();
    expect(sha).toMatch(/^[0-9a-f]{40}$/);
    expect(git(repo(), 'show', '-s', '--format=%an <%ae>|%at|%cn|%s', sha).trim()).toBe(
      `alice <alice@ace-a>|${Math.floor(v.firstSeen / 1000)}|acesync|ace-a/VC_WEB: configuration ${v.hash.slice(0, 12)}`,
    );
    const body = git(repo(), 'show', '-s', '--format=%B', sha);
    expect(body).toContain('Changed by alice:');
    expect(body).toContain('alice: rserver host MIRROR1');
    expect(git(repo(), 'show', '--format=', sha, '--', 'ace-a/VC_WEB.cfg')).toContain('+rserver host MIRROR1');
    expect(readFileSync(join(repo(), 'ace-a', 'VC_WEB.cfg'), 'utf8')).toBe(v.text);
    expect(git(repo(), 'status', '--porcelain', '--', 'ace-a/VC_WEB.cfg')).toBe('');
    expect(await metric('acesync_git_mirror_commits_total')).toBeGreaterThanOrEqual(1);
    expect(await metric('acesync_git_mirror_failures_total')).toBe(0);
  }, 90_000);

  it('a restart on the same database commits nothing twice', async () => {
    await app!.stop();
    app = undefined;
    const before = trailers(repo());
    const a = await startApp(repo());
    // Versions the stopping service stored after its mirror stopped (its queue is flushed last) are caught up
    // by the start pass; nothing already in the repository is committed again.
    await a.gitMirror!.pass();
    const missing = storedKeys(a).filter((k) => !before.includes(k));
    const all = trailers(repo());
    expect(all).toHaveLength(before.length + missing.length);
    expect(new Set(all).size).toBe(all.length);
    expect(storedKeys(a).every((k) => all.includes(k))).toBe(true);
    expect(a.gitMirror!.stats).toMatchObject({ commits: missing.length, failures: 0 });
  }, 60_000);

  it('an unwritable mirror path is logged and counted; the audit is done all the same', async () => {
    await app!.stop();
    app = undefined;
    const blocker = join(dir, 'not-a-dir');
    writeFileSync(blocker, 'a file where the mirror folder would be\n');
    const a = await startApp(join(blocker, 'history'));
    const old = a.store.versions.latest('ace-a', 'VC_APP')!.hash;
    lab.ace.configure('ace-a', 'VC_APP', ['rserver host MIRROR2', '  ip address 10.10.30.99', '  inservice'], {
      user: 'bob',
    });
    await until(
      'the new VC_APP version stored',
      () => a.store.versions.latest('ace-a', 'VC_APP')!.hash !== old,
      30_000,
    );
    await until(
      'the mirror failure logged',
      () => logs.some((l) => l.level === 50 && String(l.msg).startsWith('git mirror: cannot commit')),
      20_000,
    );
    const line = logs.find((l) => l.level === 50 && String(l.msg).startsWith('git mirror: cannot commit'))!;
    expect(line.msg).toContain(join(blocker, 'history'));
    expect(line.msg).toMatch(/ENOTDIR|not a directory/i);
    expect(await metric('acesync_git_mirror_failures_total')).toBeGreaterThanOrEqual(1);
    expect(await metric('acesync_git_mirror_failing')).toBe(1);
    // The audit went on: the context's audit recorded the new configuration and it is brought back in sync.
    await until('VC_APP in sync again', () => a.store.context('ace-a', 'VC_APP')?.sync === 'in-sync', 30_000);
    expect(a.store.context('ace-a', 'VC_APP')!.lastAuditHash).toBe(a.store.versions.latest('ace-a', 'VC_APP')!.hash);
  }, 90_000);
});
