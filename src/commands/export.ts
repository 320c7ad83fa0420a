/**
 * `acesync export git DIR [--config FILE] [--db FILE]`: write each context's configuration
 * history into a git repository, one commit per stored version, oldest first, as
 * `DEVICE/CONTEXT.cfg`. The author is who changed it (the 111008 events between the audit
 * before and the audit that first saw it; `acesync` when nobody is known), the date is when
 * the version was first seen, the message lists the commands. Each commit carries an
 * `Acesync-Version: DEVICE/CONTEXT/HASH` trailer, so a re-run commits only versions not yet
 * exported. Runs the real `git` (no shell); reads the database read-only, so it is safe
 * while the service runs. `git log -p`, `git blame` and any git web UI then work as usual.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { AcesyncError, EXIT } from '../core/errors.js';
import type { ConfigVersion } from '../store/config-versions.js';
import { StoreReader } from '../store/reader.js';
import { allVersions } from '../store/queries/version-export.js';
import { versionCause, type VersionCause } from '../store/queries/version-history.js';
import type { Parsed } from './args.js';
import { resolveConfig } from './config-arg.js';

const USAGE = 'usage: acesync export git DIR [--config FILE] [--db FILE]';
export const TRAILER = 'Acesync-Version';
const GIT_TIMEOUT_MS = 60_000;

/** A path segment of safe characters, never `.` or `..` (names come from devices). */
export function safeSegment(name: string): string {
  const s = name.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 100);
  return /^\.*$/.test(s) || s.startsWith('.') ? `_${s}` : s;
}

/** One line, printable, bounded: device-sourced text in a commit message or author name. */
const clean = (s: string, max: number): string =>
  s
    .replace(/[\u0000-\u001f\u007f-\u009f<>]/g, '?')
    .trim()
    .slice(0, max);

export function commitMessage(v: ConfigVersion, cause: VersionCause): string {
  const lines = [`${v.device}/${v.context}: configuration ${v.hash.slice(0, 12)}`, ''];
  if (!Number.isFinite(cause.after)) lines.push('First version known to acesync.');
  else if (cause.changes.length === 0) lines.push('No command was logged between the two audits.');
  else {
    lines.push(`Changed by ${cause.users.map((u) => clean(u, 64)).join(', ') || 'an unknown user'}:`);
    for (const c of cause.changes) lines.push(`  ${clean(c.user ?? '?', 64)}: ${clean(c.command ?? '', 300)}`);
    if (cause.truncated) lines.push('  ...');
  }
  if (v.isAnm) lines.push('', "This version is ANM's copy.");
  lines.push('', `${TRAILER}: ${v.device}/${v.context}/${v.hash}`);
  return lines.join('\n') + '\n';
}

function git(dir: string, args: string[], opts: { input?: string; env?: NodeJS.ProcessEnv } = {}): string {
  const r = spawnSync('git', ['-C', dir, ...args], {
    input: opts.input,
    env: { ...process.env, GIT_TERMINAL_PROMPT: '0', ...opts.env },
    encoding: 'utf8',
    timeout: GIT_TIMEOUT_MS,
    maxBuffer: 256 * 1024 * 1024,
  });
  if (r.error)
    throw new AcesyncError('ACESYNC_EXPORT', `git ${args[0]}: ${r.error.message}`, undefined, { cause: r.error });
  if (r.status !== 0)
    throw new AcesyncError('ACESYNC_EXPORT', `git ${args.join(' ')}: ${r.stderr.trim().slice(0, 500)}`);
  return r.stdout;
}

/** Trailers of the versions already in the repository (none when it has no commit yet). */
function exported(dir: string): Set<string> {
  const head = spawnSync('git', ['-C', dir, 'rev-parse', '--verify', '-q', 'HEAD'], { encoding: 'utf8' });
  if (head.status !== 0) return new Set();
  const out = git(dir, ['log', `--format=%(trailers:key=${TRAILER},valueonly)`]);
  return new Set(
    out
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean),
  );
}

export function exportGit(dbPath: string, dir: string): { committed: number; skipped: number } {
  const reader = StoreReader.open(dbPath);
  try {
    mkdirSync(dir, { recursive: true });
    if (!existsSync(join(dir, '.git'))) git(dir, ['init', '-q']);
    const done = exported(dir);
    const versions = allVersions(reader.db).filter((v) => v.text !== undefined);
    const byContext = new Map<string, ConfigVersion[]>();
    for (const v of versions) {
      const k = `${v.device}\u0000${v.context}`;
      byContext.set(k, [...(byContext.get(k) ?? []), v]);
    }
    let committed = 0;
    let skipped = 0;
    for (const v of versions) {
      if (done.has(`${v.device}/${v.context}/${v.hash}`)) {
        skipped++;
        continue;
      }
      const cause = versionCause(reader.db, v.device, v.context, v, byContext.get(`${v.device}\u0000${v.context}`)!);
      const rel = `${safeSegment(v.device)}/${safeSegment(v.context)}.cfg`;
      mkdirSync(join(dir, safeSegment(v.device)), { recursive: true });
      writeFileSync(join(dir, rel), v.text!);
      git(dir, ['add', '--', rel]);
      const user = cause.users[0];
      const date = `@${Math.floor(v.firstSeen / 1000)} +0000`;
      git(dir, ['commit', '-q', '--allow-empty', '--no-verify', '-F', '-'], {
        input: commitMessage(v, cause),
        env: {
          GIT_AUTHOR_NAME: user ? clean(cause.users.join(', '), 200) : 'acesync',
          GIT_AUTHOR_EMAIL: user ? `${safeSegment(user)}@${safeSegment(v.device)}` : 'acesync@localhost',
          GIT_AUTHOR_DATE: date,
          GIT_COMMITTER_NAME: 'acesync',
          GIT_COMMITTER_EMAIL: 'acesync@localhost',
          GIT_COMMITTER_DATE: date,
        },
      });
      committed++;
    }
    return { committed, skipped };
  } finally {
    reader.close();
  }
}

export async function main(args: Parsed): Promise<number> {
  const values = args.all() as { config?: string; db?: string };
  const positionals = args.positionals;
  if (positionals.length !== 2 || positionals[0] !== 'git') throw new AcesyncError('ACESYNC_USAGE', USAGE);
  const dir = resolve(positionals[1]!);
  const path = values.db ?? resolveConfig(values.config).config.store.path;
  if (!existsSync(path)) {
    process.stderr.write(`acesync export: no state database at ${path} (pass --config or --db)\n`);
    return EXIT.FAILURE;
  }
  try {
    const r = exportGit(path, dir);
    process.stdout.write(`${dir}: ${r.committed} new commit(s), ${r.skipped} version(s) already exported\n`);
    return EXIT.OK;
  } catch (err) {
    if (!(err instanceof AcesyncError) || err.code !== 'ACESYNC_EXPORT') throw err;
    process.stderr.write(`acesync export: ${err.message}\n`);
    return EXIT.FAILURE;
  }
}
