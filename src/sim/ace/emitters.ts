/**
 * How a simulated context speaks to the network: syslog datagrams to its `logging host`
 * targets and SNMP notifications to its `snmp-server host` targets, each sent from the
 * context's own source address (any 127.x.y.z is local on Linux), so acesync attributes
 * them exactly as it would a real context's messages.
 */
import dgram from 'node:dgram';
import net from 'node:net';
import snmp from 'net-snmp';
import { isIPv6 } from 'node:net';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `Mmm dd yyyy HH:MM:SS` (reference 1.2). The simulator's clock zone is UTC. */
export function aceTimestamp(ms: number): string {
  const d = new Date(ms);
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${MONTHS[d.getUTCMonth()]} ${p(d.getUTCDate())} ${d.getUTCFullYear()} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}`;
}

export interface SyslogLineParts {
  facility: number;
  severity: number;
  id: string;
  text: string;
  /** Present when `logging timestamp` is on. */
  timestampMs?: number;
  /** Present when `logging device-id` is on. */
  deviceId?: string;
}

/** `<PRI>[Mmm dd yyyy HH:MM:SS ][device-id: ]%ACE-<sev>-<id>: <text>` */
export function formatAceSyslog(p: SyslogLineParts): string {
  const ts = p.timestampMs !== undefined ? `${aceTimestamp(p.timestampMs)} ` : '';
  const dev = p.deviceId !== undefined ? `${p.deviceId}: ` : '';
  return `<${p.facility * 8 + p.severity}>${ts}${dev}%ACE-${p.severity}-${p.id}: ${p.text}`;
}

export interface Target {
  ip: string;
  port: number;
  protocol: 'udp' | 'tcp';
}

const MAX_SOCKETS = 1024;

/** UDP (and TCP) syslog senders, one socket per source address, bound lazily. */
export class SyslogSender {
  readonly #udp = new Map<string, Promise<dgram.Socket>>();
  readonly #tcp = new Map<string, net.Socket>();
  #closed = false;
  /** Send failures (unbindable source, unreachable TCP target); counted, never thrown. */
  failures = 0;

  #udpSocket(source: string | undefined, v6: boolean): Promise<dgram.Socket> {
    const key = `${v6 ? '6' : '4'}|${source ?? ''}`;
    let p = this.#udp.get(key);
    if (p) return p;
    if (this.#udp.size >= MAX_SOCKETS) {
      const [oldKey, old] = this.#udp.entries().next().value as [string, Promise<dgram.Socket>];
      this.#udp.delete(oldKey);
      void old.then(
        (s) => s.close(),
        () => undefined,
      );
    }
    p = new Promise<dgram.Socket>((resolve) => {
      const sock = dgram.createSocket(v6 ? 'udp6' : 'udp4');
      sock.on('error', () => {
        this.failures++;
      });
      if (source === undefined) return resolve(sock);
      sock.bind({ address: source, port: 0 }, () => resolve(sock));
      sock.once('error', () => {
        // The source cannot be bound here (not a local address): send unbound, counted.
        const plain = dgram.createSocket(v6 ? 'udp6' : 'udp4');
        plain.on('error', () => {
          this.failures++;
        });
        resolve(plain);
      });
    });
    this.#udp.set(key, p);
    return p;
  }

  send(source: string | undefined, target: Target, line: string): void {
    if (this.#closed) return;
    if (target.protocol === 'tcp') return this.#sendTcp(source, target, line);
    const buf = Buffer.from(line, 'utf8');
    void this.#udpSocket(source, isIPv6(target.ip)).then((s) =>
      s.send(buf, target.port, target.ip, (err) => {
        if (err) this.failures++;
      }),
    );
  }

  #sendTcp(source: string | undefined, target: Target, line: string): void {
    const key = `${source ?? ''}|${target.ip}|${target.port}`;
    let s = this.#tcp.get(key);
    if (!s || s.destroyed) {
      if (this.#tcp.size >= MAX_SOCKETS) return void this.failures++;
      s = net.connect({ host: target.ip, port: target.port, localAddress: source });
      s.setNoDelay(true);
      s.on('error', () => {
        this.failures++;
        this.#tcp.delete(key);
      });
      s.on('close', () => this.#tcp.delete(key));
      this.#tcp.set(key, s);
    }
    // Newline framing (what most collectors accept for syslog over TCP).
    s.write(line + '\n');
  }

  async close(): Promise<void> {
    this.#closed = true;
    const socks = await Promise.all([...this.#udp.values()].map((p) => p.catch(() => undefined)));
    for (const s of socks) s?.close();
    for (const t of this.#tcp.values()) t.destroy();
    this.#udp.clear();
    this.#tcp.clear();
  }
}

/** CISCO-SYSLOG-MIB objects carried by clogMessageGenerated (reference 3.2, 3.3). */
export const CLOG = {
  messageGenerated: '1.3.6.1.4.1.9.9.41.2.0.1',
  histFacility: '1.3.6.1.4.1.9.9.41.1.2.3.1.2',
  histSeverity: '1.3.6.1.4.1.9.9.41.1.2.3.1.3',
  histMsgName: '1.3.6.1.4.1.9.9.41.1.2.3.1.4',
  histMsgText: '1.3.6.1.4.1.9.9.41.1.2.3.1.5',
  histTimestamp: '1.3.6.1.4.1.9.9.41.1.2.3.1.6',
  originIdType: '1.3.6.1.4.1.9.9.41.1.1.6.0',
  originId: '1.3.6.1.4.1.9.9.41.1.1.7.0',
} as const;

export interface TrapTarget {
  ip: string;
  port: number;
  community: string;
  inform: boolean;
}

export interface ClogMessage {
  severity: number;
  id: string;
  text: string;
  /** Centiseconds since the device booted. */
  uptimeCs: number;
  /** contextName(5) / hostName(3) / none(1), with the id string. */
  origin: { type: number; id: string };
  historyIndex: number;
}

/** SNMPv2c notifications (trap or inform) from a context's source address. */
export class TrapSender {
  readonly #sessions = new Map<string, snmp.Session>();
  failures = 0;

  #session(source: string | undefined, t: TrapTarget): snmp.Session {
    const key = `${source ?? ''}|${t.ip}|${t.port}|${t.community}`;
    let s = this.#sessions.get(key);
    if (!s) {
      if (this.#sessions.size >= MAX_SOCKETS) {
        const [k, old] = this.#sessions.entries().next().value as [string, snmp.Session];
        this.#sessions.delete(k);
        old.close();
      }
      s = snmp.createSession(t.ip, t.community, {
        version: snmp.Version2c,
        trapPort: t.port,
        sourceAddress: source,
        timeout: 2000,
        retries: 1,
        transport: isIPv6(t.ip) ? 'udp6' : 'udp4',
      } as snmp.SessionOptions);
      s.on('error', () => {
        this.failures++;
      });
      this.#sessions.set(key, s);
    }
    return s;
  }

  sendClog(source: string | undefined, t: TrapTarget, m: ClogMessage): void {
    const i = m.historyIndex;
    const varbinds: snmp.Varbind[] = [
      { oid: `${CLOG.histFacility}.${i}`, type: snmp.ObjectType.OctetString, value: 'ACE' },
      { oid: `${CLOG.histSeverity}.${i}`, type: snmp.ObjectType.Integer, value: m.severity + 1 },
      { oid: `${CLOG.histMsgName}.${i}`, type: snmp.ObjectType.OctetString, value: m.id },
      {
        oid: `${CLOG.histMsgText}.${i}`,
        type: snmp.ObjectType.OctetString,
        value: m.text.length > 255 ? m.text.slice(0, 254) + '*' : m.text,
      },
      { oid: `${CLOG.histTimestamp}.${i}`, type: snmp.ObjectType.TimeTicks, value: m.uptimeCs },
      { oid: CLOG.originIdType, type: snmp.ObjectType.Integer, value: m.origin.type },
      { oid: CLOG.originId, type: snmp.ObjectType.OctetString, value: m.origin.id },
    ];
    const s = this.#session(source, t);
    const cb = (err: Error | null): void => {
      if (err) this.failures++;
    };
    try {
      if (t.inform) s.inform(CLOG.messageGenerated, varbinds, { upTime: m.uptimeCs } as snmp.InformOptions, cb);
      else s.trap(CLOG.messageGenerated, varbinds, { upTime: m.uptimeCs } as snmp.TrapOptions, cb);
    } catch {
      this.failures++;
    }
  }

  close(): void {
    for (const s of this.#sessions.values()) s.close();
    this.#sessions.clear();
  }
}
