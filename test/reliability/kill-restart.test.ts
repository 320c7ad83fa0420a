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
 * so the restart had to run it again; one kill explains one repeat per context), or when
 * a change typed into the context while its upload ran left acesync unable to tell which
 * version ANM fetched (it then uploads again, by design).
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
  /** When the change was typed (ms epoch). */
  changedAt?: number;
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
  it(
    `${ROUNDS} rounds: the database stays sound, and a last start completes every job and timer with no needless upload`,
    { timeout: 120_000 },
    async () => {
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
        timings: {
          auditIntervalMs: 4_000,
          fastIntervalMs: 1_000,
          settleMs: 300,
          jobBackoffMs: 200,
          breakerFailures: 3,
          breakerResetMs: 1_000,
          tickMs: 50,
        },
        logLevel: 'info',
      });
      const file = join(dir, 'acesync.yaml');
      writeFileSync(file, JSON.stringify(lab.configObject, null, 2));
      const env = lab.env;
      const all = DEVICES.flatMap((d) => ['Admin', ...lab!.contexts].map((c) => ({ d, c })));
      const anmHolds = (d: string, c: string): boolean => {
        const copy = lab!.anm.copy(d, c);
        return (
          copy !== undefined &&
          normaliseRunningConfig(copy.config) === normaliseRunningConfig(lab!.ace.getRunningConfig(d, c))
        );
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
        let changedAt: number | undefined;
        let delayMs: number;
        if (duringStart) {
          // Somewhere in start-up: opening the database, recovering jobs, binding sockets.
          delayMs = rnd.int(700);
          await sleep(delayMs);
        } else {
          await waitStarted(r);
          if (rnd.next() < 0.75) {
            changed = rnd.pick(['VC_WEB', 'VC_APP', 'VC_WEB', 'VC_APP', 'Admin']);
            changedAt = Date.now();
            lab.ace.configure(
              'ace-a',
              changed,
              changed === 'Admin'
                ? [`banner motd KILL-${round}`]
                : [`rserver host KILL-${round}`, `  ip address 10.97.${round}.1`, '  inservice'],
            );
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
        const seen = !existsSync(dbPath)
          ? { integrity: 'no database yet', settleTimers: 0, runningJobs: 0, pendingJobs: 0, runningUploads: [] }
          : withCrashCopy(dbPath, scratch, (db) => {
              const integrity = integrityCheck(db);
              const has =
                (db.prepare("SELECT COUNT(*) AS n FROM sqlite_master WHERE name = 'jobs'").get() as { n: number }).n >
                0;
              const n = (sql: string): number => (has ? (db.prepare(sql).get() as { n: number }).n : 0);
              return {
                integrity,
                settleTimers: n("SELECT COUNT(*) AS n FROM timers WHERE kind = 'settle'"),
                runningJobs: n("SELECT COUNT(*) AS n FROM jobs WHERE state = 'running'"),
                pendingJobs: n("SELECT COUNT(*) AS n FROM jobs WHERE state = 'pending'"),
                runningUploads: has
                  ? (
                      db
                        .prepare("SELECT device, context FROM jobs WHERE type = 'upload' AND state = 'running'")
                        .all() as Array<{ device: string; context: string }>
                    ).map((j) => `${j.device}/${j.context}`)
                  : [],
              };
            });
        rounds.push({
          round,
          phase: duringStart ? 'starting' : 'running',
          slowMs,
          ...(changed ? { changed, changedAt } : {}),
          delayMs,
          killedAt,
          ...seen,
        });
        expect(seen.integrity, `round ${round}: integrity_check after the kill`).toBe(
          round === 1 && seen.integrity === 'no database yet' ? 'no database yet' : 'ok',
        );
      }
      console.log(
        `kill-restart rounds: ${JSON.stringify(rounds.map(({ round, phase, slowMs, changed, delayMs, settleTimers, runningJobs, pendingJobs }) => ({ round, phase, slowMs, changed, delayMs, settleTimers, runningJobs, pendingJobs })))}`,
      );
      // The kills did land on work in flight.
      expect(
        rounds.some((r) => r.settleTimers > 0),
        'no kill fell inside a settle window',
      ).toBe(true);
      expect(
        rounds.some((r) => r.runningJobs > 0),
        'no kill fell while a job ran',
      ).toBe(true);

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
          count(
            "SELECT COUNT(*) AS n FROM jobs WHERE state IN ('pending', 'running') AND next_run_at <= ?",
            Date.now() + 60_000,
          ) === 0 &&
          count("SELECT COUNT(*) AS n FROM timers WHERE kind = 'settle' OR due <= ?", Date.now()) === 0,
        40_000,
      );
      expect(count("SELECT COUNT(*) AS n FROM jobs WHERE state IN ('pending', 'running')")).toBe(0);
      expect(integrityCheck(db)).toBe('ok');
      // Every change typed during the rounds reached ANM's copy.
      for (const r of rounds.filter((x) => x.changed !== undefined)) {
        const text = r.changed === 'Admin' ? `banner motd KILL-${r.round}` : `rserver host KILL-${r.round}`;
        for (const d of DEVICES)
          expect(lab.anm.copy(d, r.changed!)!.config, `${d}/${r.changed} lacks round ${r.round}'s change`).toContain(
            text,
          );
      }

      // No duplicate upload without a reason. Two successive uploads of the same
      // configuration to one context are explained either
      // (a) by acesync itself: the job that made the first one reported that the device
      //     changed around the upload (src/jobs/workers.ts: ANM may then hold either version,
      //     so nothing is recorded and the confirming audit uploads again), and the test did
      //     type a change into that context between the audit that asked for the upload and
      //     the end of that job; or
      // (b) by a kill that caught an upload of that very context running (its row said so in
      //     the crash copy), before the repeat: ANM did the work, or was still doing it (a
      //     slow ANM finishes a request whose client died, and fetches whatever the device
      //     holds by then), but acesync never recorded it, so the restart runs it again. One
      //     kill explains one repeat per context, within 10 s of the kill.
      const doneUploads = (
        db
          .prepare(
            "SELECT device, context, finished_at AS finishedAt, payload, result FROM jobs WHERE type = 'upload' AND state = 'done'",
          )
          .all() as Array<{
          device: string;
          context: string;
          finishedAt: number;
          payload: string;
          result: string | null;
        }>
      ).map((j) => ({
        ...j,
        payload: JSON.parse(j.payload) as { eventId?: number },
        result: JSON.parse(j.result ?? '{}') as { detail?: string; deviceChangedDuringUpload?: boolean },
      }));
      const eventAt = db.prepare('SELECT received_at AS at FROM events WHERE id = ?');
      const changedAround = (d: string, c: string, prev: { at: number; sha256?: string }): boolean => {
        // The job that made it: the first to finish after ANM recorded it, naming that configuration.
        const job = doneUploads
          .filter(
            (j) =>
              j.device === d &&
              j.context === c &&
              j.finishedAt >= prev.at &&
              j.finishedAt <= prev.at + 10_000 &&
              prev.sha256 !== undefined &&
              (j.result.detail ?? '').includes(prev.sha256.slice(0, 12)),
          )
          .sort((a, b) => a.finishedAt - b.finishedAt)[0];
        if (job?.result.deviceChangedDuringUpload !== true || job.payload.eventId === undefined) return false;
        const askedAt = (eventAt.get(job.payload.eventId) as { at: number } | undefined)?.at ?? Infinity;
        return rounds.some(
          (r) => r.changed === c && r.changedAt !== undefined && r.changedAt > askedAt && r.changedAt < job.finishedAt,
        );
      };
      const unexplained: string[] = [];
      const used = new Set<string>();
      const repeats = { kill: 0, changed: 0 };
      const ok = lab.anm.state.history.filter((h) => h.ok);
      const pairs = all.flatMap(({ d, c }) => {
        const ups = ok.filter((h) => h.device === d && h.context === c);
        return ups.slice(1).flatMap((cur, i) => (ups[i]!.sha256 === cur.sha256 ? [{ d, c, prev: ups[i]!, cur }] : []));
      });
      for (const { d, c, prev, cur } of pairs.sort((a, b) => a.cur.at - b.cur.at)) {
        // The most recent kill that can still explain one.
        const k = rounds
          .filter(
            (r) =>
              r.killedAt < cur.at &&
              cur.at - r.killedAt <= 10_000 &&
              r.runningUploads.includes(`${d}/${c}`) &&
              !used.has(`${r.round}:${d}/${c}`),
          )
          .at(-1);
        if (changedAround(d, c, prev)) repeats.changed++;
        else if (k) {
          used.add(`${k.round}:${d}/${c}`);
          repeats.kill++;
        } else
          unexplained.push(
            `${d}/${c} uploaded twice with hash ${cur.sha256?.slice(0, 12)} (at ${prev.at} and ${cur.at}): no kill interrupted an upload of it, and no change came during the first`,
          );
      }
      console.log(
        `kill-restart: ${ok.length} uploads; repeated: ${repeats.kill} after a kill interrupted them, ${repeats.changed} after a change during the upload`,
      );
      if (unexplained.length > 0) {
        // What a failure needs to be understood: the rounds, ANM's history and the jobs around it.
        console.log(
          `kill-restart diagnostics: ${JSON.stringify({
            rounds,
            anm: lab.anm.state.history.map((x) => [x.device, x.context, x.at, x.ok, x.sha256?.slice(0, 12)]),
            uploads: db
              .prepare(
                "SELECT id, device, context, state, attempts, created_at, started_at, finished_at, last_error, payload, result FROM jobs WHERE type = 'upload' ORDER BY id",
              )
              .all(),
            results: db
              .prepare(
                "SELECT id, received_at, kind, device, context, json_extract(body, '$.data.outcome') AS outcome, json_extract(body, '$.data.hash') AS hash, json_extract(body, '$.data.anmHash') AS anm, json_extract(body, '$.data.jobId') AS job FROM events WHERE kind IN ('audit-result', 'upload-result') ORDER BY id",
              )
              .all(),
          })}`,
        );
      }
      expect(unexplained).toEqual([]);

      expect(await last.stop('SIGTERM')).toBe(0);
      cli = undefined;
    },
  );
});
