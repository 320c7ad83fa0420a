/**
 * How many datagrams the kernel dropped on our UDP socket because its receive buffer
 * was full. Those datagrams never reach user space, so this counter is the only way to
 * know that something was missed.
 *
 * Preferred source: the `drops` column of our socket's row in `/proc/net/udp` or
 * `/proc/net/udp6` (per socket, since the socket was created). The row is found by local
 * port and, because other processes (or an IPv4 and an IPv6 socket) may share the port,
 * by the socket inode, which `/proc/self/fd/N -> socket:[inode]` links tell us is ours.
 * Fallback when no row can be identified: the namespace-wide `RcvbufErrors` of
 * `/proc/net/snmp` (plus `Udp6RcvbufErrors` of `/proc/net/snmp6`), which over-reports
 * (other sockets' drops count too) but never under-reports.
 */
import { readFile, readdir, readlink } from 'node:fs/promises';
import { join } from 'node:path';

/** One row of `/proc/net/udp{,6}`, the columns we use. */
export interface ProcUdpRow {
  localPort: number;
  /** Bytes waiting in the socket's receive queue (`rx_queue`). */
  rxQueue: number;
  inode: number;
  drops: number;
}

/** Parse `/proc/net/udp` or `/proc/net/udp6`; rows of other ports are skipped when `port` is given. */
export function parseProcNetUdp(text: string, port?: number): ProcUdpRow[] {
  const rows: ProcUdpRow[] = [];
  const wanted = port === undefined ? undefined : ':' + port.toString(16).toUpperCase().padStart(4, '0');
  const lines = text.split('\n');
  for (let k = 1; k < lines.length; k++) {
    const line = lines[k]!;
    if (wanted !== undefined && !line.includes(wanted + ' ')) continue;
    const f = line.trim().split(/\s+/);
    // sl local rem st tx:rx tr:when retrnsmt uid timeout inode ref pointer drops
    if (f.length < 13) continue;
    const local = f[1]!;
    const localPort = parseInt(local.slice(local.lastIndexOf(':') + 1), 16);
    if (port !== undefined && localPort !== port) continue;
    const queues = f[4]!;
    rows.push({
      localPort,
      rxQueue: parseInt(queues.slice(queues.indexOf(':') + 1), 16) || 0,
      inode: Number(f[9]),
      drops: Number(f[12]),
    });
  }
  return rows;
}

/** `RcvbufErrors` from the `Udp:` lines of `/proc/net/snmp` (header line, then values). */
export function parseSnmpRcvbufErrors(text: string): number | undefined {
  const lines = text.split('\n').filter((l) => l.startsWith('Udp: '));
  if (lines.length < 2) return undefined;
  const names = lines[0]!.trim().split(/\s+/);
  const values = lines[1]!.trim().split(/\s+/);
  const i = names.indexOf('RcvbufErrors');
  if (i < 0 || values[i] === undefined) return undefined;
  const v = Number(values[i]);
  return Number.isFinite(v) ? v : undefined;
}

/** `Udp6RcvbufErrors` from `/proc/net/snmp6` (`name value` lines). */
export function parseSnmp6RcvbufErrors(text: string): number | undefined {
  const m = /^Udp6RcvbufErrors\s+(\d+)/m.exec(text);
  return m ? Number(m[1]) : undefined;
}

/** Inodes of the sockets this process holds open (`/proc/self/fd/N -> socket:[inode]`). */
export async function ownSocketInodes(procRoot = '/proc'): Promise<Set<number>> {
  const dir = join(procRoot, 'self', 'fd');
  const out = new Set<number>();
  let fds: string[];
  try {
    fds = await readdir(dir);
  } catch {
    return out;
  }
  await Promise.all(
    fds.map(async (fd) => {
      try {
        const m = /^socket:\[(\d+)\]$/.exec(await readlink(join(dir, fd)));
        if (m) out.add(Number(m[1]));
      } catch {
        // The fd closed between readdir and readlink.
      }
    }),
  );
  return out;
}

export interface DropReading {
  /** Datagrams dropped since the reader was initialised (never decreases). */
  drops: number;
  /** Bytes queued on our socket, when read from our row. */
  rxQueue?: number;
  method: 'socket' | 'snmp' | 'none';
}

async function readText(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    return undefined;
  }
}

/**
 * Reads the drop counter of one UDP socket, identified by local port and family.
 * `init()` once after bind, then `read()` as often as needed.
 */
export class UdpDropReader {
  readonly port: number;
  readonly family: 4 | 6;
  readonly #procRoot: string;
  #inode: number | undefined;
  #method: DropReading['method'] = 'none';
  /** Counter value at the time the current method was chosen. */
  #base = 0;
  /** Drops accumulated under earlier methods (the counter must never go backwards). */
  #carried = 0;
  #last = 0;

  constructor(opts: { port: number; family: 4 | 6; procRoot?: string }) {
    this.port = opts.port;
    this.family = opts.family;
    this.#procRoot = opts.procRoot ?? '/proc';
  }

  get method(): DropReading['method'] {
    return this.#method;
  }

  get inode(): number | undefined {
    return this.#inode;
  }

  async init(): Promise<DropReading['method']> {
    const rows = await this.#rows();
    if (rows.length > 0) {
      const mine = await ownSocketInodes(this.#procRoot);
      // Several rows on our port: only ours is in our fd table. One row and no fd table
      // (restricted /proc): it is ours, nothing else can hold the port without SO_REUSEPORT.
      const row = rows.find((r) => mine.has(r.inode)) ?? (rows.length === 1 && mine.size === 0 ? rows[0] : undefined);
      if (row) {
        this.#inode = row.inode;
        this.#method = 'socket';
        // A fresh socket starts at 0; a reused one may not, so count from now.
        this.#base = row.drops;
        return this.#method;
      }
    }
    const snmp = await this.#snmpTotal();
    if (snmp !== undefined) {
      this.#method = 'snmp';
      this.#base = snmp;
    } else {
      this.#method = 'none';
    }
    return this.#method;
  }

  async read(): Promise<DropReading> {
    if (this.#method === 'socket') {
      const row = (await this.#rows()).find((r) => r.inode === this.#inode);
      if (row) return { drops: this.#advance(row.drops - this.#base), rxQueue: row.rxQueue, method: 'socket' };
      // Our row vanished (should not happen while the socket is open): switch to the
      // namespace-wide counter, carrying what we have counted so far.
      this.#carried = this.#last;
      await this.#fallback();
    }
    if (this.#method === 'snmp') {
      const v = await this.#snmpTotal();
      if (v !== undefined) return { drops: this.#advance(this.#carried + v - this.#base), method: 'snmp' };
    }
    return { drops: this.#last, method: 'none' };
  }

  #advance(v: number): number {
    if (v > this.#last) this.#last = v;
    return this.#last;
  }

  async #fallback(): Promise<void> {
    const snmp = await this.#snmpTotal();
    this.#method = snmp === undefined ? 'none' : 'snmp';
    this.#base = snmp ?? 0;
  }

  async #rows(): Promise<ProcUdpRow[]> {
    const text = await readText(join(this.#procRoot, 'net', this.family === 6 ? 'udp6' : 'udp'));
    return text === undefined ? [] : parseProcNetUdp(text, this.port);
  }

  async #snmpTotal(): Promise<number | undefined> {
    const [snmp, snmp6] = await Promise.all([
      readText(join(this.#procRoot, 'net', 'snmp')),
      this.family === 6 ? readText(join(this.#procRoot, 'net', 'snmp6')) : Promise.resolve(undefined),
    ]);
    const v4 = snmp === undefined ? undefined : parseSnmpRcvbufErrors(snmp);
    const v6 = snmp6 === undefined ? undefined : parseSnmp6RcvbufErrors(snmp6);
    if (v4 === undefined && v6 === undefined) return undefined;
    return (v4 ?? 0) + (v6 ?? 0);
  }
}
