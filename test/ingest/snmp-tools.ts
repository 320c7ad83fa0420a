/**
 * Debian's net-snmp command-line tools as real SNMP senders, isolated from the machine's
 * configuration (own persistent dir, no MIB loading) and bounded in time.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import dgram from 'node:dgram';

/**
 * Environment for one tool run. Each run gets its own persistent dir: the tools rewrite
 * their engine-boots file on exit, and concurrent runs sharing one corrupt it.
 */
function toolEnv(dir: string): NodeJS.ProcessEnv {
  return { ...process.env, SNMP_PERSISTENT_DIR: dir, SNMPCONFPATH: dir, MIBS: '' };
}

export interface ToolResult {
  code: number | null;
  stderr: string;
}

/** Run snmptrap/snmpinform with `-Ln` (no logging); resolves when it exits or is killed at `timeoutMs`. */
export function snmpTool(tool: 'snmptrap' | 'snmpinform', args: string[], timeoutMs = 8000): Promise<ToolResult> {
  const dir = mkdtempSync(join(tmpdir(), 'acesync-snmp-tool-'));
  return new Promise((resolve) => {
    execFile(
      `/usr/bin/${tool}`,
      ['-Ln', ...args],
      { env: toolEnv(dir), timeout: timeoutMs, killSignal: 'SIGKILL' },
      (err, _stdout, stderr) => {
        rmSync(dir, { recursive: true, force: true });
        const code = err
          ? typeof (err as { code?: unknown }).code === 'number'
            ? (err as { code: number }).code
            : null
          : 0;
        resolve({ code, stderr: String(stderr) });
      },
    );
  });
}

/** Send one raw datagram to 127.0.0.1:port, optionally from a given loopback address. */
export async function sendRaw(port: number, data: Buffer, from = '127.0.0.1'): Promise<void> {
  const sock = dgram.createSocket('udp4');
  try {
    await new Promise<void>((resolve, reject) => {
      sock.once('error', reject);
      sock.bind(0, from, () => resolve());
    });
    await new Promise<void>((resolve, reject) =>
      sock.send(data, port, '127.0.0.1', (err) => (err ? reject(err) : resolve())),
    );
  } finally {
    sock.close();
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Poll until `pred()` is true or `ms` passes. */
export async function until(pred: () => boolean, ms = 5000, what = 'condition'): Promise<void> {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}
