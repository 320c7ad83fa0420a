/**
 * Poller benchmarks against the ACE simulator, which runs in a child process
 * (`acesync sim ace`, from dist/: `npm run bench` builds first) so the figures are the
 * poller's own:
 * - audit_50x20: a full audit of 50 devices x 20 contexts (wall time, peak RSS of this
 *   process, SSH sessions opened);
 * - failover_250_contexts: an HA pair with 250 contexts (one FT group each); every group is
 *   switched over, then both peers are audited end to end; time from the first
 *   `ft switchover` to the last audit result.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { configSchema } from '../src/config/schema.js';
import { Inventory } from '../src/inventory/inventory.js';
import { silentLogger } from '../src/core/log.js';
import { Poller } from '../src/devices/poller.js';
import { openAceSession } from '../src/devices/ace-session.js';
import type { AceEvent } from '../src/core/events.js';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
export const PASSWORD = 'bench-secret';

export interface Endpoint {
  device: string;
  host: string;
  port: number;
  hostKeySha256: string;
}

/** A context's configuration of ~45 lines, different per context. */
function contextConfig(i: number): string {
  const lines = [`access-list ALL line 8 extended permit ip any any`, ''];
  for (let r = 1; r <= 6; r++)
    lines.push(`rserver host R${i}-${r}`, `  ip address 10.${i % 250}.${r}.11`, '  inservice');
  lines.push('', `serverfarm host SF${i}`, '  probe HTTP');
  for (let r = 1; r <= 6; r++) lines.push(`  rserver R${i}-${r}`, '    inservice');
  lines.push(
    '',
    'probe http HTTP',
    '  interval 5',
    '  expect status 200 200',
    '',
    `class-map match-all VIP${i}`,
    `  2 match virtual-address 10.200.${i % 250}.10 tcp eq www`,
  );
  return lines.join('\n');
}

function logging(): Record<string, unknown> {
  return { hosts: [{ ip: '127.0.0.1', port: 9 }], trap: 6, device_id: 'context-name' };
}

export async function startSim(
  spec: unknown,
): Promise<{ child: ChildProcess; endpoints: Endpoint[]; stop(): Promise<void>; dir: string }> {
  const dir = mkdtempSync(join(os.tmpdir(), 'acesync-bench-'));
  const file = join(dir, 'sim.yaml');
  writeFileSync(file, stringify(spec));
  const count = (spec as { devices: unknown[] }).devices.length;
  const child = spawn(process.execPath, [join(ROOT, 'dist/cli.js'), 'sim', 'ace', '--config', file, '--json'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const endpoints: Endpoint[] = [];
  const rl = createInterface({ input: child.stdout! });
  await new Promise<void>((res, rej) => {
    const timer = setTimeout(() => rej(new Error(`simulator did not start within 60 s: ${err}`)), 60_000);
    rl.on('line', (line) => {
      const m = JSON.parse(line) as Endpoint & { event: string };
      if (m.event === 'listening') endpoints.push(m);
      if (endpoints.length === count) {
        clearTimeout(timer);
        res();
      }
    });
    child.once('exit', (code) => rej(new Error(`simulator exited (${code}): ${err}`)));
  });
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.pid !== undefined) {
      const exited = new Promise((r) => child.once('exit', r));
      process.kill(child.pid, 'SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      if (child.exitCode === null) process.kill(child.pid, 'SIGKILL');
    }
    rmSync(dir, { recursive: true, force: true });
  };
  return { child, endpoints, stop, dir };
}

function pollerFor(
  endpoints: Endpoint[],
  contexts: string[],
  peers: Record<string, string>,
  maxSessions: number,
): Poller {
  const cfg = configSchema.parse({
    devices: endpoints.map((e) => ({
      name: e.device,
      host: e.host,
      peer: peers[e.device],
      contexts: contexts.map((name) => ({ name })),
      ssh: {
        port: e.port,
        username: 'admin',
        password_env: 'BENCH_PW',
        host_key_sha256: e.hostKeySha256,
        connect_timeout_ms: 20_000,
        command_timeout_ms: 20_000,
      },
    })),
    poller: { max_sessions: maxSessions, connect_attempts: 2, idle_close_ms: 60_000 },
  });
  return new Poller({
    poller: cfg.poller,
    inventory: new Inventory(cfg.devices),
    logger: silentLogger,
    env: { BENCH_PW: PASSWORD },
  });
}

function countOk(events: AceEvent[]): number {
  return events.filter((e) => e.kind === 'audit-result' && (e.data as { outcome: string }).outcome !== 'error').length;
}

async function audit50x20(): Promise<{ seconds: number; peakRssMb: number; sessions: number }> {
  const contexts = Array.from({ length: 19 }, (_, i) => `C${i + 1}`); // + Admin = 20 per device
  const spec = {
    devices: Array.from({ length: 50 }, (_, d) => ({
      name: `ace${String(d + 1).padStart(2, '0')}`,
      users: [{ username: 'admin', password: PASSWORD }],
      contexts: [
        { name: 'Admin', logging: logging() },
        ...contexts.map((name, i) => ({ name, logging: logging(), config: contextConfig(d * 20 + i) })),
      ],
    })),
  };
  const sim = await startSim(spec);
  const poller = pollerFor(sim.endpoints, contexts, {}, 10);
  let peak = process.memoryUsage().rss;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
  try {
    const t0 = performance.now();
    const results = await Promise.all(sim.endpoints.map((e) => poller.auditDevice(e.device)));
    const seconds = (performance.now() - t0) / 1000;
    const ok = results.reduce((n, ev) => n + countOk(ev), 0);
    if (ok !== 50 * 20) throw new Error(`expected 1000 context audits, got ${ok}`);
    return { seconds, peakRssMb: peak / 1024 / 1024, sessions: poller.sessionsOpened };
  } finally {
    clearInterval(sampler);
    await poller.close();
    await sim.stop();
  }
}

async function failover250(): Promise<number> {
  const n = 250;
  const names = Array.from({ length: n }, (_, i) => `VC${i + 1}`);
  const dev = (name: string, peer: string, role: 'active' | 'standby', base: number): Record<string, unknown> => ({
    name,
    peer,
    role,
    users: [{ username: 'admin', password: PASSWORD }],
    contexts: [
      { name: 'Admin', logging: logging(), source: `127.0.${base}.1` },
      ...names.map((c, i) => ({
        name: c,
        ft_group: i + 1,
        logging: logging(),
        ...(role === 'active' ? { config: contextConfig(i) } : {}),
      })),
    ],
  });
  const sim = await startSim({ devices: [dev('ace-a', 'ace-b', 'active', 1), dev('ace-b', 'ace-a', 'standby', 2)] });
  const poller = pollerFor(sim.endpoints, names, { 'ace-a': 'ace-b', 'ace-b': 'ace-a' }, 4);
  try {
    // Know the roles before the failover, as a running acesync would.
    await Promise.all(['ace-a', 'ace-b'].map((d) => poller.auditDevice(d, { contexts: [] })));
    const a = sim.endpoints.find((e) => e.device === 'ace-a')!;
    const s = await openAceSession({
      host: a.host,
      port: a.port,
      username: 'admin',
      password: PASSWORD,
      hostKeySha256: a.hostKeySha256,
    });
    const t0 = performance.now();
    for (let g = 1; g <= n; g++) await s.run(`ft switchover ${g}`);
    await s.close();
    const [ea, eb] = await Promise.all(['ace-a', 'ace-b'].map((d) => poller.auditDevice(d, { contexts: names })));
    const seconds = (performance.now() - t0) / 1000;
    const ha = [...ea!, ...eb!].filter((e) => e.kind === 'ha-state').length;
    const ok = countOk(ea!) + countOk(eb!);
    if (ha !== 2 * n || ok !== 2 * n)
      throw new Error(`failover: ${ha} ha-state events and ${ok} audits, expected ${2 * n} each`);
    return seconds;
  } finally {
    await poller.close();
    await sim.stop();
  }
}

export async function run(): Promise<Record<string, number>> {
  const a = await audit50x20();
  console.log(
    `audit 50 devices x 20 contexts: ${a.seconds.toFixed(2)} s, peak RSS ${a.peakRssMb.toFixed(0)} MB, ${a.sessions} SSH sessions`,
  );
  const f = await failover250();
  console.log(`failover of a pair with 250 contexts, both peers audited: ${f.toFixed(2)} s`);
  return {
    audit_50x20_s: Number(a.seconds.toFixed(3)),
    audit_50x20_peak_rss_mb: Number(a.peakRssMb.toFixed(1)),
    audit_50x20_sessions: a.sessions,
    failover_250_contexts_s: Number(f.toFixed(3)),
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
