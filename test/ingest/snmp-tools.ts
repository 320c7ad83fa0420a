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

/**
 * A recording UDP relay on 127.0.0.1: what a client sends to it is recorded byte for byte
 * and forwarded to `targetPort`; replies go back to the client. It is how a test captures
 * the real datagrams of snmptrap/snmpinform to replay them later, as an attacker on the
 * path would.
 */
export class RecordingRelay {
  readonly sent: Buffer[] = [];
  readonly #front = dgram.createSocket('udp4');
  readonly #back = dgram.createSocket('udp4');
  #client: { address: string; port: number } | undefined;
  targetPort: number;

  private constructor(targetPort: number) {
    this.targetPort = targetPort;
    this.#front.on('message', (m, r) => {
      this.sent.push(Buffer.from(m));
      this.#client = { address: r.address, port: r.port };
      this.#back.send(m, this.targetPort, '127.0.0.1');
    });
    this.#back.on('message', (m) => {
      if (this.#client) this.#front.send(m, this.#client.port, this.#client.address);
    });
  }

  static async open(targetPort: number): Promise<RecordingRelay> {
    const r = new RecordingRelay(targetPort);
    await Promise.all([
      new Promise<void>((res) => r.#front.bind(0, '127.0.0.1', () => res())),
      new Promise<void>((res) => r.#back.bind(0, '127.0.0.1', () => res())),
    ]);
    return r;
  }

  get port(): number {
    return this.#front.address().port;
  }

  close(): void {
    this.#front.close();
    this.#back.close();
  }
}

/** Send one datagram from 127.0.0.1 and resolve with the first reply (undefined if none within `ms`). */
export async function sendForReply(port: number, data: Buffer, ms = 3000): Promise<Buffer | undefined> {
  const sock = dgram.createSocket('udp4');
  try {
    await new Promise<void>((resolve) => sock.bind(0, '127.0.0.1', () => resolve()));
    const reply = new Promise<Buffer | undefined>((resolve) => {
      const timer = setTimeout(() => resolve(undefined), ms);
      sock.once('message', (m) => {
        clearTimeout(timer);
        resolve(m);
      });
    });
    sock.send(data, port, '127.0.0.1');
    return await reply;
  } finally {
    sock.close();
  }
}
