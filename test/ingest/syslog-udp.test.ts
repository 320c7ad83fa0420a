import { afterEach, describe, expect, it } from 'vitest';
import dgram from 'node:dgram';
import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { NOISE, RELEVANT, relevant, sleep, startIngest, udpSender, type Harness } from './syslog-helpers.js';

const run = promisify(execFile);

const open: Harness[] = [];
afterEach(async () => {
  for (const h of open.splice(0)) await h.ingest.stop();
});
async function ingest(syslog: Record<string, unknown> = {}, devices?: unknown[]): Promise<Harness> {
  const h = await startIngest(syslog, devices);
  open.push(h);
  return h;
}

describe('SyslogIngest over UDP', () => {
  it('binds port 0 to a real port and reports it', async () => {
    const h = await ingest();
    const [a] = h.ingest.addresses();
    expect(a).toMatchObject({ transport: 'udp', address: '127.0.0.1' });
    expect(a!.port).toBeGreaterThan(0);
    expect(h.logs.some((l) => l.msg === 'syslog UDP listening' && l.port === a!.port)).toBe(true);
  });

  it('turns a datagram from a known source into an attributed event', async () => {
    const h = await ingest();
    const s = await udpSender('127.0.0.1');
    try {
      await s.send(RELEVANT, h.udpPort());
      const e = await h.sink.waitFor((x) => x.id === '111008');
      expect(e).toMatchObject({
        kind: 'config-change',
        device: 'ace1',
        source: '127.0.0.1',
        transport: 'udp',
        receivedAt: h.clock.now(),
        command: 'rserver host r1',
        user: 'admin',
        raw: RELEVANT,
      });
      expect(h.count('127.0.0.1', 'accepted')).toBe(1);
    } finally {
      s.close();
    }
  });

  it('attributes a context from the source address the context owns', async () => {
    const h = await ingest();
    const s = await udpSender('127.0.0.3');
    try {
      // No device-id token: only the source says which context sent it.
      await s.send("<165>%ACE-5-111008: User 'admin' executed the 'probe icmp p1' command.", h.udpPort());
      const e = await h.sink.waitFor((x) => x.command === 'probe icmp p1');
      expect(e).toMatchObject({ device: 'ace1', context: 'ctx1', originContext: 'ctx1', source: '127.0.0.3' });
    } finally {
      s.close();
    }
  });

  it('drops and counts datagrams from unknown sources, logging them once', async () => {
    const h = await ingest();
    const stranger = await udpSender('127.0.0.9');
    const known = await udpSender('127.0.0.1');
    try {
      for (let i = 0; i < 5; i++) await stranger.send(relevant(`x${i}`), h.udpPort());
      // Same socket, same queue: once the marker is through, the strangers were handled.
      await known.send(relevant('marker'), h.udpPort());
      await h.sink.waitFor((x) => x.command === 'rserver host rmarker');
      expect(h.sink.events.filter((e) => e.source === '127.0.0.9')).toEqual([]);
      expect(h.count('127.0.0.9', 'dropped-unknown-source')).toBe(5);
      expect(h.counters.total('dropped-unknown-source')).toBe(5);
      expect(h.logs.filter((l) => l.source === '127.0.0.9')).toHaveLength(1);
    } finally {
      stranger.close();
      known.close();
    }
  });

  it('accepts unknown sources when accept_unknown_sources is set, without a device', async () => {
    const h = await ingest({ accept_unknown_sources: true });
    const s = await udpSender('127.0.0.9');
    try {
      await s.send(RELEVANT, h.udpPort());
      const e = await h.sink.waitFor((x) => x.source === '127.0.0.9');
      expect(e.kind).toBe('config-change');
      expect(e.device).toBeUndefined();
      expect(h.count('127.0.0.9', 'accepted')).toBe(1);
    } finally {
      s.close();
    }
  });

  it('drops and counts oversize datagrams', async () => {
    const h = await ingest({ max_message_bytes: 480 });
    const s = await udpSender();
    try {
      await s.send(relevant('big-' + 'y'.repeat(600)), h.udpPort());
      await s.send(relevant('small'), h.udpPort());
      await h.sink.waitFor((x) => x.command === 'rserver host rsmall');
      expect(h.sink.events.some((e) => e.command?.includes('big-'))).toBe(false);
      expect(h.count('127.0.0.1', 'oversize')).toBe(1);
      expect(
        h.logs.some((l) => l.msg === 'oversize syslog message dropped' && l.bytes === 600 + relevant('big-').length),
      ).toBe(true);
    } finally {
      s.close();
    }
  });

  it('counts malformed datagrams, hands them on, and logs one line per source per minute', async () => {
    const h = await ingest();
    const s = await udpSender();
    try {
      const junk = Buffer.from([0xff, 0xfe, 0x00, 0x41, 0x80, 0x0a, 0x3c]);
      for (let i = 0; i < 3; i++) await s.send(junk, h.udpPort());
      await s.send('hello, not syslog', h.udpPort());
      await s.send(relevant('after'), h.udpPort());
      await h.sink.waitFor((x) => x.command === 'rserver host rafter');
      const bad = h.sink.events.filter((e) => e.kind === 'malformed');
      expect(bad).toHaveLength(4);
      expect(bad[0]).toMatchObject({ source: '127.0.0.1', device: 'ace1', transport: 'udp' });
      expect(typeof bad[0]!.error).toBe('string');
      expect(h.count('127.0.0.1', 'malformed')).toBe(4);
      expect(h.logs.filter((l) => l.msg === 'malformed syslog message')).toHaveLength(1);
      // A minute later the source may be logged again.
      h.clock.advance(61_000);
      await s.send(junk, h.udpPort());
      await s.send(relevant('after2'), h.udpPort());
      await h.sink.waitFor((x) => x.command === 'rserver host rafter2');
      expect(h.logs.filter((l) => l.msg === 'malformed syslog message')).toHaveLength(2);
    } finally {
      s.close();
    }
  });

  it('counts noise on the fast path without handing it on, unless store_noise', async () => {
    const h = await ingest();
    const s = await udpSender();
    try {
      for (let i = 0; i < 50; i++) await s.send(NOISE, h.udpPort());
      await s.send(relevant('n'), h.udpPort());
      await h.sink.waitFor((x) => x.command === 'rserver host rn');
      expect(h.sink.events).toHaveLength(1);
      expect(h.count('127.0.0.1', 'noise')).toBe(50);
      expect(h.count('127.0.0.1', 'accepted')).toBe(1);
    } finally {
      s.close();
    }

    const stored = await ingest({ store_noise: true });
    const t = await udpSender();
    try {
      await t.send(NOISE, stored.udpPort());
      const e = await stored.sink.waitFor((x) => x.id === '302022');
      expect(e).toMatchObject({ kind: 'noise', device: 'ace1', transport: 'udp' });
      expect(stored.count('127.0.0.1', 'noise')).toBe(1);
      expect(stored.count('127.0.0.1', 'accepted')).toBe(0);
    } finally {
      t.close();
    }
  });

  it('bounds the raw text kept on an event', async () => {
    const h = await ingest();
    const s = await udpSender();
    try {
      const long = relevant('L' + 'z'.repeat(5000));
      await s.send(long, h.udpPort());
      const e = await h.sink.waitFor((x) => x.id === '111008' || x.kind === 'malformed');
      expect(e.raw!.length).toBe(2048);
      expect(long.startsWith(e.raw!)).toBe(true);
    } finally {
      s.close();
    }
  });

  it('listens dual-stack on :: and normalises IPv4-mapped sources', async () => {
    const h = await ingest({ udp: { host: '::', port: 0 } });
    expect(h.ingest.addresses()[0]).toMatchObject({ transport: 'udp', address: '::' });
    const v6 = await udpSender('::1');
    const v4 = await udpSender('127.0.0.1');
    try {
      await v6.send(relevant('six'), h.udpPort(), '::1');
      await v4.send(relevant('four'), h.udpPort(), '127.0.0.1');
      const e6 = await h.sink.waitFor((x) => x.command === 'rserver host rsix');
      const e4 = await h.sink.waitFor((x) => x.command === 'rserver host rfour');
      expect(e6).toMatchObject({ source: '::1', device: 'ace1' });
      // The socket reports ::ffff:127.0.0.1; the event and the counters say 127.0.0.1.
      expect(e4).toMatchObject({ source: '127.0.0.1', device: 'ace1' });
      expect(h.count('127.0.0.1', 'accepted')).toBe(1);
      expect(h.count('::1', 'accepted')).toBe(1);
    } finally {
      v6.close();
      v4.close();
    }
  });

  it('receives what util-linux logger --udp sends', async () => {
    const h = await ingest();
    await run(
      'logger',
      [
        '-n',
        '127.0.0.1',
        '-P',
        String(h.udpPort()),
        '--udp',
        '--rfc3164',
        '-p',
        'local4.notice',
        '-t',
        'ctx1',
        "%ACE-5-111008: User 'admin' executed the 'serverfarm host sf1' command.",
      ],
      { timeout: 5000 },
    );
    const e = await h.sink.waitFor((x) => x.command === 'serverfarm host sf1');
    expect(e).toMatchObject({ kind: 'config-change', device: 'ace1', source: '127.0.0.1', transport: 'udp', pri: 165 });
    // logger's tag is read as the device-id token, which names a context of ace1.
    expect(e.context).toBe('ctx1');
  });

  it('stops cleanly: the port is free again and nothing more arrives', async () => {
    const h = await startIngest();
    const port = h.udpPort();
    await h.ingest.stop();
    expect(h.ingest.addresses()).toEqual([]);
    const again = dgram.createSocket('udp4');
    await new Promise<void>((resolve, reject) => {
      again.once('error', reject);
      again.bind(port, '127.0.0.1', () => resolve());
    });
    again.close();
    const s = await udpSender();
    await s.send(RELEVANT, port);
    s.close();
    await sleep(50);
    expect(h.sink.events).toEqual([]);
  });

  it('reads the datagrams already queued on the socket before closing it', async () => {
    const h = await startIngest();
    const port = h.udpPort();
    // Queue 50 lines while this event loop is blocked, then stop at once.
    const script = `const s=require('dgram').createSocket('udp4');let n=0;
      const go=()=>{s.send(${JSON.stringify(relevant('Q'))}.replace('Q', 'q'+n), ${port}, '127.0.0.1', ++n===50 ? ()=>s.close() : go)};go();`;
    const r = spawnSync(process.execPath, ['-e', script], { timeout: 10_000 });
    expect(r.status).toBe(0);
    await h.ingest.stop();
    const got = h.sink.events.filter((e) => e.kind === 'config-change').map((e) => e.command);
    expect(got).toHaveLength(50);
    expect(got[49]).toBe('rserver host rq49');
  });

  it('fails start with ACESYNC_LISTEN when the port is taken', async () => {
    const h = await ingest();
    await expect(startIngest({ udp: { host: '127.0.0.1', port: h.udpPort() } })).rejects.toMatchObject({
      code: 'ACESYNC_LISTEN',
    });
  });
});
