/**
 * Event to decision, from the socket: the real `acesync start` as a separate process; the C sender
 * (bench/sender/syslog-flood.c) sends 2,000 relevant 111008 lines/s, each numbered and stamped with its send time
 * (CLOCK_REALTIME, ms), for STEP_SECONDS; once alone and once during a concurrent 100,000/s noise flood from a
 * second sender. Afterwards the state database (read-only) gives, for every relevant line, the time of the first
 * decision it caused (`decisions.at`, taken inside the transaction that commits it). Latency = decision time - send
 * time, so it includes the kernel, the receive path, parsing, the event queue, rules and SQLite. Both clocks are the
 * same machine's wall clock in whole ms, so figures have 1 ms granularity.
 *
 * The relevant stream is steady: one datagram per sendmmsg, one every 0.5 ms. (Until 2026-12-03 it went out in
 * bursts of 64 every 32 ms, the flood sender's batch: the 64th line of a burst waited for the 63 before it, which
 * measured burst handling, not latency at 2,000/s; the committed runs before that date carry that method.)
 * BENCH_DEBUG=1 also splits each figure at the event's receive time (events.received_at, stamped by the receive
 * thread): send -> receive (kernel, receive thread) and receive -> decision (hand-off, queue, rules, SQLite).
 * Each scenario runs 3 times; the figures are the medians. For diagnosis, BENCH_NODE_ARGS adds node flags to the
 * service (e.g. `--trace-gc`) and BENCH_CHILD_STDOUT names a file for its stdout.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { buildSender, SENDER, stopChild } from './lib/flood-sender.js';
import { median } from './lib/ladder.js';
import { workerSetting } from './udp-ingest.js';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
const RATE = 2_000;
const NOISE_RATE = 100_000;
/** The noise flood goes out 64 datagrams per sendmmsg (a burst every 0.64 ms) so one sender can reach 100k/s. */
const NOISE_BATCH = 64;
const STEP_SECONDS = 5;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function startAcesync(dir: string): Promise<{ child: ChildProcess; port: number; db: string }> {
  const cfg = join(dir, 'acesync.yaml');
  const db = join(dir, 'state.db');
  writeFileSync(
    cfg,
    [
      'log: { level: info }',
      `syslog: { udp: { host: 127.0.0.1, port: 0${workerSetting()} } }`,
      'snmp: { enabled: false }',
      'http: { enabled: false }',
      `store: { path: ${JSON.stringify(db)} }`,
      `rules: ${JSON.stringify(join(ROOT, 'rules'))}`,
      'poller: { enabled: false }',
      'engine: { jobs: { workers: false } }',
      'devices: [{ name: bench-ace, host: 192.0.2.1, sources: [127.0.0.1] }]',
    ].join('\n'),
  );
  const child = spawn(
    process.execPath,
    [
      ...(process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean),
      join(ROOT, 'dist/cli.js'),
      'start',
      '--config',
      cfg,
    ],
    {
      stdio: [
        'ignore',
        process.env.BENCH_CHILD_STDOUT ? openSync(process.env.BENCH_CHILD_STDOUT, 'w') : 'ignore',
        'pipe',
      ],
    },
  );
  let errTail = '';
  child.stderr!.setEncoding('utf8');
  const port = await new Promise<number>((res, rej) => {
    const timer = setTimeout(() => rej(new Error(`acesync did not start: ${errTail}`)), 15_000);
    child.stderr!.on('data', (c: string) => {
      errTail = (errTail + c).slice(-4000);
      for (const line of c.split('\n')) {
        if (!line.includes('acesync started')) continue;
        const log = JSON.parse(line) as { listeners: Array<{ transport: string; port: number }> };
        clearTimeout(timer);
        res(log.listeners.find((l) => l.transport === 'udp')!.port);
      }
    });
    child.once('exit', (code) => rej(new Error(`acesync exited ${code}: ${errTail}`)));
  });
  return { child, port, db };
}

/**
 * Run the sender; relevant seq -> send time (ms). `every` 1: all relevant; huge: all noise. `batch`: datagrams per
 * sendmmsg, sent together when due (1 for the relevant stream: one line every 0.5 ms, as a device sends them).
 */
async function send(
  port: number,
  rate: number,
  seqStart: number,
  every: number,
  batch: number,
): Promise<Map<number, number>> {
  const child = spawn(
    SENDER,
    ['127.0.0.1', String(port), String(rate), String(STEP_SECONDS), String(seqStart), String(every), String(batch)],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let out = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (c: string) => (out += c));
  const timer = setTimeout(() => child.kill('SIGKILL'), (STEP_SECONDS + 10) * 1000);
  const [code] = (await once(child, 'exit')) as [number | null];
  clearTimeout(timer);
  if (code !== 0) throw new Error(`sender exited ${code}`);
  const sent = new Map<number, number>();
  for (const line of out.split('\n')) {
    const f = line.split(' ');
    // A line cut short (the sender killed at its deadline) is not a send time.
    if (f[0] === 'r' && f.length === 3 && Number(f[2]) > 0) sent.set(Number(f[1]), Number(f[2]));
  }
  return sent;
}

interface Latency {
  p50: number;
  p99: number;
  max: number;
  measured: number;
  sent: number;
}

/** First decision per relevant line, from the database, against its send time. */
function latencies(dbPath: string, sent: Map<number, number>): Latency {
  const db = new Database(dbPath, { readonly: true, fileMustExist: true });
  try {
    const rows = db
      .prepare(
        `SELECT e.body AS body, e.received_at AS received, MIN(d.at) AS at FROM events e
         JOIN decisions d ON d.event_id = e.id WHERE e.msg_id = '111008' GROUP BY e.id`,
      )
      .all() as Array<{ body: string; received: number; at: number }>;
    const lat: number[] = [];
    const bySeq: Array<[number, number]> = [];
    const toReceive: number[] = [];
    const toDecision: number[] = [];
    for (const r of rows) {
      const m = /bench-(\d+)/.exec(r.body);
      const t = m ? sent.get(Number(m[1])) : undefined;
      if (t !== undefined) {
        lat.push(r.at - t);
        bySeq.push([Number(m![1]), r.at - t]);
        toReceive.push(r.received - t);
        toDecision.push(r.at - r.received);
      }
    }
    if (process.env.BENCH_DEBUG === '1') {
      // Latency over the run, per 500 lines in send order: where the slow ones are.
      bySeq.sort((a, b) => a[0] - b[0]);
      const parts: string[] = [];
      for (let i = 0; i < bySeq.length; i += 500) {
        const xs = bySeq.slice(i, i + 500).map((x) => x[1]);
        parts.push(`${Math.max(...xs)}`);
      }
      console.log(`   max latency per 500 lines: ${parts.join(' ')}`);
      // Where the time goes: send -> receive (kernel, the receive thread) and receive -> decision (main thread).
      for (const [name, xs] of [
        ['send -> receive', toReceive],
        ['receive -> decision', toDecision],
      ] as const) {
        xs.sort((a, b) => a - b);
        const at = (p: number): number => xs[Math.min(xs.length - 1, Math.floor(p * xs.length))] ?? NaN;
        console.log(`   ${name}: p50 ${at(0.5)} ms, p99 ${at(0.99)} ms, max ${xs.at(-1)} ms`);
      }
    }
    lat.sort((a, b) => a - b);
    const q = (p: number): number => lat[Math.min(lat.length - 1, Math.floor(p * lat.length))] ?? NaN;
    return { p50: q(0.5), p99: q(0.99), max: lat.at(-1) ?? NaN, measured: lat.length, sent: sent.size };
  } finally {
    db.close();
  }
}

async function scenario(withNoise: boolean, seqStart: number): Promise<Latency> {
  const dir = mkdtempSync(join(tmpdir(), 'acesync-bench-latency-'));
  const ace = await startAcesync(dir);
  try {
    await sleep(300);
    const noise = withNoise
      ? send(ace.port, NOISE_RATE, 900_000_000, 1_000_000_000, NOISE_BATCH)
      : Promise.resolve(undefined);
    const sent = await send(ace.port, RATE, seqStart, 1, 1);
    await noise;
    await sleep(1500); // the last batches commit
    await stopChild(ace.child);
    return latencies(ace.db, sent);
  } finally {
    await stopChild(ace.child);
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Each scenario runs this many times; the figures are the medians (the runs are printed too). */
const RUNS = 3;

async function repeated(withNoise: boolean, seqStart: number): Promise<{ p50: number; p99: number; runs: Latency[] }> {
  const runs: Latency[] = [];
  for (let i = 0; i < RUNS; i++) runs.push(await scenario(withNoise, seqStart + i * 100_000));
  return { p50: median(runs.map((r) => r.p50)), p99: median(runs.map((r) => r.p99)), runs };
}

export async function run(): Promise<Record<string, number>> {
  buildSender();
  const quiet = await repeated(false, 1_000_000);
  const flood = await repeated(true, 2_000_000);
  for (const [name, l] of [
    ['alone', quiet],
    [`during a ${NOISE_RATE.toLocaleString()}/s noise flood`, flood],
  ] as const) {
    console.log(
      `   socket -> committed decision at ${RATE.toLocaleString()}/s, ${name}, median of ${RUNS}: ` +
        `p50 ${l.p50} ms, p99 ${l.p99} ms`,
    );
    for (const r of l.runs)
      console.log(
        `     run: p50 ${r.p50} ms, p99 ${r.p99} ms, max ${r.max} ms (${r.measured} of ${r.sent} lines had a decision)`,
      );
  }
  const ratio = (l: { runs: Latency[] }): number =>
    Math.round(Math.min(...l.runs.map((r) => r.measured / Math.max(1, r.sent))) * 1000) / 1000;
  return {
    socket_to_decision_p50_ms: quiet.p50,
    socket_to_decision_p99_ms: quiet.p99,
    socket_to_decision_flood_p50_ms: flood.p50,
    socket_to_decision_flood_p99_ms: flood.p99,
    // The worst of the runs: lines that never got a decision are not in the percentiles.
    socket_to_decision_measured_ratio: ratio(quiet),
    socket_to_decision_flood_measured_ratio: ratio(flood),
  };
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  run().then(
    (r) => console.log(r),
    (err) => {
      console.error(err);
      process.exitCode = 1;
    },
  );
}
