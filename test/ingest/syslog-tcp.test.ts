import { afterEach, describe, expect, it } from 'vitest';
import net from 'node:net';
import { once } from 'node:events';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { NOISE, relevant, sleep, startIngest, type Harness } from './syslog-helpers.js';

const run = promisify(execFile);

const open: Harness[] = [];
const clients: net.Socket[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.destroy();
  for (const h of open.splice(0)) await h.ingest.stop();
});

async function ingest(syslog: Record<string, unknown> = {}): Promise<Harness> {
  const h = await startIngest({
    ...syslog,
    udp: { enabled: false, host: '127.0.0.1', port: 0 },
    tcp: { enabled: true, host: '127.0.0.1', port: 0, ...(syslog.tcp as object | undefined) },
  });
  open.push(h);
  return h;
}

async function connect(port: number, localAddress = '127.0.0.1'): Promise<net.Socket> {
  const c = net.connect({ port, host: '127.0.0.1', localAddress, noDelay: true });
  clients.push(c);
  c.on('error', () => {
    /* resets from refused connections are expected in some tests */
  });
  await once(c, 'connect');
  return c;
}

/** Resolves true if the server closes the connection within `ms`. */
function closedWithin(c: net.Socket, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    if (c.destroyed || c.readableEnded) return resolve(true);
    const t = setTimeout(() => resolve(false), ms);
    const done = (): void => {
      clearTimeout(t);
      resolve(true);
    };
    c.once('close', done);
    c.once('end', done);
    c.resume();
  });
}

const octet = (m: string): string => `${Buffer.byteLength(m)} ${m}`;

describe('SyslogIngest over TCP', () => {
  it('reports the bound TCP address', async () => {
    const h = await ingest();
    expect(h.ingest.addresses()).toEqual([{ transport: 'tcp', address: '127.0.0.1', port: h.tcpPort() }]);
    expect(h.tcpPort()).toBeGreaterThan(0);
  });

  it('reads octet-counted and LF frames split across TCP segments', async () => {
    const h = await ingest();
    const c = await connect(h.tcpPort());
    const stream = Buffer.from(`${octet(relevant(1))}${relevant(2)}\n${octet(NOISE)}${relevant(3)}\r\n`);
    // Awkward cut points: inside the length, right after it, inside the body and the CRLF.
    const cuts = [1, 3, 4, 40, stream.indexOf('\n') + 1, stream.length - 1];
    let prev = 0;
    for (const cut of [...cuts, stream.length]) {
      c.write(stream.subarray(prev, cut));
      prev = cut;
      await sleep(15); // separate segments, not one coalesced write
    }
    await h.sink.waitFor((e) => e.command === 'rserver host r3');
    const got = h.sink.events.map((e) => e.command);
    expect(got).toEqual(['rserver host r1', 'rserver host r2', 'rserver host r3']);
    expect(h.sink.events.every((e) => e.transport === 'tcp' && e.device === 'ace1' && e.source === '127.0.0.1')).toBe(
      true,
    );
    expect(h.count('127.0.0.1', 'accepted', 'tcp')).toBe(3);
    expect(h.count('127.0.0.1', 'noise', 'tcp')).toBe(1);
  });

  it('skips an oversize frame and keeps the connection', async () => {
    const h = await ingest({ max_message_bytes: 480 });
    const c = await connect(h.tcpPort());
    c.write(octet(relevant('big' + 'q'.repeat(2000))));
    c.write(`${relevant('line' + 'w'.repeat(1000))}\n`);
    c.write(octet(relevant('ok')));
    await h.sink.waitFor((e) => e.command === 'rserver host rok');
    expect(h.sink.events).toHaveLength(1);
    expect(h.count('127.0.0.1', 'oversize', 'tcp')).toBe(2);
    expect(c.destroyed).toBe(false);
  });

  it('closes a connection whose declared length is absurd and counts it', async () => {
    const h = await ingest();
    const c = await connect(h.tcpPort());
    c.write(octet(relevant('before')));
    await h.sink.waitFor((e) => e.command === 'rserver host rbefore');
    c.write('999999999 <165>garbage');
    expect(await closedWithin(c, 3000)).toBe(true);
    expect(h.count('127.0.0.1', 'malformed', 'tcp')).toBe(1);
    expect(h.ingest.tcpStats()?.framingClosed).toBe(1);
  });

  it('refuses connections beyond max_connections and counts them', async () => {
    const h = await ingest({ tcp: { max_connections: 2 } });
    const a = await connect(h.tcpPort());
    const b = await connect(h.tcpPort());
    // Make sure both are registered server-side before the third arrives.
    a.write(`${relevant('a')}\n`);
    b.write(`${relevant('b')}\n`);
    await h.sink.waitFor((e) => e.command === 'rserver host rb');
    await h.sink.waitFor((e) => e.command === 'rserver host ra');
    const third = await connect(h.tcpPort());
    expect(await closedWithin(third, 3000)).toBe(true);
    expect(h.ingest.tcpStats()?.refusedLimit).toBe(1);
    expect(h.logs.some((l) => l.msg === 'syslog TCP connection refused: max_connections reached')).toBe(true);
    // Once one closes, a new connection is accepted again.
    a.destroy();
    await sleep(100);
    const fourth = await connect(h.tcpPort());
    fourth.write(`${relevant('d')}\n`);
    await h.sink.waitFor((e) => e.command === 'rserver host rd');
    expect(h.ingest.tcpStats()?.refusedLimit).toBe(1);
  });

  it('refuses connections from unknown sources and counts them', async () => {
    const h = await ingest();
    const c = await connect(h.tcpPort(), '127.0.0.9');
    c.write(`${relevant('stranger')}\n`);
    expect(await closedWithin(c, 3000)).toBe(true);
    await sleep(50);
    expect(h.sink.events).toEqual([]);
    expect(h.count('127.0.0.9', 'dropped-unknown-source', 'tcp')).toBe(1);
    expect(h.ingest.tcpStats()?.refusedSource).toBe(1);
  });

  it('closes idle connections', async () => {
    const h = await ingest({ tcp: { idle_timeout_ms: 1000 } });
    const c = await connect(h.tcpPort());
    c.write(`${relevant('idle')}\n`);
    await h.sink.waitFor((e) => e.command === 'rserver host ridle');
    expect(await closedWithin(c, 4000)).toBe(true);
    expect(h.ingest.tcpStats()?.idleClosed).toBe(1);
  });

  it('receives what util-linux logger --tcp sends, with and without --octet-count', async () => {
    const h = await ingest();
    const msg = (cmd: string): string => `%ACE-5-111008: User 'admin' executed the '${cmd}' command.`;
    const base = [
      '-n',
      '127.0.0.1',
      '-P',
      String(h.tcpPort()),
      '--tcp',
      '--rfc3164',
      '-p',
      'local4.notice',
      '-t',
      'ctx1',
    ];
    await run('logger', [...base, '--octet-count', msg('class-map match-all c1')], { timeout: 5000 });
    await run('logger', [...base, msg('policy-map multi-match p1')], { timeout: 5000 });
    const a = await h.sink.waitFor((e) => e.command === 'class-map match-all c1');
    const b = await h.sink.waitFor((e) => e.command === 'policy-map multi-match p1');
    for (const e of [a, b])
      expect(e).toMatchObject({
        kind: 'config-change',
        device: 'ace1',
        context: 'ctx1',
        transport: 'tcp',
        source: '127.0.0.1',
      });
  });

  it('ends open connections on stop', async () => {
    const h = await startIngest({ udp: { enabled: false }, tcp: { enabled: true, host: '127.0.0.1', port: 0 } });
    const c = await connect(h.tcpPort());
    c.write(`${relevant('x')}\n`);
    await h.sink.waitFor((e) => e.command === 'rserver host rx');
    const closed = closedWithin(c, 3000);
    await h.ingest.stop();
    expect(await closed).toBe(true);
    expect(h.ingest.addresses()).toEqual([]);
  });
});
