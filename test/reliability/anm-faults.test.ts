/**
 * ANM misbehaving while changes wait to be uploaded: answering 500, hanging (no answer
 * at all), and refusing connections (port closed). acesync runs in-process against the
 * simulated lab (real SSH audits, real http uploads, real SQLite). For each fault, in turn
 * on one seeded lab: a change typed on the active device makes both peers' copies stale,
 * the uploads fail and back off, the breaker opens (later attempts are turned away at
 * once) and says so in the log; once ANM behaves again, the breaker closes, every upload
 * completes, the context is in-sync on both peers with ANM holding the device's
 * configuration, and each changed context was uploaded exactly once (no duplicate from
 * the retries), the unchanged ones not at all.
 *
 * The e2e suite (test/e2e/ha-procedure.test.ts) covers a long ANM outage on its own; this
 * file adds the 500 and the hang, and runs all three against the same service.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { SimMode } from '../../src/sim/anm/server.js';
import type { Job } from '../../src/store/job-queue.js';
import { TempDirs, until } from './helpers.js';
import { LAB_DEVICES, startLabApp, type LabApp } from './lab-app.js';

const dirs = new TempDirs();
let h: LabApp | undefined;
afterAll(async () => {
  await h?.stop();
  dirs.removeAll();
});

const PHASES: Array<{ mode: Exclude<SimMode, 'normal' | 'slow'>; context: string; error: RegExp }> = [
  { mode: 'fail', context: 'VC_WEB', error: /500/ },
  { mode: 'hang', context: 'VC_APP', error: /tim(ed|e) ?out|deadline/i },
  { mode: 'down', context: 'VC_WEB', error: /refused|ECONNREFUSED/i },
];

describe('ANM returning 500s, hanging, refusing connections', () => {
  it(
    'uploads back off, the breaker opens, and everything completes once ANM is back, each change uploaded once',
    { timeout: 90_000 },
    async () => {
      h = await startLabApp(dirs, {
        // A hanging ANM must cost a short wait here, not the defaults (30 s per request, 2 min
        // per upload). Kept in the defaults' order, per request shorter than per upload: when
        // the upload's deadline fires first, the request ends as an abort, which the breaker
        // does not count (src/anm/strategies/http.ts), so a hang would never open it.
        overrides: { anm: { timeout_ms: 700, strategy: { type: 'http', timeout_ms: 3_000 } } },
      });
      const { app, lab } = h;
      const jobsSince = (mark: number): Job[] =>
        app.jobs.list({ type: 'upload', limit: 1000 }).filter((j) => j.id > mark);
      for (const [i, phase] of PHASES.entries()) {
        const mark = h.lastJobId();
        const logMark = h.logs.length;
        const t0 = Date.now();
        await lab.anm.setBehaviour({ mode: phase.mode });
        lab.ace.configure('ace-a', phase.context, [
          `rserver host FAULT-${phase.mode}`,
          `  ip address 10.98.${i}.1`,
          '  inservice',
        ]);
        const errors = new Set<string>();
        await until(
          `${phase.mode}: uploads failing, the breaker open and turning attempts away`,
          () => {
            const ups = jobsSince(mark);
            for (const j of ups) if (j.lastError) errors.add(j.lastError);
            return (
              ups.length >= 2 &&
              [...errors].some((e) => phase.error.test(e)) &&
              [...errors].some((e) => /circuit breaker .* is open/.test(e))
            );
          },
          20_000,
        ).catch((err: Error) => {
          throw new Error(
            `${err.message}; upload errors seen: ${JSON.stringify([...errors])}; jobs: ${JSON.stringify(jobsSince(mark).map((j) => [j.device, j.context, j.state, j.attempts]))}`,
          );
        });
        // Nothing reached ANM while it misbehaved; the contexts wait, stale or suspect.
        expect(lab.anm.state.history.filter((r) => r.ok && r.at >= t0)).toEqual([]);
        for (const d of LAB_DEVICES) expect(['stale', 'suspect']).toContain(h.syncOf(d, phase.context));
        expect(
          h.logs
            .slice(logMark)
            .some((l) => typeof l.msg === 'string' && /ANM circuit breaker (closed|half-open) -> open/.test(l.msg)),
        ).toBe(true);

        await lab.anm.setBehaviour({ mode: 'normal' });
        await until(
          `${phase.mode}: after ANM is back, the change uploaded on both peers and no upload left`,
          () =>
            LAB_DEVICES.every((d) => h!.syncOf(d, phase.context) === 'in-sync' && h!.anmHolds(d, phase.context)) &&
            jobsSince(mark).every((j) => j.state !== 'pending' && j.state !== 'running'),
          30_000,
        );
        const ups = jobsSince(mark);
        // Backed off and completed: at least one upload needed several attempts, none gave up.
        expect(Math.max(...ups.map((j) => j.attempts))).toBeGreaterThan(1);
        expect(ups.filter((j) => j.state === 'done').length).toBeGreaterThanOrEqual(2);
        expect(ups.filter((j) => j.state === 'failed' && !/superseded/.test(j.lastError ?? ''))).toEqual([]);
        expect(h.logs.slice(logMark).some((l) => l.msg === 'ANM circuit breaker half-open -> closed')).toBe(true);
        // One upload per changed context and peer, none for the others.
        for (const t of h.targets)
          expect(h.uploads(t.device, t.context, t0), `${t.device}/${t.context} after ${phase.mode}`).toBe(
            t.context === phase.context ? 1 : 0,
          );
        for (const d of LAB_DEVICES)
          expect(lab.anm.copy(d, phase.context)!.config).toContain(`rserver host FAULT-${phase.mode}`);
      }
      expect(h.allInSync()).toBe(true);
    },
  );
});
