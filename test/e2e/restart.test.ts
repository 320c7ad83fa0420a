/**
 * kill -9 of acesync with work in flight: the built CLI runs as a child process against a
 * simulated ACE pair and ANM in the test process. While ANM hangs, uploads are running
 * (their rows say so) and a settle window is open; acesync is killed with SIGKILL and
 * started again on the same database. The restart completes everything: each changed
 * context ends in-sync, ANM holds the device's configuration, and nothing is uploaded
 * twice. (`npm test` builds dist/ first.)
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLab, type Lab } from '../../src/demo/lab.js';
import { DEMO_ACE_PASSWORD_ENV, DEMO_ANM_PASSWORD_ENV } from '../../src/demo/config.js';
import { normaliseRunningConfig } from '../../src/parse/cli/running-config.js';
import { StoreReader } from '../../src/store/reader.js';
import { ROOT, startCli, waitStarted, type Running } from '../helpers/cli.js';
import { freeUdpPort, until } from '../helpers/wait.js';

const DEVICES = ['ace-a', 'ace-b'] as const;

describe('kill -9 and restart (the built CLI as a child process)', () => {
  let dir: string;
  let lab: Lab;
  let cli: Running | undefined;
  let reader: StoreReader | undefined;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'acesync-restart-'));
    lab = await startLab({
      syslogPort: await freeUdpPort(),
      snmpPort: await freeUdpPort(),
      snmpEnabled: false,
      httpEnabled: false,
      storePath: join(dir, 'acesync.db'),
      rulesPath: join(ROOT, 'rules'),
      baseDir: dir,
      // A settle window long enough to kill acesync while it is open.
      timings: {
        auditIntervalMs: 3_000,
        fastIntervalMs: 1_000,
        settleMs: 1_500,
        jobBackoffMs: 300,
        breakerFailures: 2,
        breakerResetMs: 1_000,
        tickMs: 50,
      },
      logLevel: 'info',
    });
  });
  afterAll(async () => {
    reader?.close();
    await cli?.stop('SIGKILL');
    await lab?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it(
    'a restart on the same database completes the uploads left running and the open settle window, none twice',
    { timeout: 60_000 },
    async () => {
      const file = join(dir, 'acesync.yaml');
      // JSON is YAML: the lab's configuration as an operator's file.
      writeFileSync(file, JSON.stringify(lab.configObject, null, 2));
      const env = {
        [DEMO_ACE_PASSWORD_ENV]: lab.secrets.acePassword,
        [DEMO_ANM_PASSWORD_ENV]: lab.secrets.anmPassword,
      };
      const start = async (): Promise<Running> => {
        const r = startCli(['start', '--config', file], { env, cwd: dir });
        await waitStarted(r);
        return r;
      };
      const anmHolds = (d: string, c: string): boolean => {
        const copy = lab.anm.copy(d, c);
        return (
          copy !== undefined &&
          normaliseRunningConfig(copy.config) === normaliseRunningConfig(lab.ace.getRunningConfig(d, c))
        );
      };
      const uploads = (d: string, c: string, since: number): number =>
        lab.anm.state.history.filter((r) => r.ok && r.device === d && r.context === c && r.at >= since).length;
      const all = DEVICES.flatMap((d) => ['Admin', ...lab.contexts].map((c) => ({ d, c })));

      cli = await start();
      reader = StoreReader.open(join(dir, 'acesync.db'));
      const db = reader.db;
      const sync = (d: string, c: string): string | undefined => reader!.context(d, c)?.sync;
      await until(
        'seeded: every context in-sync and held by ANM',
        () => all.every(({ d, c }) => sync(d, c) === 'in-sync' && anmHolds(d, c)),
        30_000,
      );

      // ANM stops answering; a change on VC_APP is audited, found stale, and its uploads hang, running.
      await lab.anm.setBehaviour({ mode: 'hang' });
      const t0 = Date.now();
      lab.ace.configure('ace-a', 'VC_APP', ['rserver host RESTART-1', '  ip address 10.95.0.1', '  inservice']);
      const runningUploads = (): Array<{ id: number; device: string; context: string; attempts: number }> =>
        db
          .prepare(
            "SELECT id, device, context, attempts FROM jobs WHERE type = 'upload' AND state = 'running' AND context = 'VC_APP'",
          )
          .all() as Array<{ id: number; device: string; context: string; attempts: number }>;
      await until('uploads of VC_APP running (ANM hangs)', () => runningUploads().length === 2);
      // A change on VC_WEB opens a settle window (audits not yet asked for).
      lab.ace.configure('ace-a', 'VC_WEB', ['rserver host RESTART-2', '  ip address 10.95.0.2', '  inservice']);
      await until(
        'a settle window open for VC_WEB',
        () =>
          (
            db.prepare("SELECT COUNT(*) AS n FROM timers WHERE kind = 'settle' AND context = 'VC_WEB'").get() as {
              n: number;
            }
          ).n >= 1,
      );

      const first = cli;
      cli = undefined;
      expect(await first.stop('SIGKILL')).toBe(null);
      expect(first.child.signalCode).toBe('SIGKILL');
      // Work left behind in the database: jobs a crash left `running`, and a timer.
      const interrupted = runningUploads().map((j) => j.id);
      expect(interrupted.length).toBe(2);
      expect(
        (
          db.prepare("SELECT COUNT(*) AS n FROM timers WHERE kind = 'settle' AND context = 'VC_WEB'").get() as {
            n: number;
          }
        ).n,
      ).toBeGreaterThanOrEqual(1);
      expect(lab.anm.state.history.filter((r) => r.at >= t0)).toEqual([]);

      await lab.anm.setBehaviour({ mode: 'normal' });
      cli = await start();
      const changed = DEVICES.flatMap((d) => ['VC_APP', 'VC_WEB'].map((c) => ({ d, c })));
      await until(
        'after the restart: both changes uploaded, every context in-sync, the queue drained',
        () =>
          all.every(({ d, c }) => sync(d, c) === 'in-sync' && anmHolds(d, c)) &&
          (
            db
              .prepare(
                "SELECT COUNT(*) AS n FROM jobs WHERE type IN ('audit', 'upload', 'check-crypto') AND state IN ('pending', 'running')",
              )
              .get() as { n: number }
          ).n === 0,
        30_000,
      );
      for (const { d, c } of changed) expect(uploads(d, c, t0)).toBe(1);
      for (const d of DEVICES) expect(uploads(d, 'Admin', t0)).toBe(0);
      expect(lab.anm.copy('ace-b', 'VC_APP')!.config).toContain('rserver host RESTART-1');
      expect(lab.anm.copy('ace-b', 'VC_WEB')!.config).toContain('rserver host RESTART-2');
      // Each job running at the kill ran again after the restart (its interrupted attempt
      // counts), or gave way to a request for the same upload that was already pending.
      const get = db.prepare('SELECT state, attempts, last_error FROM jobs WHERE id = ?');
      for (const id of interrupted) {
        const j = get.get(id) as { state: string; attempts: number; last_error: string | null };
        if (j.state === 'done') expect(j.attempts).toBeGreaterThan(1);
        else expect(j).toMatchObject({ state: 'failed', last_error: expect.stringContaining('superseded') });
      }
      expect(await cli.stop('SIGTERM')).toBe(0);
      cli = undefined;
    },
  );
});
