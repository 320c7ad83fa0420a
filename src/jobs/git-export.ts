/**
 * Configuration history as a git repository, one commit per stored version, oldest first, as
 * `DEVICE/CONTEXT.cfg`: the author is who changed it (the 111008 events between the audit before and the audit
 * that first saw it; `acesync` when nobody is known), the date is when the version was first seen, the message
 * lists the commands. Each commit carries an `Acesync-Version: DEVICE/CONTEXT/HASH` trailer, so a re-run (or a
 * restart of the mirror) commits only versions not yet in the repository.
 *
 * Used by `acesync export git DIR` and by the service's `store.git_mirror`. Runs the real `git` (no shell),
 * asynchronously: the service's receive path keeps running while git works. Reads the database it is handed
 * (a read-only connection for the command, the service's own for the mirror); texts are read one at a time.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Database } from 'better-sqlite3';
import { AcesyncError } from '../core/errors.js';
import type { ConfigVersion } from '../store/config-versions.js';
import { contextVersions, exportableVersions, versionText } from '../store/queries/version-export.js';
import { versionCause, type VersionCause } from '../store/queries/version-history.js';

export const TRAILER = 'Acesync-Version';
const GIT_TIMEOUT_MS = 60_000;
const MAX_OUTPUT_BYTES = 256 * 1024 * 1024;

/** A path segment of safe characters, never `.` or `..` (names come from devices). */
export function safeSegment(name: string): string {
  const s = name.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 100);
  return /^\.*$/.test(s) || s.startsWith('.') ? `_${s}` : s;
}

/** One line, printable, bounded: device-sourced text in a commit message or author name. */
const clean = (s: string, max: number): string =>
  s
    .replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029<>]/g, '?')
    .trim()
    .slice(0, max);

/** The trailer value that names a version in the repository. */
export const versionKey = (v: Pick<ConfigVersion, 'device' | 'context' | 'hash'>): string =>
  `${v.device}/${v.context}/${v.hash}`;

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
  lines.push('', `${TRAILER}: ${versionKey(v)}`);
  return lines.join('\n') + '\n';
}

interface GitRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

function run(dir: string, args: string[], opts: { input?: string; env?: NodeJS.ProcessEnv }): Promise<GitRun> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', ['-C', dir, ...args], {
      env: { ...process.env, GIT_TERMINAL_PROMPT: '0', ...opts.env },
      stdio: ['pipe', 'pipe', 'pipe'],
      timeout: GIT_TIMEOUT_MS,
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let size = 0;
    child.stdout.on('data', (b: Buffer) => {
      size += b.length;
      if (size <= MAX_OUTPUT_BYTES) out.push(b);
    });
    child.stderr.on('data', (b: Buffer) => {
      if (err.length < 64) err.push(b);
    });
    child.once('error', reject);
    child.stdin.on('error', () => {
      /* git exited before reading its input: its status says why */
    });
    child.stdin.end(opts.input ?? '');
    child.once('close', (status) =>
      resolve({ status, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') }),
    );
  });
}

async function git(dir: string, args: string[], opts: { input?: string; env?: NodeJS.ProcessEnv } = {}) {
  let r: GitRun;
  try {
    r = await run(dir, args, opts);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    throw new AcesyncError('ACESYNC_EXPORT', `git ${args[0]}: ${message}`, undefined, { cause: err });
  }
  if (r.status !== 0)
    throw new AcesyncError(
      'ACESYNC_EXPORT',
      `git ${args.join(' ')}: ${r.stderr.trim().slice(0, 500) || `exit ${r.status ?? 'by signal (timeout?)'}`}`,
    );
  return r.stdout;
}

/** Trailers of the versions already in the repository (none when it has no commit yet). */
export async function exportedKeys(dir: string): Promise<Set<string>> {
  const head = await run(dir, ['rev-parse', '--verify', '-q', 'HEAD'], {}).catch(() => undefined);
  if (head?.status !== 0) return new Set();
  const out = await git(dir, ['log', `--format=%(trailers:key=${TRAILER},valueonly)`]);
  return new Set(
    out
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean),
  );
}

/** Create the repository (and its folder) when it does not exist yet. */
export async function ensureRepository(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  if (!existsSync(join(dir, '.git'))) await git(dir, ['init', '-q']);
}

/** Commit one version (its text written to DEVICE/CONTEXT.cfg) with the author and date of its change. */
async function commitVersion(dir: string, v: ConfigVersion, text: string, cause: VersionCause): Promise<void> {
  const rel = `${safeSegment(v.device)}/${safeSegment(v.context)}.cfg`;
  await mkdir(join(dir, safeSegment(v.device)), { recursive: true });
  await writeFile(join(dir, rel), text);
  await git(dir, ['add', '--', rel]);
  const user = cause.users[0];
  const date = `@${Math.floor(v.firstSeen / 1000)} +0000`;
  await git(dir, ['commit', '-q', '--allow-empty', '--no-verify', '-F', '-'], {
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
}

export interface ExportResult {
  committed: number;
  skipped: number;
}

export interface ExportOptions {
  /** Versions known to be in the repository already (the mirror's memory); the repository is read anyway. */
  known?: ReadonlySet<string>;
  /** Told each version found in or committed to the repository (the mirror keeps its memory with it). */
  onPresent?: (key: string) => void;
  /** Stop between two commits (service shutdown); what is committed stays committed. */
  signal?: AbortSignal;
}

/**
 * Commit every stored version not yet in the repository at `dir` (created if needed), oldest first. With
 * `known` covering every stored version, nothing is spawned at all: the mirror's common case after an audit
 * that found nothing new.
 */
export async function exportVersions(db: Database, dir: string, opts: ExportOptions = {}): Promise<ExportResult> {
  const versions = exportableVersions(db);
  if (opts.known && versions.every((v) => opts.known!.has(versionKey(v))))
    return { committed: 0, skipped: versions.length };
  await ensureRepository(dir);
  const done = await exportedKeys(dir);
  let committed = 0;
  let skipped = 0;
  for (const v of versions) {
    const key = versionKey(v);
    if (done.has(key)) {
      skipped++;
      opts.onPresent?.(key);
      continue;
    }
    if (opts.signal?.aborted) break;
    const text = versionText(db, v.id);
    if (text === undefined) continue;
    const cause = versionCause(db, v.device, v.context, v, contextVersions(db, v.device, v.context));
    await commitVersion(dir, v, text, cause);
    done.add(key);
    opts.onPresent?.(key);
    committed++;
  }
  return { committed, skipped };
}
