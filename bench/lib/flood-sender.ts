/** The C syslog sender (bench/sender/syslog-flood.c), built once, and stopping a child process by pid. */
import { execFileSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const SENDER_SRC = join(ROOT, 'bench/sender/syslog-flood.c');
const BUILD_DIR = join(ROOT, 'bench/.build');
/** `syslog-flood HOST PORT RATE SECONDS SEQ_START EVERY` (see its source). */
export const SENDER = join(BUILD_DIR, 'syslog-flood');

export function buildSender(): void {
  mkdirSync(BUILD_DIR, { recursive: true });
  if (existsSync(SENDER) && statSync(SENDER).mtimeMs >= statSync(SENDER_SRC).mtimeMs) return;
  execFileSync('cc', ['-O2', '-Wall', '-o', SENDER, SENDER_SRC], { stdio: 'inherit', timeout: 60_000 });
}

/** SIGTERM, then SIGKILL after 5 s. */
export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}
