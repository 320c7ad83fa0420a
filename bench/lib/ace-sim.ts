/**
 * The ACE simulator in a child process (`acesync sim ace`, from dist/: `npm run bench` builds first), so the
 * figures of a bench that audits over SSH are acesync's own and not shared with the simulator's event loop.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';

const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
export const PASSWORD = 'bench-secret';

export interface Endpoint {
  device: string;
  host: string;
  port: number;
  hostKeySha256: string;
}

/** A context's configuration of ~45 lines, different per context. */
export function contextConfig(i: number): string {
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

export interface SimChild {
  child: ChildProcess;
  endpoints: Endpoint[];
  dir: string;
  stop(): Promise<void>;
}

export async function startSim(spec: unknown): Promise<SimChild> {
  const dir = mkdtempSync(join(os.tmpdir(), 'acesync-bench-'));
  const file = join(dir, 'sim.yaml');
  // No anchors and aliases for shared objects: the simulator refuses many aliases (a YAML bomb guard).
  writeFileSync(file, stringify(spec, { aliasDuplicateObjects: false }));
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
