/**
 * What became of a requested socket receive buffer (SO_RCVBUF). Linux caps the request at
 * `net.core.rmem_max` and then reports twice the granted size (bookkeeping overhead), so the
 * reported figure alone says neither what was granted nor whether the cap hit.
 */
import { readFile } from 'node:fs/promises';

export interface RecvBufferReport {
  requested: number;
  /** What getRecvBufferSize() returned. */
  reported: number;
  /** The usable size granted (reported / 2 on Linux). */
  granted: number;
  /** net.core.rmem_max, when readable. */
  rmemMax?: number;
  /** The grant is smaller than the request. */
  capped: boolean;
  /** One sentence for the warning, when capped. */
  message?: string;
}

export async function readRmemMax(file = '/proc/sys/net/core/rmem_max'): Promise<number | undefined> {
  try {
    const n = Number((await readFile(file, 'utf8')).trim());
    return Number.isFinite(n) && n > 0 ? n : undefined;
  } catch {
    return undefined;
  }
}

export function recvBufferReport(
  what: string,
  requested: number,
  reported: number,
  rmemMax: number | undefined,
  platform: NodeJS.Platform = process.platform,
): RecvBufferReport {
  const granted = platform === 'linux' ? Math.floor(reported / 2) : reported;
  const capped = granted < requested;
  const r: RecvBufferReport = { requested, reported, granted, capped, ...(rmemMax !== undefined ? { rmemMax } : {}) };
  if (capped)
    r.message =
      rmemMax !== undefined && granted <= rmemMax
        ? `${what} receive buffer: requested ${requested} bytes, granted ${granted}: capped by net.core.rmem_max = ${rmemMax}; raise it (sysctl -w net.core.rmem_max=${requested}) to absorb longer stalls`
        : `${what} receive buffer: requested ${requested} bytes, granted ${granted} (capped by the kernel)`;
  return r;
}
