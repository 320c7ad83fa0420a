/**
 * What the kernel actually gave a receiver: the effective receive buffer of the UDP socket bound to a port
 * (`ss -uamn`, the `rb` field of skmem, in bytes: what SO_RCVBUF/SO_RCVBUFFORCE resulted in after the kernel's
 * doubling and the `net.core.rmem_max` cap), and the machine facts a result file records.
 */
import { execFileSync } from 'node:child_process';
import { cpus, release } from 'node:os';
import { readFileSync } from 'node:fs';

/** Effective receive buffer (bytes) of the UDP socket listening on `port`, or undefined if `ss` cannot tell. */
export function effectiveRcvbuf(port: number): number | undefined {
  try {
    const out = execFileSync('ss', ['-uamnH', 'sport', '=', `:${port}`], { encoding: 'utf8', timeout: 5000 });
    const m = /\brb(\d+)\b/.exec(out);
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

export function rmemMax(): number | undefined {
  try {
    return Number(readFileSync('/proc/sys/net/core/rmem_max', 'utf8').trim());
  } catch {
    return undefined;
  }
}

export interface MachineFacts {
  date: string;
  cores: number;
  cpu: string;
  kernel: string;
  rmem_max: number | undefined;
  node: string;
  /** The code measured: `git rev-parse HEAD`, `+dirty` when the work tree differs from it (absent in older files). */
  commit?: string;
}

/** HEAD's hash, `+dirty` if tracked files differ from it; undefined outside a git checkout. */
function commitMeasured(): string | undefined {
  try {
    const head = execFileSync('git', ['rev-parse', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    return head.trim() + (dirty.trim() === '' ? '' : '+dirty');
  } catch {
    return undefined;
  }
}

export function machineFacts(): MachineFacts {
  const commit = commitMeasured();
  return {
    date: new Date().toISOString(),
    cores: cpus().length,
    cpu: cpus()[0]?.model ?? 'unknown',
    kernel: release(),
    rmem_max: rmemMax(),
    node: process.version,
    ...(commit !== undefined ? { commit } : {}),
  };
}
