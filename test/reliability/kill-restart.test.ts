/**
 * kill -9 at random points, many times: the built `acesync start` runs as a child process
 * against a simulated ACE pair and a simulated ANM (http upload strategy) in the test
 * process, with short settle windows and retry delays. Each round starts acesync on the
 * same database, sometimes kills it while it is still starting, otherwise types a change
 * on the active device's CLI (111008 -> settle window -> audits -> uploads) and kills it
 * with SIGKILL after a random delay. The points are drawn from a seeded PRNG (set
 * ACESYNC_RELIABILITY_SEED to replay a run); the seed is printed.
 *
 * After every kill, a copy of the database as the kill left it passes
 * `PRAGMA integrity_check`. At the end, one more start completes everything: no job
 * pending or running, no settle window left, no timer overdue, every context of both
 * peers in-sync and ANM holding each device's configuration. ANM's upload history has no
 * duplicate: two successive uploads of the same configuration (same hash) to the same
 * (device, context) are allowed only when a kill caught an upload of that context running
 * (ANM did the work, or was still doing it, but acesync never recorded the job as done,
 * so the restart had to run it again); one kill explains one repeat per context.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startLab, type Lab } from '../../src/demo/lab.js';
import { normaliseRunningConfig } from '../../src/parse/cli/running-config.js';
import { StoreReader } from '../../src/store/reader.js';
import { prng } from '../parse/prng.js';
import { startCli, waitStarted, type Running } from '../helpers/cli.js';
import { freeUdpPort, integrityCheck, RULES, sleep, TempDirs, until, withCrashCopy } from './helpers.js';

const ROUNDS = 20;
const SEED = Number(process.env.ACESYNC_RELIABILITY_SEED ?? 20261125);
const DEVICES = ['ace-a', 'ace-b'] as const;

interface InFlight {
  round: number;
  phase: 'starting' | 'running';
  /** ANM's delay before each sync answer this round (0: normal). */
  slowMs: number;
  changed?: string;
  delayMs: number;
  killedAt: number;
  integrity: string;
  settleTimers: number;
  runningJobs: number;
  pendingJobs: number;
  /** device/context of the uploads running at the kill. */
  runningUploads: string[];
}

const dirs = new TempDirs();
let lab: Lab | undefined;
let cli: Running | undefined;
let reader: StoreReader | undefined;
afterAll(async () => {
  reader?.close();
  await cli?.stop('SIGKILL');
  await lab?.stop();
  dirs.removeAll();
});

describe('kill -9 at random points while work is in flight', () => {
  it(`${ROUNDS} rounds: the database stays sound, and a last start completes every job and timer with no needless upload`, { timeout: 120_000 }, async () => {
    const rnd = prng(SEED);
    console.log(`kill-restart: seed ${SEED} (ACESYNC_RELIABILITY_SEED replays it)`);
    const dir = dirs.make('acesync-kill-');
    const scratch = dirs.make('acesync-kill-scratch-');
    const dbPath = join(dir, 'acesync.db');
    lab = await startLab({
      syslogPort: await freeUdpPort(),
      snmpPort: await freeUdpPort(),
      snmpEnabled: false,
      httpEnabled: false,
      storePath: dbPath,
      rulesPath: RULES,
      baseDir: dir,
      // Short windows and retries so a round of about a second sees each of them.
      timings: { auditIntervalMs: 4_000, fastIntervalMs: 1_000, settleMs: 300, jobBackoffMs: 200, breakerFailures: 3, breakerResetMs: 1_000, tickMs: 50 },
      logLevel: 'info',
    });
    const file = join(dir, 'acesync.yaml');
    writeFileSync(file, JSON.stringify(lab.configObject, null, 2));
    const env = lab.env;
    const all = DEVICES.flatMap((d) => ['Admin', ...lab!.contexts].map((c) => ({ d, c })));
    const anmHolds = (d: string, c: string): boolean => {
      const copy = lab!.anm.copy(d, c);
      return copy !== undefined && normaliseRunningConfig(copy.config) === normaliseRunningConfig(lab!.ace.getRunningConfig(d, c));
    };

    const rounds: InFlight[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      // Half the rounds, ANM takes its time over each sync: uploads stay in flight longer.
      const slowMs = rnd.next() < 0.5 ? 300 + rnd.int(600) : 0;
      await lab.anm.setBehaviour(slowMs > 0 ? { mode: 'slow', delayMs: slowMs, scope: 'web' } : { mode: 'normal' });
      const r = startCli(['start', '--config', file], { env, cwd: dir });
      cli = r;
      const duringStart = rnd.next() < 0.2;
      let changed: string | undefined;
      let delayMs: number;
      if (duringStart) {
        // Somewhere in start-up: opening the database, recovering jobs, binding sockets.
        delayMs = rnd.int(700);
        await sleep(delayMs);
      } else {
        await waitStarted(r);
        if (rnd.next() < 0.75) {
          changed = rnd.pick(['VC_WEB', 'VC_APP', 'VC_WEB', 'VC_APP', 'Admin']);
          lab.ace.configure('ace-a', changed, changed === 'Admin' ? [`banner motd KILL-${round}`] : [`rserver host KILL-${round}`, `  ip address 10.97.${round}.1`, '  inservice']);
        }
        // Up to 1.5 s: inside the settle window (300 ms), while audits or uploads run, or after.
        delayMs = rnd.int(1500);
        await sleep(delayMs);
      }
      const killedAt = Date.now();
      expect(await r.stop('SIGKILL')).toBe(null);
      expect(r.child.signalCode).toBe('SIGKILL');
      cli = undefined;
      // A kill early in the first start may come before the database file exists.
      const seen = !existsSync(dbPath) ? { integrity: 'ok', settleTimers: 0, runningJobs: 0, pendingJobs: 0, runningUploads: [] } : withCrashCopy(dbPath, scratch, (db) => {
        const integrity = integrityCheck(db);
        const has = (db.prepare("SELECT COUNT(*) AS n FROM sqlite_master WHERE name = 'jobs'").get() as { n: number }).n > 0;
        const n = (sql: string): number => (has ? (db.prepare(sql).get() as { n: number }).n : 0);
        return {
          integrity,
          settleTimers: n("SELECT COUNT(*) AS n FROM timers WHERE kind = 'settle'"),
          runningJobs: n("SELECT COUNT(*) AS n FROM jobs WHERE state = 'running'"),
          pendingJobs: n("SELECT COUNT(*) AS n FROM jobs WHERE state = 'pending'"),
          runningUploads: has ? (db.prepare("SELECT device, context FROM jobs WHERE type = 'upload' AND state = 'running'").all() as Array<{ device: string; context: string }>).map((j) => `${j.device}/${j.context}`) : [],
        };
      });
      rounds.push({ round, phase: duringStart ? 'starting' : 'running', slowMs, ...(changed ? { changed } : {}), delayMs, killedAt, ...seen });
      expect(seen.integrity, `round ${round}: integrity_check after the kill`).toBe('ok');
    }
    console.log(`kill-restart rounds: ${JSON.stringify(rounds.map(({ round, phase, slowMs, changed, delayMs, settleTimers, runningJobs, pendingJobs }) => ({ round, phase, slowMs, changed, delayMs, settleTimers, runningJobs, pendingJobs })))}`);
    // The kills did land on work in flight.
    expect(rounds.some((r) => r.settleTimers > 0), 'no kill fell inside a settle window').toBe(true);
    expect(rounds.some((r) => r.runningJobs > 0), 'no kill fell while a job ran').toBe(true);

    // A last start, with ANM back to normal, completes everything.
    await lab.anm.setBehaviour({ mode: 'normal' });
    const last = startCli(['start', '--config', file], { env, cwd: dir });
    cli = last;
    await waitStarted(last);
    reader = StoreReader.open(dbPath);
    const db = reader.db;
    const count = (sql: string, ...args: unknown[]): number => (db.prepare(sql).get(...args) as { n: number }).n;
    await until(
      'every context in-sync and held by ANM, no job pending or running, no settle window, no overdue timer',
      () =>
        all.every(({ d, c }) => reader!.context(d, c)?.sync === 'in-sync' && anmHolds(d, c)) &&
        count("SELECT COUNT(*) AS n FROM jobs WHERE state IN ('pending', 'running') AND next_run_at <= ?", Date.now() + 60_000) === 0 &&
        count("SELECT COUNT(*) AS n FROM timers WHERE kind = 'settle' OR due <= ?", Date.now()) === 0,
      40_000,
    );
    expect(count("SELECT COUNT(*) AS n FROM jobs WHERE state IN ('pending', 'running')")).toBe(0);
    expect(integrityCheck(db)).toBe('ok');
    // Every change typed during the rounds reached ANM's copy.
    for (const r of rounds.filter((x) => x.changed !== undefined)) {
      const text = r.changed === 'Admin' ? `banner motd KILL-${r.round}` : `rserver host KILL-${r.round}`;
      for (const d of DEVICES) expect(lab.anm.copy(d, r.changed!)!.config, `${d}/${r.changed} lacks round ${r.round}'s change`).toContain(text);
    }

    // No duplicate upload that a kill does not explain: a repeat of the same configuration
    // is explained by a kill that caught an upload of that very context running (its row
    // said so in the crash copy), after the upload before the repeated one (so it is the
    // repeated one it interrupted, possibly before ANM even answered it) and before the repeat.
    const unexplained: string[] = [];
    const used = new Set<string>();
    let repeats = 0;
    const ok = lab.anm.state.history.filter((h) => h.ok);
    for (const { d, c } of all) {
      const ups = ok.filter((h) => h.device === d && h.context === c);
      for (let i = 1; i < ups.length; i++) {
        const prev = ups[i - 1]!;
        const cur = ups[i]!;
        if (prev.sha256 !== cur.sha256) continue;
        const after = i >= 2 ? ups[i - 2]!.at : 0;
        const k = rounds.find((r) => r.killedAt > after && r.killedAt < cur.at && r.runningUploads.includes(`${d}/${c}`) && !used.has(`${r.round}:${d}/${c}`));
        if (!k) unexplained.push(`${d}/${c} uploaded twice with hash ${cur.sha256?.slice(0, 12)} (at ${prev.at} and ${cur.at}) and no kill interrupted an upload of it in between`);
        else {
          used.add(`${k.round}:${d}/${c}`);
          repeats++;
        }
      }
    }
    console.log(`kill-restart: ${ok.length} uploads, ${repeats} repeated because a kill interrupted them`);
    expect(unexplained).toEqual([]);

    expect(await last.stop('SIGTERM')).toBe(0);
    cli = undefined;
  });
});
