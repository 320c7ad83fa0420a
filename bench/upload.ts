/**
 * Uploads to ANM, end to end: the real `acesync start` as a child process (from dist/:
 * `npm run bench` builds first), against a simulated ACE HA pair and a simulated ANM
 * (http upload strategy) running in this process on loopback.
 *
 * - change_to_anm_p50_ms / _p99_ms: a change typed on the active device's CLI (the
 *   simulator sends its 111008 at that moment) until ANM's copy of that context on that
 *   device holds the changed line, over 30 changes, settle window excluded: the measured
 *   time minus engine.default_settle_ms (the settle timer cannot fire earlier; what is left
 *   is ingest, rules, the timer tick, the audit over SSH, the upload request and ANM's own
 *   fetch of the configuration over SSH). The same until both peers are held is reported as
 *   change_to_anm_both_peers_p50_ms / _p99_ms.
 * - uploads_per_s: one upload job per context (2 devices x 41 contexts) queued at once
 *   through the API (`POST /api/v1/contexts/:device/:context/resync`), until every one of
 *   them is done. Each upload is ANM's sync (login kept, one HTTP request, ANM reading the
 *   running-config over SSH) plus acesync's read-back of the context to record ANM's copy;
 *   uploads run 2 at a time, one per device (src/jobs/actions.ts).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startLab, type Lab } from '../src/demo/lab.js';
import { StoreReader } from '../src/store/reader.js';
import { freeUdpPort } from '../test/helpers/wait.js';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
const CLI = join(ROOT, 'dist/cli.js');
const CHANGES = 30;
const SETTLE_MS = 200;
const USER_CONTEXTS = 40;
const DEVICES = ['ace-a', 'ace-b'] as const;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function until<T>(what: string, fn: () => T | undefined | false, ms: number, everyMs = 20): Promise<T> {
  const end = performance.now() + ms;
  for (;;) {
    const v = fn();
    if (v !== undefined && v !== false) return v;
    if (performance.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}

function post(port: number, path: string, token: string): Promise<{ status: number; body: string }> {
  return new Promise((resolveP, reject) => {
    const body = '{}';
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: 'POST',
        timeout: 10_000,
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
        },
      },
      (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString('utf8')));
        res.on('end', () => resolveP({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on('timeout', () => req.destroy(new Error(`POST ${path} timed out`)));
    req.on('error', reject);
    req.end(body);
  });
}

interface Service {
  child: ChildProcess;
  httpPort: number;
  stop(): Promise<void>;
}

async function startService(file: string, env: NodeJS.ProcessEnv, cwd: string): Promise<Service> {
  if (!existsSync(CLI)) throw new Error('dist/cli.js missing: run `npm run build` first');
  const child = spawn(process.execPath, ['--openssl-legacy-provider', CLI, 'start', '--config', file], {
    cwd,
    env,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let tail = '';
  let rest = '';
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    const t = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(t);
  };
  const httpPort = await new Promise<number>((resolveP, reject) => {
    const timer = setTimeout(() => reject(new Error(`acesync did not start within 20 s: ${tail}`)), 20_000);
    child.stderr!.setEncoding('utf8').on('data', (c: string) => {
      tail = (tail + c).slice(-4000);
      const lines = (rest + c).split('\n');
      rest = lines.pop() ?? '';
      for (const l of lines) {
        if (!l.includes('"acesync started"')) continue;
        const http = (JSON.parse(l) as { listeners: Array<{ transport: string; port: number }> }).listeners.find(
          (x) => x.transport === 'http',
        );
        clearTimeout(timer);
        if (http) resolveP(http.port);
        else reject(new Error('acesync started without its web server'));
      }
    });
    child.once('exit', (code) => reject(new Error(`acesync exited with ${code}: ${tail}`)));
  }).catch(async (err: unknown) => {
    await stop();
    throw err;
  });
  return { child, httpPort, stop };
}

export async function run(): Promise<Record<string, number>> {
  const dir = mkdtempSync(join(tmpdir(), 'acesync-bench-upload-'));
  const contexts = Array.from({ length: USER_CONTEXTS }, (_, i) => `VC_${String(i + 1).padStart(2, '0')}`);
  const dbPath = join(dir, 'acesync.db');
  let lab: Lab | undefined;
  let svc: Service | undefined;
  let reader: StoreReader | undefined;
  try {
    lab = await startLab({
      syslogPort: await freeUdpPort(),
      snmpPort: await freeUdpPort(),
      snmpEnabled: false,
      httpEnabled: true,
      httpPort: 0,
      storePath: dbPath,
      rulesPath: join(ROOT, 'rules'),
      baseDir: dir,
      contexts,
      trapForwarding: false,
      timings: { settleMs: SETTLE_MS, tickMs: 20, jobBackoffMs: 500 },
      logLevel: 'info',
      // No scheduled audits: the bench asks for the seed audits itself, and nothing else runs between measurements.
      overrides: { poller: { enabled: false } },
    });
    const l = lab;
    const file = join(dir, 'acesync.yaml');
    writeFileSync(file, JSON.stringify(l.configObject, null, 2));
    const token = randomBytes(16).toString('hex');
    svc = await startService(file, { ...l.env, ACESYNC_TOKEN: token }, dir);
    const port = svc.httpPort;
    reader = StoreReader.open(dbPath);
    const db = reader.db;
    const all = DEVICES.flatMap((d) => ['Admin', ...contexts].map((c) => ({ d, c })));
    const inSync = (): boolean => all.every(({ d, c }) => reader!.context(d, c)?.sync === 'in-sync');
    const idle = (): boolean =>
      (
        db
          .prepare("SELECT COUNT(*) AS n FROM jobs WHERE state IN ('pending', 'running') AND type != 'alert'")
          .get() as { n: number }
      ).n === 0;

    // The seed procedure: audit both devices; every context is uploaded once and confirmed.
    for (const d of DEVICES) {
      const r = await post(port, `/api/v1/devices/${d}/audit`, token);
      if (r.status !== 200 && r.status !== 202) throw new Error(`audit request answered ${r.status}: ${r.body}`);
    }
    const seedT0 = performance.now();
    await until('the seed procedure (every context in-sync)', () => inSync() && idle(), 90_000, 100);
    const seedS = (performance.now() - seedT0) / 1000;

    // Change latency: one change at a time, the next once everything is quiet again.
    const single: number[] = [];
    const both: number[] = [];
    for (let i = 0; i < CHANGES; i++) {
      const ctx = contexts[i % 2]!;
      const marker = `rserver host BENCH-UP-${i}`;
      const t0 = performance.now();
      l.ace.configure('ace-a', ctx, [marker, `  ip address 10.90.${i}.1`, '  inservice']);
      const held = (d: string): boolean => l.anm.copy(d, ctx)?.config.includes(marker) === true;
      await until(`ANM holding change ${i} on ace-a`, () => held('ace-a'), 30_000, 2);
      single.push(performance.now() - t0 - SETTLE_MS);
      await until(`ANM holding change ${i} on ace-b`, () => held('ace-b'), 30_000, 2);
      both.push(performance.now() - t0 - SETTLE_MS);
      await until(
        `quiet after change ${i}`,
        () =>
          reader!.context('ace-a', ctx)?.sync === 'in-sync' &&
          reader!.context('ace-b', ctx)?.sync === 'in-sync' &&
          idle(),
        30_000,
      );
    }

    // Throughput: one upload per context, queued at once through the API.
    const jobIds: number[] = [];
    const syncsBefore = l.anm.state.history.filter((h) => h.ok).length;
    const up0 = performance.now();
    for (const { d, c } of all) {
      const r = await post(port, `/api/v1/contexts/${d}/${c}/resync`, token);
      if (r.status !== 200 && r.status !== 202) throw new Error(`resync answered ${r.status}: ${r.body}`);
      const job = (JSON.parse(r.body) as { jobs: Array<{ id: number; type: string }> }).jobs.find(
        (j) => j.type === 'upload',
      );
      if (job) jobIds.push(job.id);
    }
    const states = db.prepare(`SELECT state, COUNT(*) AS n FROM jobs WHERE id IN (${jobIds.join(',')}) GROUP BY state`);
    await until(
      'every queued upload done',
      () =>
        (states.all() as Array<{ state: string; n: number }>).every(
          (r) => r.state === 'done' || r.state === 'failed' || r.state === 'cancelled',
        ),
      120_000,
      10,
    );
    const upS = (performance.now() - up0) / 1000;
    const failed = (states.all() as Array<{ state: string; n: number }>)
      .filter((r) => r.state !== 'done')
      .reduce((n, r) => n + r.n, 0);
    if (failed > 0) throw new Error(`${failed} of ${jobIds.length} uploads did not complete`);
    // Each job made ANM sync (none was skipped as already done).
    const syncs = l.anm.state.history.filter((h) => h.ok).length - syncsBefore;
    if (syncs < jobIds.length) throw new Error(`only ${syncs} ANM syncs for ${jobIds.length} upload jobs`);

    const round = (x: number): number => Math.round(x * 10) / 10;
    const result = {
      change_to_anm_p50_ms: round(percentile(single, 50)),
      change_to_anm_p99_ms: round(percentile(single, 99)),
      change_to_anm_both_peers_p50_ms: round(percentile(both, 50)),
      change_to_anm_both_peers_p99_ms: round(percentile(both, 99)),
      uploads_per_s: round(jobIds.length / upS),
    };
    console.log(
      `   seed of ${all.length} contexts: ${seedS.toFixed(1)} s; change -> ANM (settle ${SETTLE_MS} ms excluded, ${CHANGES} changes): ` +
        `p50 ${result.change_to_anm_p50_ms} ms, p99 ${result.change_to_anm_p99_ms} ms (both peers p50 ${result.change_to_anm_both_peers_p50_ms} ms, p99 ${result.change_to_anm_both_peers_p99_ms} ms); ` +
        `${jobIds.length} queued uploads in ${upS.toFixed(2)} s = ${result.uploads_per_s} uploads/s`,
    );
    return result;
  } finally {
    reader?.close();
    await svc?.stop();
    await lab?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

// `tsx bench/upload.ts` runs it alone.
if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  run().then(
    (r) => console.log(r),
    (err) => {
      console.error(err);
      process.exitCode = 1;
    },
  );
}
