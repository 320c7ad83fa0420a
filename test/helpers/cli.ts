/**
 * Run the built `acesync` (dist/cli.js; `npm test` builds first) as a child process,
 * the way an operator would, and read what it prints.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { resolve } from 'node:path';

export const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
export const CLI = resolve(ROOT, 'dist/cli.js');
/** As the bin's shebang: DES (SNMPv3 privacy) needs OpenSSL 3's legacy provider. */
export const NODE_FLAGS = ['--openssl-legacy-provider'];

export interface Running {
  child: ChildProcessWithoutNullStreams;
  /** Lines printed on stdout so far (events with --print-events). */
  stdout: string[];
  /** Log lines (JSON) printed on stderr so far. */
  stderr: string[];
  /** Resolve with the first stdout JSON line matching `pred`, or reject after `ms`. */
  waitForEvent(pred: (e: Record<string, unknown>) => boolean, ms?: number): Promise<Record<string, unknown>>;
  /** Resolve with the first stderr log object matching `pred`. */
  waitForLog(pred: (l: Record<string, unknown>) => boolean, ms?: number): Promise<Record<string, unknown>>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

function lineWaiter(lines: string[], listeners: Set<() => void>) {
  return (pred: (e: Record<string, unknown>) => boolean, ms = 10_000): Promise<Record<string, unknown>> =>
    new Promise((resolveP, reject) => {
      let idx = 0;
      const check = (): boolean => {
        for (; idx < lines.length; idx++) {
          try {
            const obj = JSON.parse(lines[idx]!) as Record<string, unknown>;
            if (pred(obj)) {
              resolveP(obj);
              return true;
            }
          } catch {
            /* not JSON */
          }
        }
        return false;
      };
      if (check()) return;
      const timer = setTimeout(() => {
        listeners.delete(listener);
        reject(new Error(`timed out after ${ms} ms; last lines:\n${lines.slice(-10).join('\n')}`));
      }, ms);
      const listener = (): void => {
        if (check()) {
          clearTimeout(timer);
          listeners.delete(listener);
        }
      };
      listeners.add(listener);
    });
}

export function startCli(args: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): Running {
  const child = spawn(process.execPath, [...NODE_FLAGS, CLI, ...args], {
    cwd: opts.cwd ?? ROOT,
    env: { ...process.env, ...opts.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const stdout: string[] = [];
  const stderr: string[] = [];
  const outListeners = new Set<() => void>();
  const errListeners = new Set<() => void>();
  const split = (buf: { rest: string }, chunk: Buffer, into: string[], ls: Set<() => void>): void => {
    const text = buf.rest + chunk.toString('utf8');
    const parts = text.split('\n');
    buf.rest = parts.pop() ?? '';
    into.push(...parts.filter((l) => l.length > 0));
    for (const l of [...ls]) l();
  };
  const ob = { rest: '' };
  const eb = { rest: '' };
  child.stdout.on('data', (c: Buffer) => split(ob, c, stdout, outListeners));
  child.stderr.on('data', (c: Buffer) => split(eb, c, stderr, errListeners));
  return {
    child,
    stdout,
    stderr,
    waitForEvent: lineWaiter(stdout, outListeners),
    waitForLog: lineWaiter(stderr, errListeners),
    async stop(signal = 'SIGTERM') {
      if (child.exitCode !== null) return child.exitCode;
      child.kill(signal);
      const [code] = (await once(child, 'exit')) as [number | null];
      return code;
    },
  };
}

/** Run to completion and collect output. */
export async function runCli(
  args: string[],
  opts: { env?: NodeJS.ProcessEnv; cwd?: string; input?: string | Buffer; timeoutMs?: number } = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [...NODE_FLAGS, CLI, ...args], {
    cwd: opts.cwd ?? ROOT,
    env: { ...process.env, ...opts.env },
  });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout.on('data', (c: Buffer) => out.push(c));
  child.stderr.on('data', (c: Buffer) => err.push(c));
  const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 20_000);
  if (opts.input !== undefined) child.stdin.end(opts.input);
  else child.stdin.end();
  const [code] = (await once(child, 'exit')) as [number | null];
  clearTimeout(timer);
  return { code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') };
}

/** The `acesync started` log line, with the bound listener addresses. */
export async function waitStarted(
  r: Running,
  ms = 15_000,
): Promise<Array<{ transport: string; address: string; port: number }>> {
  const log = await r.waitForLog((l) => l.msg === 'acesync started', ms);
  return log.listeners as Array<{ transport: string; address: string; port: number }>;
}
