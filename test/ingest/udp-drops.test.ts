import { afterEach, describe, expect, it } from 'vitest';
import dgram from 'node:dgram';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  UdpDropReader,
  parseProcNetUdp,
  parseSnmp6RcvbufErrors,
  parseSnmpRcvbufErrors,
} from '../../src/ingest/udp-drops.js';

const UDP_HEADER =
  '   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops             ';
const row = (sl: number, port: number, rx: number, inode: number, drops: number): string =>
  `  ${sl}: 0100007F:${port.toString(16).toUpperCase().padStart(4, '0')} 00000000:0000 07 00000000:${rx
    .toString(16)
    .toUpperCase()
    .padStart(8, '0')} 00:00000000 00000000     0        0 ${inode} 2 0000000000000000 ${drops}`;

const SNMP = `Ip: Forwarding DefaultTTL
Ip: 1 64
Udp: InDatagrams NoPorts InErrors OutDatagrams RcvbufErrors SndbufErrors InCsumErrors IgnoredMulti MemErrors
Udp: 100 0 7 50 7 0 0 0 0
UdpLite: InDatagrams NoPorts InErrors OutDatagrams RcvbufErrors SndbufErrors InCsumErrors IgnoredMulti MemErrors
UdpLite: 0 0 0 0 0 0 0 0 0
`;

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function fakeProc(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'acesync-proc-'));
  dirs.push(root);
  mkdirSync(join(root, 'net'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(root, 'net', name), text);
  return root;
}

describe('/proc parsers', () => {
  it('reads port, rx_queue, inode and drops from /proc/net/udp rows', () => {
    const text = [UDP_HEADER, row(1, 5514, 0x1200, 4242, 17), row(2, 161, 0, 99, 3)].join('\n');
    expect(parseProcNetUdp(text)).toEqual([
      { localPort: 5514, rxQueue: 0x1200, inode: 4242, drops: 17 },
      { localPort: 161, rxQueue: 0, inode: 99, drops: 3 },
    ]);
    expect(parseProcNetUdp(text, 161)).toEqual([{ localPort: 161, rxQueue: 0, inode: 99, drops: 3 }]);
    expect(parseProcNetUdp(text, 9)).toEqual([]);
  });

  it('reads an IPv6 row', () => {
    const text =
      '  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops\n' +
      '10947: 00000000000000000000000000000000:B75E 00000000000000000000000000000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 12323 2 00000000d5f26693 5\n';
    expect(parseProcNetUdp(text, 0xb75e)).toEqual([{ localPort: 0xb75e, rxQueue: 0, inode: 12323, drops: 5 }]);
  });

  it('reads RcvbufErrors from /proc/net/snmp and /proc/net/snmp6', () => {
    expect(parseSnmpRcvbufErrors(SNMP)).toBe(7);
    expect(parseSnmpRcvbufErrors('Ip: a\nIp: 1\n')).toBeUndefined();
    expect(parseSnmp6RcvbufErrors('Udp6InDatagrams   10\nUdp6RcvbufErrors                  12\n')).toBe(12);
  });
});

describe('UdpDropReader on a fake /proc', () => {
  it('uses the socket row when it is the only one on the port, counting from init', async () => {
    const root = fakeProc({ udp: [UDP_HEADER, row(1, 5514, 0, 4242, 10)].join('\n'), snmp: SNMP });
    const r = new UdpDropReader({ port: 5514, family: 4, procRoot: root });
    expect(await r.init()).toBe('socket');
    expect(r.inode).toBe(4242);
    writeFileSync(join(root, 'net', 'udp'), [UDP_HEADER, row(1, 5514, 0x800, 4242, 25)].join('\n'));
    expect(await r.read()).toEqual({ drops: 15, rxQueue: 0x800, method: 'socket' });
  });

  it('falls back to RcvbufErrors deltas when the row cannot be identified, and never goes backwards', async () => {
    // Two rows on the port and no fd table to tell which is ours.
    const root = fakeProc({ udp: [UDP_HEADER, row(1, 5514, 0, 1, 0), row(2, 5514, 0, 2, 0)].join('\n'), snmp: SNMP });
    const r = new UdpDropReader({ port: 5514, family: 4, procRoot: root });
    expect(await r.init()).toBe('snmp');
    writeFileSync(join(root, 'net', 'snmp'), SNMP.replace('Udp: 100 0 7 50 7', 'Udp: 100 0 7 50 19'));
    expect((await r.read()).drops).toBe(12);
    // A counter reset (namespace recreated) must not make our total shrink.
    writeFileSync(join(root, 'net', 'snmp'), SNMP.replace('Udp: 100 0 7 50 7', 'Udp: 100 0 7 50 0'));
    expect((await r.read()).drops).toBe(12);
  });

  it('switches to the fallback, carrying its count, if our row disappears', async () => {
    const root = fakeProc({ udp: [UDP_HEADER, row(1, 5514, 0, 4242, 0)].join('\n'), snmp: SNMP });
    const r = new UdpDropReader({ port: 5514, family: 4, procRoot: root });
    await r.init();
    writeFileSync(join(root, 'net', 'udp'), [UDP_HEADER, row(1, 5514, 0, 4242, 4)].join('\n'));
    expect((await r.read()).drops).toBe(4);
    writeFileSync(join(root, 'net', 'udp'), UDP_HEADER);
    expect(await r.read()).toEqual({ drops: 4, method: 'snmp' });
    writeFileSync(join(root, 'net', 'snmp'), SNMP.replace('Udp: 100 0 7 50 7', 'Udp: 100 0 7 50 10'));
    expect((await r.read()).drops).toBe(7);
  });

  it('reports none when nothing is readable', async () => {
    const root = fakeProc({});
    const r = new UdpDropReader({ port: 5514, family: 4, procRoot: root });
    expect(await r.init()).toBe('none');
    expect(await r.read()).toEqual({ drops: 0, method: 'none' });
  });
});

describe('UdpDropReader on a real socket', () => {
  it('finds the row of an IPv6 socket in /proc/net/udp6 by its inode', async () => {
    const s = dgram.createSocket({ type: 'udp6' });
    await new Promise<void>((r) => s.bind(0, '::1', () => r()));
    try {
      const r = new UdpDropReader({ port: s.address().port, family: 6 });
      expect(await r.init()).toBe('socket');
      expect(r.inode).toBeGreaterThan(0);
      expect(await r.read()).toMatchObject({ drops: 0, rxQueue: 0, method: 'socket' });
    } finally {
      s.close();
    }
  });

  it('sees the drops of our socket while the event loop is blocked and a sender floods it', async () => {
    // Two sockets on different ports; only the flooded one may show drops.
    const victim = dgram.createSocket({ type: 'udp4', recvBufferSize: 65536 });
    const other = dgram.createSocket({ type: 'udp4' });
    let received = 0;
    victim.on('message', () => received++);
    await new Promise<void>((r) => victim.bind(0, '127.0.0.1', () => r()));
    await new Promise<void>((r) => other.bind(0, '127.0.0.1', () => r()));
    try {
      const port = victim.address().port;
      const reader = new UdpDropReader({ port, family: 4 });
      const otherReader = new UdpDropReader({ port: other.address().port, family: 4 });
      expect(await reader.init()).toBe('socket');
      expect(await otherReader.init()).toBe('socket');
      expect((await reader.read()).drops).toBe(0);

      // spawnSync blocks this event loop for the whole send: nothing reads the socket.
      const count = 20_000;
      const sender = spawnSync(
        process.execPath,
        [
          '-e',
          `const s=require('dgram').createSocket('udp4');const b=Buffer.from('<134>%ACE-6-302022: Built TCP connection 0x1 for vlan1:a/1 (1.1.1.1/1) to vlan2:b/80');
           let n=0;function go(){for(let i=0;i<500&&n<${count};i++,n++)s.send(b,${port},'127.0.0.1',n===${count}-1?()=>s.close():undefined);if(n<${count})setImmediate(go);}go();`,
        ],
        { timeout: 20_000 },
      );
      expect(sender.status).toBe(0);
      const after = await reader.read();
      expect(after.method).toBe('socket');
      expect(after.drops).toBeGreaterThan(0);
      expect(after.drops).toBeLessThanOrEqual(count);
      expect((await otherReader.read()).drops).toBe(0);

      // What was queued is read after the loop is free; queued + dropped = sent.
      const deadline = Date.now() + 5000;
      while (received + after.drops < count && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(received + after.drops).toBe(count);
    } finally {
      victim.close();
      other.close();
    }
  });
});
