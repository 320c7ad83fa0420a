/**
 * The HA procedure end to end, in process: a simulated ACE pair and a simulated ANM on
 * loopback (src/demo/lab.ts), acesync built with buildApp on a real SQLite file and the
 * real rules/ folder, real syslog/trap sockets, real SSH audits and real http uploads.
 * Every scenario starts from the seed procedure (no baseline in ANM -> uploads -> in-sync)
 * and asserts through the store, the job queue and what the ANM simulator holds.
 */
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { buildApp, type App } from '../../src/app/app.js';
import { startLab, type Lab, type LabOptions } from '../../src/demo/lab.js';
import { silentLogger } from '../../src/core/log.js';
import { normaliseRunningConfig } from '../../src/parse/cli/running-config.js';
import type { Job } from '../../src/store/job-queue.js';
import { freeUdpPort, until } from '../helpers/wait.js';

const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const RULES = join(ROOT, 'rules');
const DEVICES = ['ace-a', 'ace-b'] as const;

interface Harness {
  lab: Lab;
  app: App;
  dir: string;
  /** Contexts of both devices, Admin included. */
  targets: Array<{ device: string; context: string }>;
  /** ANM's copy equals the device's running-config (normalised as acesync normalises it). */
  anmHoldsDevice(device: string, context: string): boolean;
  /** Successful uploads the ANM simulator recorded for a context since `since`. */
  uploads(device: string, context: string, since?: number): number;
  /** Every context of both devices in-sync in the store, and ANM holding each device's config. */
  allInSync(): boolean;
  syncOf(device: string, context: string): string | undefined;
}

let current: { app?: App; lab?: Lab; dir?: string } = {};
afterEach(async () => {
  await current.app?.stop().catch(() => undefined);
  await current.lab?.stop();
  if (current.dir) rmSync(current.dir, { recursive: true, force: true });
  current = {};
});

async function harness(opts: Partial<LabOptions> = {}): Promise<Harness> {
  const dir = mkdtempSync(join(tmpdir(), 'acesync-e2e-'));
  current.dir = dir;
  const [syslogPort, snmpPort] = [await freeUdpPort(), await freeUdpPort()];
  const lab = await startLab({
    syslogPort,
    snmpPort,
    snmpEnabled: opts.snmpEnabled ?? false,
    httpEnabled: opts.httpEnabled ?? false,
    httpPort: 0,
    storePath: join(dir, 'acesync.db'),
    rulesPath: RULES,
    baseDir: dir,
    timings: {
      auditIntervalMs: 3_000,
      fastIntervalMs: 500,
      settleMs: 200,
      jobBackoffMs: 200,
      breakerFailures: 2,
      breakerResetMs: 1_000,
      tickMs: 50,
      ...opts.timings,
    },
    logLevel: 'silent',
    ...opts,
  });
  current.lab = lab;
  const app = buildApp({ loaded: lab.loaded, env: lab.env, logger: silentLogger });
  current.app = app;
  await app.start();
  const targets = DEVICES.flatMap((device) => ['Admin', ...lab.contexts].map((context) => ({ device, context })));
  const h: Harness = {
    lab,
    app,
    dir,
    targets,
    anmHoldsDevice(device, context) {
      const copy = lab.anm.copy(device, context);
      return (
        copy !== undefined &&
        normaliseRunningConfig(copy.config) === normaliseRunningConfig(lab.ace.getRunningConfig(device, context))
      );
    },
    uploads(device, context, since = 0) {
      return lab.anm.state.history.filter((r) => r.ok && r.device === device && r.context === context && r.at >= since)
        .length;
    },
    syncOf(device, context) {
      return app.store.context(device, context)?.sync;
    },
    allInSync() {
      return targets.every((t) => h.syncOf(t.device, t.context) === 'in-sync' && h.anmHoldsDevice(t.device, t.context));
    },
  };
  return h;
}

/** The seed procedure: first audits find no baseline in ANM; every context is uploaded and confirmed. */
async function seeded(opts: Partial<LabOptions> = {}): Promise<Harness> {
  const h = await harness(opts);
  await until('every context seeded into ANM and in-sync', () => h.allInSync(), 25_000);
  for (const t of h.targets) expect(h.uploads(t.device, t.context)).toBe(1);
  return h;
}

/** The states a context went through since `since` (decisions of kind 'state'). */
function path(app: App, device: string, context: string, sinceId = 0): string[] {
  return app.store
    .decisions({ device, context, kinds: ['state'], limit: 1000 })
    .filter((d) => d.id > sinceId)
    .map((d) => d.to!);
}

function lastDecisionId(app: App): number {
  return app.store.decisions({ limit: 1 }).at(-1)?.id ?? 0;
}

function jobsSince(app: App, type: Job['type'], sinceId: number): Job[] {
  return app.jobs.list({ type, limit: 1000 }).filter((j) => j.id > sinceId);
}

function lastJobId(app: App): number {
  return app.jobs.list({ limit: 1 })[0]?.id ?? 0;
}

describe('HA procedure end to end (simulated ACE pair + simulated ANM)', () => {
  it(
    "a change typed on the standby: 111008, suspect, audited, stale, uploaded, in-sync; ANM holds the standby's config",
    { timeout: 60_000 },
    async () => {
      const h = await seeded({ httpEnabled: true });
      const { app, lab } = h;
      const mark = lastDecisionId(app);
      const t0 = Date.now();
      // Config mode is not locked on the simulated standby (lock_standby_config: false).
      const out = lab.ace.configure('ace-b', 'VC_APP', [
        'rserver host STANDBY-ONLY',
        '  ip address 10.99.0.1',
        '  inservice',
      ]);
      expect(out).not.toMatch(/Error|Invalid/);
      await until(
        'ace-b/VC_APP uploaded and in-sync',
        () =>
          h.uploads('ace-b', 'VC_APP', t0) >= 1 &&
          h.syncOf('ace-b', 'VC_APP') === 'in-sync' &&
          h.anmHoldsDevice('ace-b', 'VC_APP'),
      );
      expect(lab.anm.copy('ace-b', 'VC_APP')!.config).toContain('rserver host STANDBY-ONLY');
      // The standby's 111008 arrived and was stored as a config-change of ace-b/VC_APP.
      const events = app.store.db
        .prepare("SELECT body FROM events WHERE kind = 'config-change' AND device = 'ace-b' AND context = 'VC_APP'")
        .all() as Array<{ body: string }>;
      expect(events.map((e) => JSON.parse(e.body).command)).toContain('rserver host STANDBY-ONLY');
      const states = path(app, 'ace-b', 'VC_APP', mark);
      expect(states.slice(0, 1)).toEqual(['suspect']);
      expect(states).toContain('stale');
      expect(states).toContain('syncing');
      expect(states.at(-1)).toBe('in-sync');
      // The active was suspected too (the change may have been replicated) and confirmed in sync without an upload.
      await until(
        'ace-a/VC_APP confirmed',
        () => h.syncOf('ace-a', 'VC_APP') === 'in-sync' && path(app, 'ace-a', 'VC_APP', mark).length >= 2,
      );
      expect(path(app, 'ace-a', 'VC_APP', mark)).toEqual(['suspect', 'in-sync']);
      expect(h.uploads('ace-a', 'VC_APP', t0)).toBe(0);
      expect(h.uploads('ace-b', 'VC_APP', t0)).toBe(1);
      // What the page and the API show.
      const addr = app.web!.server.address() as AddressInfo;
      const res = await fetch(`http://127.0.0.1:${addr.port}/api/v1/contexts/ace-b/VC_APP`, {
        signal: AbortSignal.timeout(5_000),
      });
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ device: 'ace-b', context: 'VC_APP', sync: 'in-sync' });
      const list = (await (
        await fetch(`http://127.0.0.1:${addr.port}/api/v1/contexts?state=in-sync`, {
          signal: AbortSignal.timeout(5_000),
        })
      ).json()) as { items: Array<{ device: string; context: string }> };
      expect(list.items.map((c) => `${c.device}/${c.context}`).sort()).toEqual(
        h.targets.map((t) => `${t.device}/${t.context}`).sort(),
      );
    },
  );

  it(
    'a failover: the group is audited on both peers, stale copies uploaded, a certificate missing on the new standby reported',
    { timeout: 60_000 },
    async () => {
      const h = await seeded({ snmpEnabled: true });
      const { app, lab } = h;
      const jobMark = lastJobId(app);
      const t0 = Date.now();
      // Drift nobody heard of: the standby's VC_WEB changed without a message (ANM's copy of it is stale),
      // and the certificate VC_WEB's ssl-proxy uses is missing on the active, the standby-to-be.
      const drifted =
        lab.ace.getRunningConfig('ace-b', 'VC_WEB') + '\nrserver host DRIFT-1\n  ip address 10.98.0.1\n  inservice\n';
      lab.ace.setRunningConfig('ace-b', 'VC_WEB', drifted);
      expect(lab.ace.removeCryptoFile('ace-a', 'VC_WEB', 'web-cert.pem')).toBe(true);

      const decisionMark = lastDecisionId(app);
      const out = lab.ace.type('ace-a', 'Admin', ['ft switchover 2']);
      expect(out).not.toMatch(/Error|Invalid/);
      expect(lab.ace.ftState('ace-b', 2).state).toBe('ACTIVE');
      // The new standby lacks the certificate its replicated configuration references.
      expect(lab.ace.ftState('ace-a', 2).state).toBe('STANDBY_COLD');

      // Every context of FT group 2 (VC_WEB) is audited on both peers because of the failover.
      const failoverAudit = (device: string): Job | undefined =>
        jobsSince(app, 'audit', jobMark).find(
          (j) =>
            j.device === device &&
            j.context === 'VC_WEB' &&
            j.state === 'done' &&
            JSON.stringify(j.payload.reasons ?? []).includes('changed state to'),
        );
      await until(
        'failover audits of VC_WEB on both peers',
        () => failoverAudit('ace-a') && failoverAudit('ace-b'),
        30_000,
      );
      // Both peers now hold the drifted configuration (bulk sync from the new active): both uploaded once, confirmed
      // in sync.
      await until(
        'VC_WEB uploaded and in-sync on both peers',
        () => DEVICES.every((d) => h.syncOf(d, 'VC_WEB') === 'in-sync' && h.anmHoldsDevice(d, 'VC_WEB')),
        30_000,
      );
      for (const d of DEVICES) {
        expect(lab.anm.copy(d, 'VC_WEB')!.config).toContain('rserver host DRIFT-1');
        expect(h.uploads(d, 'VC_WEB', t0)).toBe(1);
        // Other groups did not fail over: nothing to upload there.
        expect(h.uploads(d, 'VC_APP', t0)).toBe(0);
      }

      // Step 3 of the procedure: certificate parity. The missing certificate is reported on ace-a.
      const parity = await until(
        'a crypto-parity alert for ace-a/VC_WEB',
        () =>
          app.jobs
            .list({ type: 'alert', limit: 1000 })
            .find(
              (j) =>
                j.id > jobMark &&
                j.dedupe === 'crypto-parity-mismatch' &&
                j.device === 'ace-a' &&
                j.context === 'VC_WEB',
            ),
        30_000,
      );
      expect(String(parity.payload.summary)).toContain('web-cert.pem');
      const ev = app.store.db
        .prepare(
          "SELECT body FROM events WHERE kind = 'crypto-parity' AND device = 'ace-a' AND context = 'VC_WEB' ORDER BY id DESC LIMIT 1",
        )
        .get() as { body: string };
      expect(JSON.parse(ev.body).data).toMatchObject({ ok: false, peer: 'ace-b', missingOnDevice: ['web-cert.pem'] });
      // The cold standby was called out too.
      expect(
        app.jobs
          .list({ type: 'alert', limit: 1000 })
          .some((j) => j.id > jobMark && j.dedupe === 'standby-cold' && j.device === 'ace-a'),
      ).toBe(true);
      // The failover was taken from the 727012 messages once: the audits that followed did not report it again.
      const polled = (
        app.store.db.prepare("SELECT body FROM events WHERE kind = 'ha-state'").all() as Array<{ body: string }>
      ).map((r) => JSON.parse(r.body) as { reason?: string; ftGroup?: number; state?: string });
      expect(
        polled.filter((e) => e.ftGroup === 2 && e.reason === 'observed by poller' && e.state !== 'STANDBY_COLD'),
      ).toEqual([]);
      for (const d of DEVICES)
        expect(path(app, d, 'VC_WEB', decisionMark).filter((s) => s === 'suspect').length).toBe(1);
    },
  );

  it(
    '`no logging host` on the standby: alert at once, fast polling, and a later change nobody is told about is found and uploaded',
    { timeout: 60_000 },
    async () => {
      // SNMP on: the contexts also forward syslog as traps, the channel that still reports the removal.
      const h = await seeded({ snmpEnabled: true });
      const { app, lab } = h;
      const jobMark = lastJobId(app);
      const t0 = Date.now();
      lab.ace.configure('ace-b', 'VC_APP', ['no logging host 127.0.0.1']);
      expect(lab.ace.getRunningConfig('ace-b', 'VC_APP')).not.toMatch(/^logging host /m);

      const alert = await until('the logging-silenced alert', () =>
        app.jobs
          .list({ type: 'alert', limit: 1000 })
          .find(
            (j) => j.id > jobMark && j.dedupe === 'logging-silenced' && j.device === 'ace-b' && j.context === 'VC_APP',
          ),
      );
      expect(String(alert.payload.summary)).toContain('no logging host 127.0.0.1');
      // Heard at once through the trap channel (the removed syslog host never gets the 111008 of its removal).
      expect(app.store.event(Number(alert.payload.eventId))).toMatchObject({
        kind: 'logging-change',
        transport: 'snmp',
        command: 'no logging host 127.0.0.1',
      });
      expect(alert.priority).toBeGreaterThan(0);
      // Both peers are polled fast (the rule's cadence, which the scheduler follows).
      for (const d of DEVICES) expect(app.store.pollCadence(d).mode).toBe('fast');
      await until(
        'the scheduler polls ace-b fast',
        () => app.actions.scheduler.status().find((s) => s.device === 'ace-b')?.cadence === 'fast',
      );
      // The removal itself is a change of the standby's config: uploaded like any other.
      await until(
        'ace-b/VC_APP in-sync after the removal',
        () => h.syncOf('ace-b', 'VC_APP') === 'in-sync' && h.anmHoldsDevice('ace-b', 'VC_APP'),
      );

      // Now silence the trap channel too, then change the context: nothing reaches acesync.
      lab.ace.configure('ace-b', 'VC_APP', ['no snmp-server enable traps syslog']);
      const decisionMark = lastDecisionId(app);
      // A mark by count, not by time: the message of the command above may carry this same millisecond.
      const msgMark = lab.ace.messages({ device: 'ace-b', context: 'VC_APP' }).length;
      const t1 = Date.now();
      lab.ace.configure('ace-b', 'VC_APP', ['rserver host SILENT-1', '  ip address 10.97.0.1', '  inservice']);
      await until(
        'the fast poller finds the silent change and it is uploaded',
        () =>
          lab.anm.copy('ace-b', 'VC_APP')?.config.includes('rserver host SILENT-1') &&
          h.syncOf('ace-b', 'VC_APP') === 'in-sync' &&
          h.anmHoldsDevice('ace-b', 'VC_APP'),
      );
      expect(lab.ace.messages({ device: 'ace-b', context: 'VC_APP' }).slice(msgMark)).toEqual([]);
      const heard = app.store.db
        .prepare(
          "SELECT COUNT(*) AS n FROM events WHERE kind = 'config-change' AND device = 'ace-b' AND context = 'VC_APP' AND body LIKE '%SILENT-1%'",
        )
        .get() as { n: number };
      expect(heard.n).toBe(0);
      // What found it: an audit the poller scheduled, not one a message asked for.
      const stale = app.store
        .decisions({ device: 'ace-b', context: 'VC_APP', kinds: ['state'], limit: 1000 })
        .find((d) => d.id > decisionMark && d.to === 'stale');
      expect(stale).toBeDefined();
      const finder = app.store.event(stale!.eventId!);
      expect(finder?.kind).toBe('audit-result');
      const job = app.jobs.get(Number((finder!.data as { jobId?: number }).jobId));
      expect(job?.payload.reasons).toEqual(expect.arrayContaining([expect.stringMatching(/^scheduled \(/)]));
      expect(
        jobsSince(app, 'audit', jobMark).some(
          (j) => j.device === 'ace-b' && JSON.stringify(j.payload.reasons).includes('scheduled (fast)'),
        ),
      ).toBe(true);
      expect(h.uploads('ace-b', 'VC_APP', t1)).toBe(1);
      expect(h.uploads('ace-a', 'VC_APP', t0)).toBe(0);
      // The poller also reports the standby's incomplete logging settings.
      expect(
        app.jobs
          .list({ type: 'alert', limit: 1000 })
          .some(
            (j) => j.id > jobMark && j.dedupe === 'logging-drift' && j.device === 'ace-b' && j.context === 'VC_APP',
          ),
      ).toBe(true);
    },
  );

  it(
    'a user context created in Admin: Admin uploaded first (ANM imports it), then the new context on both peers',
    { timeout: 60_000 },
    async () => {
      const h = await seeded();
      const { lab } = h;
      const t0 = Date.now();
      lab.ace.configure('ace-a', 'Admin', ['context VC_NEW', '  allocate-interface vlan 300']);
      // Auto-sync replicated Admin: the standby has the context too.
      expect([...lab.ace.device('ace-b').contexts.keys()]).toContain('VC_NEW');
      await until(
        'VC_NEW uploaded and in-sync on both peers',
        () => DEVICES.every((d) => h.syncOf(d, 'VC_NEW') === 'in-sync' && h.anmHoldsDevice(d, 'VC_NEW')),
        30_000,
      );
      await until('Admin in-sync on both peers', () =>
        DEVICES.every((d) => h.syncOf(d, 'Admin') === 'in-sync' && h.anmHoldsDevice(d, 'Admin')),
      );
      for (const d of DEVICES) {
        expect(lab.anm.state.devices.get(d)!.contexts).toContain('VC_NEW');
        const adminSync = lab.anm.state.history.find(
          (r) => r.ok && r.device === d && r.context === 'Admin' && r.at >= t0,
        );
        expect(adminSync?.imported).toEqual(['VC_NEW']);
        const newSync = lab.anm.state.history.findIndex((r) => r.ok && r.device === d && r.context === 'VC_NEW');
        expect(newSync).toBeGreaterThan(lab.anm.state.history.indexOf(adminSync!));
        expect(h.uploads(d, 'VC_NEW')).toBe(1);
        expect(h.uploads(d, 'Admin', t0)).toBe(1);
      }
    },
  );

  it(
    "a change right after ANM read the config is not mistaken for ANM's copy: the context is uploaded again",
    { timeout: 60_000 },
    async () => {
      const h = await seeded();
      const { app, lab } = h;
      const jobMark = lastJobId(app);
      const t0 = Date.now();
      // The moment ANM has stored its copy, the device changes silently (before acesync reads it back).
      const state = lab.anm.state;
      const record = state.record.bind(state);
      let raced = false;
      state.record = (r) => {
        record(r);
        if (!raced && r.ok && r.device === 'ace-a' && r.context === 'VC_APP' && r.at >= t0) {
          raced = true;
          lab.ace.setRunningConfig(
            'ace-a',
            'VC_APP',
            lab.ace.getRunningConfig('ace-a', 'VC_APP') + '\nrserver host RACE-2\n  inservice\n',
          );
        }
      };
      lab.ace.configure('ace-a', 'VC_APP', ['rserver host RACE-1', '  inservice']);
      await until(
        "ANM holds the device's final config and ace-a/VC_APP is in-sync",
        () =>
          raced &&
          h.syncOf('ace-a', 'VC_APP') === 'in-sync' &&
          lab.anm.copy('ace-a', 'VC_APP')!.config.includes('rserver host RACE-2') &&
          h.anmHoldsDevice('ace-a', 'VC_APP'),
      );
      expect(h.uploads('ace-a', 'VC_APP', t0)).toBe(2);
      const first = jobsSince(app, 'upload', jobMark)
        .filter((j) => j.device === 'ace-a' && j.context === 'VC_APP' && j.state === 'done')
        .at(-1);
      expect(first?.result).toMatchObject({ outcome: 'ok', anmCopyRecorded: false, deviceChangedDuringUpload: true });
    },
  );

  it(
    'ANM down for a while: uploads back off, the breaker opens, all complete once ANM is back, none twice',
    { timeout: 60_000 },
    async () => {
      const h = await seeded();
      const { app, lab } = h;
      const jobMark = lastJobId(app);
      await lab.anm.setBehaviour({ mode: 'down' });
      const t0 = Date.now();
      lab.ace.configure('ace-a', 'VC_WEB', ['rserver host DOWN-1', '  ip address 10.96.0.1', '  inservice']);
      lab.ace.configure('ace-a', 'VC_APP', ['rserver host DOWN-2', '  ip address 10.96.0.2', '  inservice']);
      const targets = DEVICES.flatMap((device) => ['VC_WEB', 'VC_APP'].map((context) => ({ device, context })));
      // Uploads were asked for, failed, and are waiting to retry; the breaker turned later attempts away at once.
      await until('failed upload attempts and an open breaker', () => {
        const ups = jobsSince(app, 'upload', jobMark);
        return (
          ups.length >= 4 &&
          ups.some((j) => /circuit breaker .* is open/.test(j.lastError ?? '')) &&
          ups.every((j) => j.state === 'pending' || j.state === 'running')
        );
      });
      for (const t of targets) expect(['stale', 'suspect']).toContain(h.syncOf(t.device, t.context));
      expect(lab.anm.state.history.filter((r) => r.at >= t0)).toEqual([]);

      await lab.anm.setBehaviour({ mode: 'normal' });
      await until(
        'every changed context uploaded and in-sync, no upload left',
        () =>
          targets.every((t) => h.syncOf(t.device, t.context) === 'in-sync' && h.anmHoldsDevice(t.device, t.context)) &&
          app.jobs.list({ type: 'upload', state: 'pending' }).length === 0 &&
          app.jobs.list({ type: 'upload', state: 'running' }).length === 0,
        40_000,
      );
      const ups = jobsSince(app, 'upload', jobMark);
      expect(ups.every((j) => j.state === 'done' || j.state === 'failed')).toBe(true);
      expect(ups.filter((j) => j.state === 'done').length).toBeGreaterThanOrEqual(4);
      // Backed off: at least one job needed more than one attempt.
      expect(Math.max(...ups.map((j) => j.attempts))).toBeGreaterThan(1);
      // One upload per context for one change, nothing for the contexts that did not change.
      for (const t of targets) expect(h.uploads(t.device, t.context, t0)).toBe(1);
      for (const d of DEVICES) expect(h.uploads(d, 'Admin', t0)).toBe(0);
      expect(lab.anm.copy('ace-b', 'VC_WEB')!.config).toContain('rserver host DOWN-1');
    },
  );
});
