/**
 * Audit benchmarks of the whole service (buildApp in this process: syslog listener, rules, SQLite store, job
 * queue, workers, SSH poller) against the ACE simulator in a child process (`acesync sim ace`, from dist/:
 * `npm run bench` builds first):
 * - audit_50x20: 50 devices x 20 contexts audited through the job queue: one full-device audit job per device,
 *   enqueued as the audit scheduler does; from the enqueue until every audit job is done and every context's
 *   audit result is committed (wall time, peak RSS of this process, SSH sessions opened);
 * - failover_250: an HA pair with 250 user contexts (one FT group each), in sync beforehand. Every group is
 *   switched over on the simulated active (`ft switchover N` over SSH); the simulator sends its 727012 lines
 *   over UDP to the service, whose failover rule marks each group suspect on both peers and asks for audits
 *   after its settle window; from the first switchover until the confirming audit of every context on both
 *   peers is committed (failover_250_total_s). The settle window (from the last 727012 decision to the last
 *   settle window elapsing, as observed) is reported on its own and left out of failover_250_contexts_s.
 * BENCH_QUICK=1: 5 devices and 20 contexts (a smoke run; its figures mean nothing).
 */
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openAceSession } from '../src/devices/ace-session.js';
import { DEMO_ACE_PASSWORD_ENV, labConfigObject } from '../src/demo/config.js';
import { haPairSpec } from '../src/sim/ace/index.js';
import type { DecisionRecord } from '../src/store/state-writes.js';
import { contextConfig, PASSWORD, startSim } from './lib/ace-sim.js';
import { freeUdpPort, RULES, startService, waitFor } from './lib/service.js';

export { PASSWORD, startSim, type Endpoint } from './lib/ace-sim.js';

const QUICK = process.env.BENCH_QUICK === '1';
const PW_ENV = 'BENCH_PW';
/** The rule that reacts to 727012 (rules/failover.yaml). */
const FAILOVER_RULE = 'failover-marks-group-suspect';

function logging(): Record<string, unknown> {
  return { hosts: [{ ip: '127.0.0.1', port: 9 }], trap: 6, device_id: 'context-name' };
}

async function audit50x20(): Promise<{ seconds: number; peakRssMb: number; sessions: number; contexts: number }> {
  const devices = QUICK ? 5 : 50;
  const contexts = Array.from({ length: 19 }, (_, i) => `C${i + 1}`); // + Admin = 20 per device
  const spec = {
    devices: Array.from({ length: devices }, (_, d) => ({
      name: `ace${String(d + 1).padStart(2, '0')}`,
      users: [{ username: 'admin', password: PASSWORD }],
      contexts: [
        { name: 'Admin', logging: logging() },
        ...contexts.map((name, i) => ({ name, logging: logging(), config: contextConfig(d * 20 + i) })),
      ],
    })),
  };
  const sim = await startSim(spec);
  const svc = await startService(
    {
      syslog: { udp: { host: '127.0.0.1', port: await freeUdpPort() }, tcp: { enabled: false } },
      snmp: { enabled: false },
      http: { enabled: false },
      store: { path: join(sim.dir, 'acesync.db') },
      rules: RULES,
      devices: sim.endpoints.map((e) => ({
        name: e.device,
        host: e.host,
        contexts: contexts.map((name) => ({ name })),
        ssh: {
          port: e.port,
          username: 'admin',
          password_env: PW_ENV,
          host_key_sha256: e.hostKeySha256,
          connect_timeout_ms: 20_000,
          command_timeout_ms: 20_000,
        },
      })),
      poller: { max_sessions: 10, connect_attempts: 2, idle_close_ms: 60_000 },
      // No ANM in this bench: the first audit adopts what the device runs as ANM's copy (no uploads).
      engine: { first_audit: 'adopt', watch_rules: false },
    },
    { [PW_ENV]: PASSWORD },
  );
  const { app } = svc;
  let peak = process.memoryUsage().rss;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
  try {
    const names = new Set(sim.endpoints.map((e) => e.device));
    const t0 = Date.now();
    svc.requestAudits([...names], 'scheduled (bench)');
    const audited = (): number =>
      app.store
        .contexts()
        .filter(
          (c) =>
            names.has(c.device) && (c.lastAuditAt ?? 0) >= t0 && c.lastAuditOutcome !== 'error' && c.sync === 'in-sync',
        ).length;
    await waitFor(
      'every audit job done',
      () => svc.activeAudits() === 0 && audited() >= devices * 20,
      QUICK ? 60_000 : 300_000,
      100,
    );
    const done = Math.max(...app.store.contexts().map((c) => c.lastAuditAt ?? 0));
    const jobs = app.jobs.list({ type: 'audit', limit: 1000 });
    if (jobs.some((j) => j.state !== 'done')) throw new Error(`audit jobs not done: ${jobs.map((j) => j.state)}`);
    return {
      seconds: (done - t0) / 1000,
      peakRssMb: peak / 1024 / 1024,
      sessions: app.actions.poller.sessionsOpened,
      contexts: audited(),
    };
  } finally {
    clearInterval(sampler);
    await svc.stop();
    await sim.stop();
  }
}

interface Failover {
  total: number;
  settle: number;
  lines: number;
  audited: number;
}

async function failover250(): Promise<Failover> {
  const n = QUICK ? 20 : 250;
  const names = Array.from({ length: n }, (_, i) => `VC${i + 1}`);
  const syslogPort = await freeUdpPort();
  const spec = haPairSpec({
    password: PASSWORD,
    contexts: names,
    syslog: { ip: '127.0.0.1', port: syslogPort },
    configs: Object.fromEntries(names.map((c, i) => [c, contextConfig(i)])),
  });
  const sim = await startSim(spec);
  const devices = sim.endpoints.map((e) => e.device);
  const obj = labConfigObject({
    endpoints: sim.endpoints.map((e) => ({ ...e, hostname: e.device, legacyOnly: false })),
    contexts: names,
    anmUrl: 'http://127.0.0.1:9',
    storePath: join(sim.dir, 'acesync.db'),
    rulesPath: RULES,
    syslogPort,
    snmpPort: await freeUdpPort(),
    snmpEnabled: false,
    httpEnabled: false,
    logLevel: 'silent',
    // The service's own defaults for timers and job retries, and no ANM (first audits adopt, as above).
    timings: { tickMs: 250, settleMs: 5_000, jobBackoffMs: 1_000 },
    overrides: { anm: { enabled: false }, engine: { first_audit: 'adopt', watch_rules: false } },
  });
  const svc = await startService(obj, { [DEMO_ACE_PASSWORD_ENV]: PASSWORD }, sim.dir);
  const { app } = svc;
  const targets = devices.flatMap((device) => names.map((context) => ({ device, context })));
  const inSyncSince = (t: number): number =>
    targets.filter((x) => {
      const c = app.store.context(x.device, x.context);
      return c?.sync === 'in-sync' && (c.lastAuditAt ?? 0) >= t;
    }).length;
  const quiet = (): boolean => svc.activeAudits() === 0 && !app.store.timers().some((t) => t.kind === 'settle');
  try {
    // In sync before the failover, and the roles known, as a running acesync would be. The first audit
    // reports every group's role (ha-state), which the failover rule answers with one more audit: wait for it.
    svc.requestAudits(devices, 'scheduled (bench seed)');
    await waitFor('the pair audited and in sync', () => quiet() && inSyncSince(0) === targets.length, 300_000, 200);

    let lastLine = 0;
    let lines = 0;
    let lastSettle = 0;
    const seen = (records: DecisionRecord[]): void => {
      for (const r of records) {
        if (r.kind === 'match' && r.rule === FAILOVER_RULE) {
          lines++;
          lastLine = Math.max(lastLine, r.at);
        } else if (r.kind === 'action' && r.action === 'audit' && r.reason?.startsWith('settle window elapsed'))
          lastSettle = Math.max(lastSettle, r.at);
      }
    };
    app.bus.on('decisions', seen);
    const a = sim.endpoints.find((e) => e.device === devices[0])!;
    const s = await openAceSession({
      host: a.host,
      port: a.port,
      username: 'admin',
      password: PASSWORD,
      hostKeySha256: a.hostKeySha256,
    });
    const t0 = Date.now();
    // Group 1 is Admin's; the user contexts are groups 2..n+1.
    for (let g = 2; g <= n + 1; g++) {
      const out = await s.run(`ft switchover ${g}`);
      if (/Error|Invalid/.test(out)) throw new Error(`ft switchover ${g}: ${out}`);
    }
    await s.close();
    await waitFor(
      'every context confirmed in sync on both peers',
      () => inSyncSince(t0) === targets.length && quiet(),
      300_000,
      100,
    );
    const done = Math.max(...targets.map((x) => app.store.context(x.device, x.context)?.lastAuditAt ?? 0));
    return { total: (done - t0) / 1000, settle: (lastSettle - lastLine) / 1000, lines, audited: inSyncSince(t0) };
  } finally {
    await svc.stop();
    await sim.stop();
  }
}

export async function run(): Promise<Record<string, number>> {
  const a = await audit50x20();
  console.log(
    `   audit ${QUICK ? 5 : 50} devices x 20 contexts through the job queue: ${a.seconds.toFixed(2)} s ` +
      `(${a.contexts} contexts), peak RSS ${a.peakRssMb.toFixed(0)} MB, ${a.sessions} SSH sessions`,
  );
  const f = await failover250();
  console.log(
    `   failover of a pair with ${QUICK ? 20 : 250} contexts from 727012 (${f.lines} lines) to every context ` +
      `confirmed on both peers (${f.audited}): ${f.total.toFixed(2)} s, of which settle window ${f.settle.toFixed(2)} s`,
  );
  return {
    audit_50x20_s: Number(a.seconds.toFixed(3)),
    audit_50x20_peak_rss_mb: Number(a.peakRssMb.toFixed(1)),
    audit_50x20_sessions: a.sessions,
    failover_250_contexts_s: Number((f.total - f.settle).toFixed(3)),
    failover_250_settle_s: Number(f.settle.toFixed(3)),
    failover_250_total_s: Number(f.total.toFixed(3)),
  };
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  run().then(
    (r) => console.log(JSON.stringify(r)),
    (err: unknown) => {
      console.error(err);
      process.exitCode = 1;
    },
  );
}
