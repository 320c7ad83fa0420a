/**
 * `./data/demo.json`: where a running demo's simulators listen and the demo-only login,
 * so `acesync demo ...` (another process) can drive them. Written with mode 0600 (it
 * holds the simulated ACE's password, random per run), removed when the demo stops.
 * A file left by a killed demo is recognised by its dead pid.
 */
import { chmodSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { z } from 'zod';

export const DEMO_STATE_FILE = 'demo.json';
const MAX_STATE_BYTES = 64 * 1024;

const endpoint = z.strictObject({
  name: z.string(),
  host: z.string(),
  port: z.number().int(),
  hostKeySha256: z.string(),
});

export const demoStateSchema = z.strictObject({
  version: z.literal(1),
  pid: z.number().int().positive(),
  startedAt: z.string(),
  /** The status page. */
  url: z.string(),
  username: z.string(),
  /** Demo-only password of the simulated ACEs (never printed). */
  password: z.string(),
  devices: z.array(endpoint).min(1),
  contexts: z.array(z.string()),
  syslog: z.strictObject({ host: z.string(), port: z.number().int() }),
  snmp: z.strictObject({ host: z.string(), port: z.number().int() }),
  anm: z.strictObject({ url: z.string(), controlUrl: z.string() }),
  store: z.string(),
});

export type DemoState = z.output<typeof demoStateSchema>;

export function demoStatePath(dataDir: string): string {
  return join(dataDir, DEMO_STATE_FILE);
}

/** Write atomically, readable by the owner only. */
export function writeDemoState(file: string, state: DemoState): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(state, null, 2) + '\n', { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, file);
}

export function removeDemoState(file: string, pid = process.pid): void {
  // Only the demo that wrote it removes it (a second start that failed must not).
  const s = readDemoState(file);
  if (s && s.pid === pid) rmSync(file, { force: true });
}

/** The state file, or undefined when absent or unreadable. */
export function readDemoState(file: string): DemoState | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  if (text.length > MAX_STATE_BYTES) return undefined;
  try {
    const r = demoStateSchema.safeParse(JSON.parse(text));
    return r.success ? r.data : undefined;
  } catch {
    return undefined;
  }
}

/** Is the process that wrote the file still there? */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
