/**
 * SnmpIngest in-process on a real UDP socket, fed by Debian's snmptrap/snmpinform and by
 * hand-made hostile datagrams. The CLI test (snmp-cli.test.ts) covers the same receiver
 * through `acesync start --print-events`; here the counters and the rejection breakdown
 * are read directly.
 */
import { readFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { configSchema } from '../../src/config/schema.js';
import { systemClock } from '../../src/core/clock.js';
import type { AceEvent } from '../../src/core/events.js';
import { Inventory } from '../../src/inventory/inventory.js';
import { IngestCounters } from '../../src/ingest/types.js';
import { SnmpIngest } from '../../src/ingest/snmp-receiver.js';
import { bitString, garbageDatagrams, v2cMessage, v3NoAuthMessage, varbind } from '../fixtures/traps/packets.js';
import { sendRaw, sleep, snmpTool, until } from './snmp-tools.js';

const COLD_START = '1.3.6.1.6.3.1.1.5.1';

function setup(overrides: Record<string, unknown> = {}, snmpOverrides: Record<string, unknown> = {}) {
  const config = configSchema.parse({
    syslog: { udp: { enabled: false }, store_noise: true },
    snmp: { host: '127.0.0.1', port: 0, communities: ['public'], recv_buffer_bytes: 1 << 20, ...snmpOverrides },
    devices: [{ name: 'ace1', host: '10.0.0.1', sources: ['127.0.0.1'], contexts: [{ name: 'VC_WEB' }] }],
    ...overrides,
  });
  const events: AceEvent[] = [];
  const logs: Array<Record<string, unknown>> = [];
  const logger = pino(
    { level: 'info' },
    new Writable({
      write(chunk: Buffer, _e, cb) {
        for (const l of chunk.toString().split('\n')) if (l) logs.push(JSON.parse(l) as Record<string, unknown>);
        cb();
      },
    }),
  );
  const counters = new IngestCounters();
  const ingest = new SnmpIngest({
    config,
    inventory: Inventory.fromConfig(config),
    sink: { push: (e) => events.push(e) },
    logger,
    clock: systemClock,
    counters,
  });
  return { ingest, events, logs, counters };
}

let running: SnmpIngest | undefined;
afterEach(async () => {
  await running?.stop();
  running = undefined;
});

async function start(s: ReturnType<typeof setup>): Promise<number> {
  running = s.ingest;
  await s.ingest.start();
  return s.ingest.addresses()[0]!.port;
}

describe('SnmpIngest on a real socket', () => {
  it('binds port 0 to a real port and delivers a v2c trap from snmptrap', async () => {
    const s = setup();
    const port = await start(s);
    expect(port).toBeGreaterThan(0);
    expect(port).not.toBe(162);
    const r = await snmpTool('snmptrap', ['-v', '2c', '-c', 'public', `udp:127.0.0.1:${port}`, '', COLD_START]);
    expect(r.code).toBe(0);
    await until(() => s.events.length === 1, 5000, 'the trap');
    expect(s.events[0]).toMatchObject({
      kind: 'device-restart',
      device: 'ace1',
      source: '127.0.0.1',
      transport: 'snmp',
    });
    expect(s.counters.snapshot()).toContainEqual({
      transport: 'snmp',
      source: '127.0.0.1',
      outcome: 'accepted',
      count: 1,
    });
  });

  it('sets the socket receive buffer from snmp.recv_buffer_bytes', async () => {
    const rmemMax = Number(readFileSync('/proc/sys/net/core/rmem_max', 'utf8'));
    const want = Math.min(rmemMax, 2 << 20);
    const s = setup({}, { recv_buffer_bytes: want });
    await start(s);
    const info = s.logs.find((l) => l.msg?.toString().startsWith('SNMP receiver listening'))!;
    // Linux doubles the value for bookkeeping; the default (~208 KiB) would be far below.
    expect(info.recvBufferEffective as number).toBeGreaterThanOrEqual(want);
  });

  it('survives garbage, truncated and hostile datagrams, counts them, and keeps receiving', async () => {
    const s = setup();
    const port = await start(s);
    const valid = v2cMessage('public', COLD_START);
    const bad = garbageDatagrams(valid);
    for (const g of bad) await sendRaw(port, g.data);
    // An inform whose BitString varbind net-snmp cannot re-encode for the ack: a bare
    // net-snmp receiver throws from its socket handler and the process dies.
    await sendRaw(port, v2cMessage('public', COLD_START, [varbind('1.3.6.1.4.1.9.9.1', bitString([0, 0x80]))], 0xa6));
    await sendRaw(port, valid);
    await until(() => s.events.length === 1, 5000, 'the valid trap after the garbage');
    expect(s.events[0]!.kind).toBe('device-restart');
    await until(
      () => s.ingest.rejections().reduce((a, r) => a + r.count, 0) >= bad.length + 1,
      3000,
      'all rejections counted',
    );
    const reasons = s.ingest.rejections();
    const total = (reason: string) => reasons.filter((r) => r.reason === reason).reduce((a, r) => a + r.count, 0);
    expect(total('malformed')).toBeGreaterThanOrEqual(bad.length - 1);
    expect(total('unexpected-pdu')).toBe(1);
    expect(total('receiver-error')).toBe(1);
    expect(s.counters.total('malformed')).toBe(bad.length + 1);
    // One log line for the source, however many datagrams it sent.
    expect(s.logs.filter((l) => l.msg === 'SNMP notification rejected')).toHaveLength(1);
  });

  it('rejects a wrong community, logs once per source, and never logs the community', async () => {
    const s = setup();
    const port = await start(s);
    for (let i = 0; i < 3; i++)
      expect(
        (await snmpTool('snmptrap', ['-v', '2c', '-c', 'guessme', `udp:127.0.0.1:${port}`, '', COLD_START])).code,
      ).toBe(0);
    await until(
      () => s.ingest.rejections().some((r) => r.reason === 'unknown-community' && r.count === 3),
      5000,
      'three rejections',
    );
    expect(s.events).toHaveLength(0);
    expect(s.counters.snapshot()).toContainEqual({
      transport: 'snmp',
      source: '127.0.0.1',
      outcome: 'rejected-auth',
      count: 3,
    });
    const lines = s.logs.filter((l) => l.msg === 'SNMP notification rejected');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ source: '127.0.0.1', reason: 'unknown-community' });
    expect(JSON.stringify(s.logs)).not.toContain('guessme');
  });

  it('refuses an SNMPv3 message with an empty user name (net-snmp would accept it as anonymous)', async () => {
    const s = setup();
    const port = await start(s);
    await sendRaw(port, v3NoAuthMessage('', COLD_START));
    await until(() => s.ingest.rejections().some((r) => r.reason === 'unknown-user'), 3000, 'the rejection');
    await sleep(100);
    expect(s.events).toHaveLength(0);
  });

  it('drops unknown sources before decoding; accept_unknown_sources lets them in', async () => {
    const s = setup();
    const port = await start(s);
    await sendRaw(port, v2cMessage('public', COLD_START), '127.0.0.2');
    await until(() => s.counters.total('dropped-unknown-source') === 1, 3000, 'the drop');
    expect(s.events).toHaveLength(0);
    await running!.stop();

    const open = setup({ syslog: { udp: { enabled: false }, accept_unknown_sources: true } });
    const port2 = await start(open);
    await sendRaw(port2, v2cMessage('public', COLD_START), '127.0.0.2');
    await until(() => open.events.length === 1, 3000, 'the trap from an unknown source');
    expect(open.events[0]).toMatchObject({ source: '127.0.0.2', kind: 'device-restart' });
    expect(open.events[0]!.device).toBeUndefined();
  });

  it('unknown notification OIDs are delivered as unknown and counted by OID', async () => {
    const s = setup();
    const port = await start(s);
    await sendRaw(port, v2cMessage('public', '1.3.6.1.4.1.99999.0.1'));
    await sendRaw(port, v2cMessage('public', '1.3.6.1.4.1.99999.0.1'));
    await until(() => s.events.length === 2, 3000, 'two unknown notifications');
    expect(s.events[0]).toMatchObject({ kind: 'unknown', trapOid: '1.3.6.1.4.1.99999.0.1' });
    expect(s.ingest.unknownNotifications()).toEqual([{ oid: '1.3.6.1.4.1.99999.0.1', count: 2 }]);
  });

  it('fails start with ACESYNC_LISTEN when the port is taken', async () => {
    const a = setup();
    const port = await start(a);
    const b = setup({}, { port });
    await expect(b.ingest.start()).rejects.toMatchObject({ code: 'ACESYNC_LISTEN' });
  });
});
