/**
 * Shared pieces of the reliability suite: polling with a deadline, free ports, temporary
 * folders that are removed afterwards, memory of a process from /proc, timed HTTP GETs,
 * an integrity check of a SQLite file on a copy (so the check itself repairs nothing the
 * next start should have to), and the C flood sender of the UDP benchmark built into a
 * temporary folder.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
export { until, freeUdpPort, freeTcpPort } from '../helpers/wait.js';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';

export const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
export const RULES = join(ROOT, 'rules');
export const FLOOD_SENDER_SRC = join(ROOT, 'bench/sender/syslog-flood.c');

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Poll `fn` every 50 ms until it returns a value (not undefined/false), or throw after `ms`. */

/** A UDP port that was free a moment ago (simulated devices must know acesync's port before it starts). */

/** A TCP port that was free a moment ago (nothing listens there: connections are refused). */

/** Temporary folders, removed by `removeAll` (call it in afterAll/afterEach). */
export class TempDirs {
  readonly #dirs: string[] = [];
  make(prefix = 'acesync-rel-'): string {
    const d = mkdtempSync(join(tmpdir(), prefix));
    this.#dirs.push(d);
    return d;
  }
  removeAll(): void {
    for (const d of this.#dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  }
}

/** VmRSS and VmHWM (peak RSS) of a process in MB, or undefined once it is gone. */
export function memoryMb(pid: number): { rss: number; hwm: number } | undefined {
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return undefined;
  }
  const kb = (key: string): number => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rss: kb('VmRSS') / 1024, hwm: kb('VmHWM') / 1024 };
}

export interface TimedResponse {
  status: number;
  body: string;
  /** From sending the request to the last byte of the answer. */
  ms: number;
}

/** GET with a deadline; resolves with the status, body and the time it took. */
export function timedGet(url: string, timeoutMs = 5_000, headers: Record<string, string> = {}): Promise<TimedResponse> {
  return new Promise((resolveP, reject) => {
    const t0 = performance.now();
    const req = request(url, { method: 'GET', headers, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolveP({
          status: res.statusCode ?? 0,
          body: Buffer.concat(chunks).toString('utf8'),
          ms: performance.now() - t0,
        }),
      );
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url} timed out after ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s[Math.floor((s.length - 1) / 2)]!;
}

/**
 * Open a copy of a database as a crash left it (the file and its WAL), so WAL recovery
 * happens on the copy and the next `acesync start` still finds the files exactly as the
 * kill left them. `fn` reads the copy; the copy is removed afterwards.
 */
export function withCrashCopy<T>(dbPath: string, scratch: string, fn: (db: Database.Database) => T): T {
  const copy = join(scratch, `copy-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}.db`);
  copyFileSync(dbPath, copy);
  if (existsSync(`${dbPath}-wal`)) copyFileSync(`${dbPath}-wal`, `${copy}-wal`);
  try {
    const db = new Database(copy, { fileMustExist: true });
    try {
      return fn(db);
    } finally {
      db.close();
    }
  } finally {
    for (const f of [copy, `${copy}-wal`, `${copy}-shm`]) rmSync(f, { force: true });
  }
}

/** `PRAGMA integrity_check` ('ok' when the file is sound). */
export function integrityCheck(db: Database.Database): string {
  return (db.pragma('integrity_check') as Array<{ integrity_check: string }>).map((r) => r.integrity_check).join('; ');
}

/** Build bench/sender/syslog-flood.c with cc into `dir`; undefined (and why) when there is no compiler. */
export function buildFloodSender(dir: string): { path?: string; why?: string } {
  const out = join(dir, 'syslog-flood');
  try {
    execFileSync('cc', ['-O2', '-Wall', '-o', out, FLOOD_SENDER_SRC], { stdio: 'pipe', timeout: 60_000 });
    return { path: out };
  } catch (err) {
    return {
      why: `cannot build the flood sender with cc: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`,
    };
  }
}
