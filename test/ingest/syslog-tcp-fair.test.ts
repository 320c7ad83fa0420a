/**
 * Fair TCP syslog (issue 12, item 4): one known source holding many slow connections
 * (a byte now and then, never idle) must not lock out another device's TCP syslog; the
 * connections it is refused are counted per source and outcome, and raise `ingest-loss`
 * for that source so its contexts are audited. Real sockets from chosen 127.0.0.x.
 */
import { afterEach, describe, expect, it } from 'vitest';
import net from 'node:net';
import { once } from 'node:events';
import { relevant, startIngest, type Harness } from './syslog-helpers.js';
import { until } from '../helpers/wait.js';

const open: Harness[] = [];
const clients: net.Socket[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.destroy();
  for (const h of open.splice(0)) await h.ingest.stop();
});

async function connect(port: number, localAddress: string): Promise<net.Socket> {
  const c = net.connect({ port, host: '127.0.0.1', localAddress, noDelay: true });
  clients.push(c);
  c.on('error', () => {
    /* refused connections are reset */
  });
  await once(c, 'connect');
  return c;
}

describe('TCP syslog per-source connection limit', () => {
  it('256 slow connections from one source do not lock out another device; the refusals are counted and raise ingest-loss', async () => {
    // Defaults: max_connections 256, max_connections_per_source 16.
    const h = await startIngest({ udp: { enabled: false }, tcp: { enabled: true, host: '127.0.0.1', port: 0 } });
    open.push(h);
    const port = h.tcpPort();
    // 127.0.0.3 is ace1's context ctx1 (a known source).
    for (let i = 0; i < 256; i++) {
      const c = await connect(port, '127.0.0.3');
      c.write('<');
    }
    await until(
      'all 256 connections seen by the server',
      () => {
        const s = h.ingest.tcpStats()!;
        return s.accepted + (s.refusedPerSource ?? 0) + s.refusedLimit >= 256;
      },
      10_000,
    );
    // ace2 (127.0.0.2) still gets in and is heard.
    const other = await connect(port, '127.0.0.2');
    other.write(`${relevant('from-ace2')}\n`);
    const e = await h.sink.waitFor((x) => x.command === 'rserver host rfrom-ace2');
    expect(e.device).toBe('ace2');

    const stats = h.ingest.tcpStats()!;
    // 16 from 127.0.0.3, and ace2's.
    expect(stats.accepted).toBe(17);
    expect(stats.refusedPerSource).toBe(240);
    expect(stats.refusedLimit).toBe(0);
    expect(h.count('127.0.0.3', 'refused-per-source-limit', 'tcp')).toBe(240);

    // The refused known source raised ingest-loss naming it (its contexts get audited).
    const loss = h.sink.events.filter((x) => x.kind === 'ingest-loss');
    expect(loss.length).toBeGreaterThanOrEqual(1);
    expect(loss[0]!.data).toMatchObject({ sources: ['127.0.0.3'], transport: 'tcp' });
    expect(loss[0]!.reason).toMatch(/max_connections_per_source/);
    // Bounded: one report per source per 10 s, not one per refused connection.
    expect(loss.length).toBeLessThanOrEqual(2);
    expect(h.logs.some((l) => /max_connections_per_source reached/.test(String(l.msg)))).toBe(true);
  }, 30_000);
});
