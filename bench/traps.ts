/**
 * SNMP trap ingest on loopback: the highest rate of SNMPv2c traps decoded without loss,
 * in the same run for:
 *
 * - acesync's SNMP receive path in its own process (SnmpIngest -> EventQueue -> events
 *   as JSON lines to a file, as `--print-events` writes them): `traps_per_s`, the figure
 *   to compare with snmptrapd, which also receives, decodes and logs to a file;
 * - Debian's snmptrapd logging to a file: `snmptrapd_traps_per_s`;
 * - the whole `acesync start --print-events` service, where every trap also goes through
 *   the rules and the state database: `service_traps_per_s`.
 *
 * The sender is a separate process: a small C program (compiled here with cc) that sends
 * one datagram, pre-encoded once with net-snmp, at a paced rate with sendmmsg. The trap is
 * what an ACE sends most: clogMessageGenerated carrying a 111008 line, so the whole path
 * (net-snmp decode, table, syslog body parser, inventory, queue, JSON) runs for each one.
 * Each step offers `rate` traps/s for STEP_SECONDS and counts what came out. Every rate runs
 * three times and is lossless only if all three are (bench/lib/ladder.ts); a 2,500/s grid
 * refines the knee.
 *
 * Equal terms: the same sender, trap and step length for all three; every receiver asks for a
 * 32 MiB receive buffer (acesync's `snmp.recv_buffer_bytes`, snmptrapd's `serverRecvBuf`), and
 * the effective buffer the kernel granted each (`ss`, capped by net.core.rmem_max) is printed
 * and recorded. snmptrapd runs with `-n` (no reverse DNS lookup per trap: acesync does none).
 * A step counts only what came out within DRAIN_MS of the sender's end, the same for every receiver, and
 * acesync keeps its default `syslog.queue_limit`: a receiver slower than the offered rate must not pass a
 * short step by holding the backlog in a big queue and working it off afterwards.
 * Everything started here is stopped by pid; loopback only.
 *
 * BENCH_CPU_PROF=<dir>: no ladder; the whole service alone runs under `node --cpu-prof`, is offered
 * BENCH_PROF_RATE traps/s (default 10,000) for 8 s, stopped, and its profile is summarised by stage
 * (bench/lib/cpu-profile.ts): where a trap's time goes (receive + decode vs rules + store).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { once, EventEmitter } from 'node:events';
import {
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import snmp from 'net-snmp';
import { freeUdpPort } from '../test/helpers/wait.js';
import { describe, ladder, type LadderResult } from './lib/ladder.js';
import { effectiveRcvbuf } from './lib/socket.js';
import { summarise } from './lib/cpu-profile.js';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
const RATES = [5_000, 10_000, 15_000, 20_000, 30_000, 40_000, 50_000, 60_000, 80_000, 100_000];
const FINE_STEP = 2_500;
/** Requested receive buffer for every receiver (acesync's default `snmp.recv_buffer_bytes`). */
const RCVBUF = 32 * 1024 * 1024;
/** Long enough that the socket buffer (8 MiB here, ~6k traps) cannot hide a rate above capacity for long. */
const STEP_SECONDS = 3;
/** A step's output is complete once nothing new arrived for this long. */
const SETTLE_MS = 500;
/** After the sender's last trap, what a receiver has not written out by then is lost (equal for all). */
const DRAIN_MS = 2000;
const COMMUNITY = 'benchComm';

/** BENCH_CPU_PROF=<dir>: profile the whole service instead of measuring (see the header). */
const PROF_DIR = process.env.BENCH_CPU_PROF;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const SENDER_C = String.raw`
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
/* trap-blast PORT HEXPACKET COUNT RATE: send COUNT copies at RATE/s to 127.0.0.1:PORT. */
static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + t.tv_nsec / 1e9; }
int main(int argc, char **argv) {
  if (argc != 5) { fprintf(stderr, "usage: trap-blast PORT HEX COUNT RATE\n"); return 2; }
  size_t hl = strlen(argv[2]), n = hl / 2; unsigned char *buf = malloc(n);
  for (size_t i = 0; i < n; i++) sscanf(argv[2] + 2 * i, "%2hhx", &buf[i]);
  long count = atol(argv[3]); double rate = atof(argv[4]);
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(atoi(argv[1])) };
  inet_pton(AF_INET, "127.0.0.1", &to.sin_addr);
  if (connect(fd, (struct sockaddr *)&to, sizeof to) != 0) { perror("connect"); return 1; }
  int sb = 4 << 20; setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sb, sizeof sb);
  enum { BATCH = 64 };
  struct iovec iov = { buf, n }; struct mmsghdr msgs[BATCH]; memset(msgs, 0, sizeof msgs);
  for (int i = 0; i < BATCH; i++) { msgs[i].msg_hdr.msg_iov = &iov; msgs[i].msg_hdr.msg_iovlen = 1; }
  double t0 = now(); long sent = 0;
  while (sent < count) {
    long due = (long)((now() - t0) * rate) + 1; if (due > count) due = count;
    long k = due - sent;
    if (k <= 0) { struct timespec ts = { 0, 50000 }; nanosleep(&ts, NULL); continue; }
    if (k > BATCH) k = BATCH;
    int r = sendmmsg(fd, msgs, (unsigned)k, 0);
    if (r < 0) { if (errno == EAGAIN || errno == ENOBUFS || errno == ECONNREFUSED || errno == EINTR) continue; perror("sendmmsg"); return 1; }
    sent += r;
  }
  printf("%ld %.6f\n", sent, now() - t0);
  return 0;
}
`;

function buildSender(dir: string): string {
  const src = join(dir, 'trap-blast.c');
  const bin = join(dir, 'trap-blast');
  writeFileSync(src, SENDER_C);
  execFileSync('cc', ['-O2', '-Wall', '-o', bin, src], { stdio: 'inherit', timeout: 60_000 });
  return bin;
}

/** One SNMPv2c clogMessageGenerated trap carrying a 111008 line, encoded by net-snmp. */
async function encodeTrap(): Promise<Buffer> {
  let captured: Buffer | undefined;
  // A dgram stand-in that keeps what net-snmp would have sent.
  const fake = {
    createSocket() {
      const s = new EventEmitter() as EventEmitter & Record<string, unknown>;
      s.unref = () => s;
      s.bind = () => s;
      s.close = () => undefined;
      s.send = (b: Buffer, off: number, len: number, _p: number, _a: string, cb?: (e: null, n: number) => void) => {
        captured = Buffer.from(b.subarray(off, off + len));
        cb?.(null, len);
      };
      return s;
    },
  };
  const session = snmp.createSession('127.0.0.1', COMMUNITY, {
    version: snmp.Version2c,
    dgramModule: fake,
    trapPort: 162,
  } as never);
  const clog = '1.3.6.1.4.1.9.9.41';
  const OS = snmp.ObjectType.OctetString;
  const varbinds = [
    { oid: `${clog}.1.2.3.1.2.1`, type: OS, value: 'ACE' },
    { oid: `${clog}.1.2.3.1.3.1`, type: snmp.ObjectType.Integer, value: 6 },
    { oid: `${clog}.1.2.3.1.4.1`, type: OS, value: '111008' },
    { oid: `${clog}.1.2.3.1.5.1`, type: OS, value: "User 'admin' executed the 'rserver host RS_WEB1' command." },
    { oid: `${clog}.1.2.3.1.6.1`, type: snmp.ObjectType.TimeTicks, value: 12345 },
    { oid: `${clog}.1.1.6.0`, type: snmp.ObjectType.Integer, value: 5 },
    { oid: `${clog}.1.1.7.0`, type: OS, value: 'VC_WEB' },
  ];
  await new Promise<void>((res, rej) =>
    session.trap(`${clog}.2.0.1`, varbinds as never, (err: Error | null) => (err ? rej(err) : res())),
  );
  session.close();
  if (!captured) throw new Error('net-snmp did not encode the trap');
  return captured;
}

/** Occurrences of `needle` in a growing file, reading only what was appended since the last call. */
class FileCounter {
  #offset = 0;
  #count = 0;
  #carry = Buffer.alloc(0);
  readonly #chunk = Buffer.alloc(1 << 20);
  constructor(
    readonly file: string,
    readonly needle: Buffer,
  ) {}

  count(): number {
    if (!existsSync(this.file)) return 0;
    const fd = openSync(this.file, 'r');
    try {
      for (;;) {
        const n = readSync(fd, this.#chunk, 0, this.#chunk.length, this.#offset);
        if (n <= 0) break;
        this.#offset += n;
        // Keep the tail so a needle split across two reads is still found once.
        const data = Buffer.concat([this.#carry, this.#chunk.subarray(0, n)]);
        for (let i = data.indexOf(this.needle); i !== -1; i = data.indexOf(this.needle, i + this.needle.length))
          this.#count++;
        const keep = Math.min(this.needle.length - 1, data.length);
        this.#carry = Buffer.from(data.subarray(data.length - keep));
      }
    } finally {
      closeSync(fd);
    }
    return this.#count;
  }
}

interface Receiver {
  name: string;
  port: number;
  child: ChildProcess;
  /** Traps received so far. */
  count(): number;
}

async function waitFor(pred: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

/** The receive path alone, in its own process: built modules from dist/, events to a file. */
const INGEST_HARNESS = `
import { openSync, writeSync } from 'node:fs';
const [root, port, out] = process.argv.slice(1);
const imp = (p) => import(new URL(p, 'file://' + root + '/dist/').href);
const { configSchema } = await imp('config/schema.js');
const { systemClock } = await imp('core/clock.js');
const { Inventory } = await imp('inventory/inventory.js');
const { IngestCounters } = await imp('ingest/types.js');
const { EventQueue } = await imp('ingest/event-queue.js');
const { SnmpIngest } = await imp('ingest/snmp-receiver.js');
const { createLogger } = await imp('core/log.js');
const config = configSchema.parse({
  syslog: { udp: { enabled: false } },
  snmp: { host: '127.0.0.1', port: Number(port), communities: ['${COMMUNITY}'] },
  devices: [{ name: 'ace-a', host: '127.0.0.1', sources: ['127.0.0.1'], contexts: [{ name: 'VC_WEB' }] }],
});
const fd = openSync(out, 'w');
const queue = new EventQueue({ limit: config.syslog.queue_limit, clock: systemClock, drain: (events) => {
  let s = '';
  for (const e of events) s += JSON.stringify(e) + '\\n';
  writeSync(fd, s);
} });
const ingest = new SnmpIngest({ config, inventory: Inventory.fromConfig(config), sink: queue, logger: createLogger('error'), clock: systemClock, counters: new IngestCounters() });
await ingest.start();
process.stdout.write('ready\\n');
process.on('SIGTERM', () => ingest.stop().then(() => process.exit(0)));
`;

async function startIngest(dir: string): Promise<Receiver> {
  const port = await freeUdpPort();
  const eventsFile = join(dir, 'events.jsonl');
  const child = spawn(
    process.execPath,
    ['--openssl-legacy-provider', '--input-type=module', '-e', INGEST_HARNESS, ROOT, String(port), eventsFile],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  await waitFor(
    () => {
      if (child.exitCode !== null) throw new Error(`receive-path harness exited ${child.exitCode}`);
      return out.includes('ready');
    },
    20_000,
    'the receive-path harness',
  );
  await sleep(300);
  const counter = new FileCounter(eventsFile, Buffer.from('"notification":"clogMessageGenerated"'));
  return { name: 'ingest', port, child, count: () => counter.count() };
}

async function startAcesync(dir: string): Promise<Receiver> {
  const port = await freeUdpPort();
  const cfg = join(dir, 'acesync.yaml');
  writeFileSync(
    cfg,
    [
      'syslog: { udp: { enabled: false }, tcp: { enabled: false } }',
      `snmp: { host: 127.0.0.1, port: ${port}, communities: [${COMMUNITY}] }`,
      'http: { port: 0 }',
      `store: { path: ${join(dir, 'state.db')} }`,
      `rules: ${join(ROOT, 'rules')}`,
      'log: { level: warn }',
      'devices: [{ name: ace-a, host: 127.0.0.1, sources: [127.0.0.1], contexts: [{ name: VC_WEB }] }]',
      'poller: { enabled: false }',
    ].join('\n'),
  );
  const eventsFile = join(dir, 'events.jsonl');
  const out = openSync(eventsFile, 'w');
  const err = openSync(join(dir, 'acesync.log'), 'w');
  const child = spawn(
    process.execPath,
    [
      '--openssl-legacy-provider',
      ...(PROF_DIR ? ['--cpu-prof', '--cpu-prof-dir', PROF_DIR] : []),
      join(ROOT, 'dist/cli.js'),
      'start',
      '--config',
      cfg,
      '--print-events',
    ],
    { stdio: ['ignore', out, err] },
  );
  closeSync(out);
  closeSync(err);
  // log level warn: the start is visible as the socket's bind (or the recv-buffer warning).
  await waitFor(
    () => {
      if (child.exitCode !== null)
        throw new Error(
          `acesync exited ${child.exitCode}: ${readFileSync(join(dir, 'acesync.log'), 'utf8').slice(-500)}`,
        );
      return readFileSync('/proc/net/udp', 'utf8').includes(`:${port.toString(16).toUpperCase().padStart(4, '0')} `);
    },
    20_000,
    'acesync to bind',
  );
  await sleep(300);
  const counter = new FileCounter(eventsFile, Buffer.from('"notification":"clogMessageGenerated"'));
  return { name: 'service', port, child, count: () => counter.count() };
}

async function startSnmptrapd(dir: string): Promise<Receiver> {
  const port = await freeUdpPort();
  const conf = join(dir, 'snmptrapd.conf');
  writeFileSync(
    conf,
    [
      `authCommunity log ${COMMUNITY}`,
      'doNotRetainNotificationLogs yes',
      'disableAuthorization no',
      // The same request as acesync's socket makes (net-snmp's snmp.conf token, allowed in snmptrapd.conf).
      `[snmp] serverRecvBuf ${RCVBUF}`,
      '',
    ].join('\n'),
  );
  const log = join(dir, 'snmptrapd.log');
  const env = { ...process.env, SNMP_PERSISTENT_DIR: dir, SNMPCONFPATH: dir, MIBS: '' };
  // As an operator would run it, in the foreground; MIBS='' only skips loading MIB files; -n: no reverse DNS.
  const child = spawn('/usr/sbin/snmptrapd', ['-f', '-n', '-Lf', log, '-C', '-c', conf, `udp:127.0.0.1:${port}`], {
    stdio: 'ignore',
    env,
  });
  const started = new FileCounter(log, Buffer.from('NET-SNMP version'));
  await waitFor(
    () => {
      if (child.exitCode !== null) throw new Error(`snmptrapd exited ${child.exitCode}`);
      return started.count() > 0;
    },
    20_000,
    'snmptrapd to start',
  );
  await sleep(300);
  // Its default format logs one "<date> <host> [UDP: [127.0.0.1]:p->[127.0.0.1]:q]:" header per trap.
  const counter = new FileCounter(log, Buffer.from('[UDP: ['));
  return { name: 'snmptrapd', port, child, count: () => counter.count() };
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await once(child, 'exit');
  clearTimeout(timer);
}

async function send(
  sender: string,
  port: number,
  hex: string,
  count: number,
  rate: number,
): Promise<{ sent: number; seconds: number }> {
  const child = spawn(sender, [String(port), hex, String(count), String(rate)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), (count / rate + 15) * 1000);
  const [code] = (await once(child, 'exit')) as [number | null];
  clearTimeout(timer);
  if (code !== 0) throw new Error(`sender exited ${code}`);
  const [sent, seconds] = out.trim().split(' ').map(Number);
  return { sent: sent!, seconds: seconds! };
}

/** Offer `rate` for a step; how many came out, and the rate the sender achieved. */
async function step(
  r: Receiver,
  sender: string,
  hex: string,
  rate: number,
): Promise<{ ok: boolean; achieved: number; got: number; sent: number }> {
  const before = r.count();
  const n = Math.round(rate * STEP_SECONDS);
  const { sent, seconds } = await send(sender, r.port, hex, n, rate);
  let last = -1;
  let stableSince = Date.now();
  const end = Date.now() + DRAIN_MS;
  for (;;) {
    const got = r.count() - before;
    if (got >= sent) break;
    if (got !== last) {
      last = got;
      stableSince = Date.now();
    } else if (Date.now() - stableSince > SETTLE_MS || Date.now() > end) break;
    await sleep(50);
  }
  const got = r.count() - before;
  return { ok: got === sent, achieved: sent / seconds, got, sent };
}

function show(
  r: Receiver,
  rate: number,
  s: { ok: boolean; achieved: number; got: number; sent: number },
  note = '',
): void {
  console.log(
    `   ${r.name.padEnd(9)} offered ${String(rate).padStart(6)}/s achieved ${Math.round(s.achieved).toString().padStart(6)}/s: ${s.got}/${s.sent}${s.ok ? '' : '  LOSS'}${note}`,
  );
}

async function measure(r: Receiver, sender: string, hex: string): Promise<LadderResult> {
  const res = await ladder(RATES, FINE_STEP, async (rate) => {
    const st = await step(r, sender, hex, rate);
    show(r, rate, st);
    await sleep(500);
    return st;
  });
  const eff = effectiveRcvbuf(r.port);
  console.log(`   ${r.name}: lossless ${describe(res)}; receive buffer requested ${RCVBUF}, effective ${eff ?? '?'}`);
  return res;
}

/** BENCH_CPU_PROF: one fixed-rate step through the service under the profiler, then its summary. */
async function profileService(
  dir: string,
  sender: string,
  hex: string,
  started: ChildProcess[],
): Promise<Record<string, number>> {
  const rate = Number(process.env.BENCH_PROF_RATE ?? 10_000);
  mkdirSync(PROF_DIR!, { recursive: true });
  const before = new Set(readdirSync(PROF_DIR!));
  const r = await startAcesync(mkdtempSync(join(dir, 'a-')));
  started.push(r.child);
  const got0 = r.count();
  const { sent } = await send(sender, r.port, hex, rate * 8, rate);
  await sleep(2000);
  const got = r.count() - got0;
  await stop(r.child);
  console.log(`   service offered ${rate}/s for 8 s under the profiler: ${got}/${sent}`);
  for (const f of readdirSync(PROF_DIR!).filter((f) => f.endsWith('.cpuprofile') && !before.has(f)))
    console.log(summarise(join(PROF_DIR!, f)));
  return { profile_rate: rate, profile_sent: sent, profile_got: got };
}

export async function run(): Promise<Record<string, number>> {
  const dir = mkdtempSync(join(tmpdir(), 'acesync-bench-traps-'));
  const started: ChildProcess[] = [];
  try {
    const sender = buildSender(dir);
    const packet = await encodeTrap();
    const hex = packet.toString('hex');
    console.log(`   trap: SNMPv2c clogMessageGenerated (111008), ${packet.length} bytes; ${STEP_SECONDS} s per step`);

    if (PROF_DIR) return await profileService(dir, sender, hex, started);
    const out: Record<string, number> = {};
    const runOne = async (key: string, start: () => Promise<Receiver>): Promise<LadderResult> => {
      const r = await start();
      started.push(r.child);
      const eff = effectiveRcvbuf(r.port);
      try {
        const res = await measure(r, sender, hex);
        out[key] = res.figure;
        out[`${key}_median_achieved`] = res.achievedMedian;
        out[`${key}_sender_ceiling`] = res.ceiling ? 1 : 0;
        if (eff !== undefined) out[`${key}_rcvbuf_effective`] = eff;
        return res;
      } finally {
        await stop(r.child);
      }
    };
    await runOne('traps_per_s', () => startIngest(mkdtempSync(join(dir, 'i-'))));
    await runOne('snmptrapd_traps_per_s', () => startSnmptrapd(mkdtempSync(join(dir, 't-'))));
    await runOne('service_traps_per_s', () => startAcesync(mkdtempSync(join(dir, 'a-'))));
    out.traps_rcvbuf_requested = RCVBUF;
    out.service_vs_snmptrapd = Math.round((out.service_traps_per_s! / out.snmptrapd_traps_per_s!) * 100) / 100;
    console.log(
      `   lossless (3 of 3): acesync receive path ${out.traps_per_s}/s, snmptrapd -n ${out.snmptrapd_traps_per_s}/s, ` +
        `whole acesync service (rules + store) ${out.service_traps_per_s}/s = ${out.service_vs_snmptrapd}x snmptrapd`,
    );
    return out;
  } finally {
    for (const c of started) await stop(c).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
}

// `npx tsx bench/traps.ts` runs it alone.
if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  run().then((r) => console.log(r));
}
