/**
 * The state database on a file system that fails under it, with the real `acesync start`
 * as a child process and the database on a small tmpfs mounted for the test (root only;
 * the tests are skipped with the reason when mount is not possible):
 *
 * - the disk fills up while events are being stored: acesync stops with exit code 1 and
 *   an ACESYNC_STORE_WRITE message that says the disk is full; the file it leaves passes
 *   `PRAGMA integrity_check`, keeps what was stored before, and a start after space was
 *   freed runs on it normally;
 * - the file system is read-only (EROFS, a tmpfs remounted read-only): start exits 1 with
 *   ACESYNC_STORE_OPEN naming the file, and the file is left byte for byte as it was.
 *   (test/store/read-only.test.ts covers a read-only file by its mode; test/store/store.test.ts
 *   covers a database that turns read-only while running, at the Store level: a mounted file
 *   system cannot be remounted read-only while acesync holds the file open for writing.)
 */
import { spawnSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { runCli, startCli, waitStarted, type Running } from '../helpers/cli.js';
import { integrityCheck, RULES, sleep, TempDirs, withCrashCopy } from './helpers.js';

const dirs = new TempDirs();
const mounts: string[] = [];
let cli: Running | undefined;

function mountTmpfs(dir: string, sizeKb: number): string | undefined {
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeKb}k,mode=0755`, 'tmpfs', dir], {
    encoding: 'utf8',
    timeout: 10_000,
  });
  if (r.status !== 0) return `mount -t tmpfs failed (${(r.stderr || r.error?.message || '').trim()}); needs root`;
  mounts.push(dir);
  return undefined;
}

function umount(dir: string): void {
  spawnSync('umount', ['-l', dir], { timeout: 10_000 });
}

// Probe once: can this test run mount a tmpfs here?
const probeDir = dirs.make('acesync-mount-probe-');
const cannotMount = mountTmpfs(probeDir, 64);
if (cannotMount === undefined) {
  umount(probeDir);
  mounts.pop();
}

afterEach(async () => {
  await cli?.stop('SIGKILL');
  cli = undefined;
  for (const m of mounts.splice(0)) umount(m);
});
afterAll(() => dirs.removeAll());

function writeConfig(dir: string, dbPath: string): string {
  const file = join(dir, 'acesync.yaml');
  writeFileSync(
    file,
    JSON.stringify({
      log: { level: 'info' },
      syslog: { udp: { host: '127.0.0.1', port: 0 }, tcp: { enabled: false } },
      snmp: { enabled: false },
      http: { enabled: false },
      store: { path: dbPath },
      rules: RULES,
      poller: { enabled: false },
      anm: { enabled: false },
      engine: { watch_rules: false, jobs: { workers: false } },
      devices: [{ name: 'ace-d', host: '127.0.0.1', contexts: [{ name: 'VC_D', sources: ['127.0.0.1'] }] }],
    }),
  );
  return file;
}

/** Fill a file system with a filler file until the kernel says it is full. */
function fill(dir: string): string {
  const path = join(dir, 'filler');
  const fd = openSync(path, 'w');
  const chunk = Buffer.alloc(16 * 1024, 0x5a);
  try {
    for (;;) writeSync(fd, chunk);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
  } finally {
    closeSync(fd);
  }
  return path;
}

describe('state database on a failing file system', () => {
  it.skipIf(cannotMount !== undefined)(
    'a full disk: exit 1 with a clear error, the file sound, and a later start runs on it',
    { timeout: 60_000 },
    async () => {
      const dir = dirs.make('acesync-full-');
      const mnt = join(dir, 'mnt');
      mkdirSync(mnt);
      expect(mountTmpfs(mnt, 4096)).toBeUndefined();
      const dbPath = join(mnt, 'acesync.db');
      const cfg = writeConfig(dir, dbPath);
      cli = startCli(['start', '--config', cfg], { cwd: dir });
      const udp = (await waitStarted(cli)).find((l) => l.transport === 'udp')!;
      const sock = createSocket('udp4');
      await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
      const line = (i: number): string =>
        `<165>Nov 25 2026 10:00:00 VC_D: %ACE-5-111008: User 'admin' executed the 'rserver host FULL-${i} ${'x'.repeat(3000)}' command.`;
      // Some events stored while there is room...
      for (let i = 0; i < 50; i++) sock.send(line(i), udp.port, '127.0.0.1');
      await sleep(500);
      // ... then the disk fills up, and events keep coming until acesync gives up.
      const filler = fill(mnt);
      const exited = new Promise<number | null>((r) => cli!.child.once('exit', (code) => r(code)));
      let i = 50;
      let code: number | null | undefined;
      void exited.then((c) => (code = c));
      const deadline = Date.now() + 30_000;
      while (code === undefined && Date.now() < deadline) {
        for (let k = 0; k < 20; k++) sock.send(line(i++), udp.port, '127.0.0.1');
        await sleep(20);
      }
      sock.close();
      expect(code, 'acesync kept running on a full disk').toBe(1);
      const stderr = cli.stderr.join('\n');
      cli = undefined;
      expect(stderr).toContain('ACESYNC_STORE_WRITE');
      expect(stderr).toMatch(/full/i);
      expect(stderr).toContain(dbPath);

      // The file as it was left: sound, and it kept what was stored before.
      const kept = withCrashCopy(dbPath, dir, (db) => {
        expect(integrityCheck(db)).toBe('ok');
        return (db.prepare("SELECT COUNT(*) AS n FROM events WHERE kind = 'config-change'").get() as { n: number }).n;
      });
      expect(kept).toBeGreaterThanOrEqual(1);

      // Space freed: acesync starts on the same file and finds what it stored.
      rmSync(filler);
      cli = startCli(['start', '--config', cfg], { cwd: dir });
      await waitStarted(cli);
      expect(await cli.stop('SIGTERM')).toBe(0);
      cli = undefined;
      withCrashCopy(dbPath, dir, (db) => {
        expect(integrityCheck(db)).toBe('ok');
        expect(
          (db.prepare("SELECT COUNT(*) AS n FROM events WHERE kind = 'config-change'").get() as { n: number }).n,
        ).toBeGreaterThanOrEqual(kept);
      });
    },
  );

  it.skipIf(cannotMount !== undefined)(
    'a read-only file system: exit 1 naming the file, which is left untouched',
    { timeout: 40_000 },
    async () => {
      const dir = dirs.make('acesync-rofs-');
      const mnt = join(dir, 'mnt');
      mkdirSync(mnt);
      expect(mountTmpfs(mnt, 4096)).toBeUndefined();
      const dbPath = join(mnt, 'acesync.db');
      const cfg = writeConfig(dir, dbPath);
      // A first run creates the database, then stops cleanly.
      cli = startCli(['start', '--config', cfg], { cwd: dir });
      await waitStarted(cli);
      expect(await cli.stop('SIGTERM')).toBe(0);
      cli = undefined;
      const remount = spawnSync('mount', ['-o', 'remount,ro', mnt], { encoding: 'utf8', timeout: 10_000 });
      expect(remount.status, remount.stderr).toBe(0);
      const files = ['', '-wal', '-shm'].filter((s) => existsSync(dbPath + s));
      const before = files.map((s) => readFileSync(dbPath + s));
      const r = await runCli(['start', '--config', cfg], { cwd: dir, timeoutMs: 20_000 });
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('ACESYNC_STORE_OPEN');
      expect(r.stderr).toContain(dbPath);
      expect(r.stderr).toMatch(/read-only/i);
      expect(files.map((s) => readFileSync(dbPath + s))).toEqual(before);
      withCrashCopy(dbPath, dir, (db) => expect(integrityCheck(db)).toBe('ok'));
    },
  );
});

if (cannotMount !== undefined) console.log(`store-faults skipped: ${cannotMount}`);
