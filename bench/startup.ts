/**
 * Start-up time and idle memory of the real service: spawn `node dist/cli.js start`
 * with a temporary config, time until the 'acesync started' log line, then read its RSS.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { workerSetting } from './udp-ingest.js';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));

function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = /VmRSS:\s+(\d+) kB/.exec(status);
  return m ? Number(m[1]) / 1024 : NaN;
}

export async function run(): Promise<Record<string, number>> {
  const dir = mkdtempSync(join(tmpdir(), 'acesync-bench-startup-'));
  const cfg = join(dir, 'acesync.yaml');
  writeFileSync(
    cfg,
    [
      `syslog: { udp: { host: 127.0.0.1, port: 0${workerSetting()} } }`,
      'snmp: { host: 127.0.0.1, port: 0 }',
      'http: { port: 0 }',
      `store: { path: ${join(dir, 'state.db')} }`,
      `rules: ${join(ROOT, 'rules')}`,
      'devices: [{ name: ace-a, host: 127.0.0.1, peer: ace-b, sources: [127.0.0.1], contexts: [{ name: C1 }] }, { name: ace-b, host: 127.0.0.2, peer: ace-a, contexts: [{ name: C1 }] }]',
      'poller: { enabled: false }',
    ].join('\n'),
  );
  const runs: number[] = [];
  let idle = NaN;
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    const child = spawn(
      process.execPath,
      ['--openssl-legacy-provider', join(ROOT, 'dist/cli.js'), 'start', '--config', cfg],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    await new Promise<void>((res, rej) => {
      let buf = '';
      const timer = setTimeout(() => rej(new Error('service did not start within 20 s')), 20_000);
      child.stderr.on('data', (c: Buffer) => {
        buf += c.toString();
        if (buf.includes('"acesync started"')) {
          clearTimeout(timer);
          res();
        }
      });
      child.on('exit', (code) => rej(new Error(`exited ${code}: ${buf.slice(-500)}`)));
    });
    runs.push(performance.now() - t0);
    if (i === 4) {
      await new Promise((r) => setTimeout(r, 2000));
      idle = rssMb(child.pid!);
    }
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  }
  rmSync(dir, { recursive: true, force: true });
  runs.sort((a, b) => a - b);
  const startup = runs[Math.floor(runs.length / 2)]!;
  console.log(`   start-up (median of ${runs.length}): ${startup.toFixed(0)} ms; idle RSS ${idle.toFixed(1)} MB`);
  return { startup_ms: Math.round(startup), rss_idle_mb: Math.round(idle * 10) / 10 };
}
