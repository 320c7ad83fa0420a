/**
 * RFC 3414 §3.2 step 7 timeliness, attacked as the issue did: the real bytes of an authPriv
 * trap and an authPriv inform from Debian's snmptrap/snmpinform are captured through a
 * recording relay and re-sent after the 150 s window (the receiver's clock is a
 * ManualClock, so nothing waits 150 s) or after a restart (snmpEngineBoots persisted in a
 * real SQLite file). Fresh traps and informs must still be accepted.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { Database } from 'better-sqlite3';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { configSchema } from '../../src/config/schema.js';
import { ManualClock } from '../../src/core/clock.js';
import type { AceEvent } from '../../src/core/events.js';
import { Inventory } from '../../src/inventory/inventory.js';
import { SnmpIngest, type SnmpIngestOptions } from '../../src/ingest/snmp-receiver.js';
import { IngestCounters } from '../../src/ingest/types.js';
import { isAuthenticated, readUsmHeader } from '../../src/parse/usm-header.js';
import { openDatabase } from '../../src/store/database.js';
import { loadRemoteEngines, nextSnmpEngineBoots, saveRemoteEngines } from '../../src/store/snmp-engine.js';
import { RecordingRelay, sendForReply, sendRaw, snmpTool, until } from './snmp-tools.js';

const ENGINE_ID = '8000b98380aabbccddeeff001122334455';
const ENV = { ACESYNC_TT_AUTH: 'timely-auth-key-1', ACESYNC_TT_PRIV: 'timely-priv-key-2' };
const COLD_START = '1.3.6.1.6.3.1.1.5.1';
/** usmStatsNotInTimeWindows.0, BER-encoded (what the Report to a late inform carries). */
const NOT_IN_TIME_WINDOW_OID = Buffer.from('2b060106030f01010200', 'hex');
const AUTHPRIV = ['-v', '3', '-u', 'aesuser', '-l', 'authPriv', '-a', 'SHA', '-A', ENV.ACESYNC_TT_AUTH];
const AES = ['-x', 'AES', '-X', ENV.ACESYNC_TT_PRIV];
/** A sender engine ID of our choosing (RFC 3411 text format), so each test has its own engine. */
const senderEngine = (n: number): string => `0x80001f8804${n.toString(16).padStart(8, '0')}`;

const saved: Record<string, string | undefined> = {};
beforeAll(() => {
  for (const [k, v] of Object.entries(ENV)) {
    saved[k] = process.env[k];
    process.env[k] = v;
  }
});
afterAll(() => {
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
});

function setup(
  clock: ManualClock,
  engineBoots?: (id: string) => number,
  remoteEngines?: SnmpIngestOptions['remoteEngines'],
) {
  const config = configSchema.parse({
    syslog: { udp: { enabled: false } },
    snmp: {
      host: '127.0.0.1',
      port: 0,
      engine_id: ENGINE_ID,
      users: [
        { name: 'noauth', level: 'noAuthNoPriv' },
        {
          name: 'aesuser',
          level: 'authPriv',
          auth_protocol: 'sha',
          auth_key_env: 'ACESYNC_TT_AUTH',
          priv_protocol: 'aes',
          priv_key_env: 'ACESYNC_TT_PRIV',
        },
      ],
    },
    devices: [{ name: 'ace1', host: '10.0.0.1', sources: ['127.0.0.1'], contexts: [{ name: 'VC_WEB' }] }],
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
  const ingest = new SnmpIngest(
    { config, inventory: Inventory.fromConfig(config), sink: { push: (e) => events.push(e) }, logger, clock, counters },
    { engineBoots, remoteEngines },
  );
  const late = (): number =>
    ingest
      .rejections()
      .filter((r) => r.reason === 'not-in-time-window')
      .reduce((a, r) => a + r.count, 0);
  const rejectedAuth = (): number =>
    counters
      .snapshot()
      .filter((c) => c.transport === 'snmp' && c.outcome === 'rejected-auth')
      .reduce((a, c) => a + c.count, 0);
  return { ingest, events, logs, counters, late, rejectedAuth };
}

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

async function start(s: ReturnType<typeof setup>): Promise<number> {
  await s.ingest.start();
  cleanups.push(() => s.ingest.stop());
  return s.ingest.addresses()[0]!.port;
}

async function relayTo(port: number): Promise<RecordingRelay> {
  const relay = await RecordingRelay.open(port);
  cleanups.push(() => relay.close());
  return relay;
}

/** The captured authenticated datagram (the notification itself, not the discovery probe). */
function authenticated(relay: RecordingRelay): Buffer {
  const found = relay.sent.filter((b) => {
    const h = readUsmHeader(b);
    return h !== undefined && isAuthenticated(h);
  });
  expect(found.length).toBeGreaterThan(0);
  return found[found.length - 1]!;
}

describe('SNMPv3 traps: the sender is authoritative', () => {
  it('a captured authPriv trap re-sent 204 s later is rejected and counted; fresh traps still pass', async () => {
    const clock = new ManualClock();
    const s = setup(clock);
    const port = await start(s);
    const relay = await relayTo(port);
    const engine = senderEngine(1);
    const sent = await snmpTool('snmptrap', [
      ...AUTHPRIV,
      ...AES,
      '-e',
      engine,
      '-Z',
      '7,1000',
      `udp:127.0.0.1:${relay.port}`,
      '',
      COLD_START,
    ]);
    expect(sent.code).toBe(0);
    await until(() => s.events.length === 1, 5000, 'the fresh trap');
    const captured = authenticated(relay);
    expect(readUsmHeader(captured)).toMatchObject({ engineBoots: 7, engineTime: 1000, userName: 'aesuser' });

    // The attacker re-sends the very bytes 204 s later: authentic, but out of the window.
    clock.advance(204_000);
    await sendRaw(port, captured);
    await until(() => s.late() === 1, 5000, 'the replay rejected');
    expect(s.events).toHaveLength(1);
    expect(s.rejectedAuth()).toBe(1);
    expect(s.logs.find((l) => l.reason === 'not-in-time-window')).toMatchObject({
      msg: 'SNMP notification rejected',
      boots: 7,
      time: 1000,
    });

    // The device's clock went on too: its next trap is timely.
    const fresh = await snmpTool('snmptrap', [
      ...AUTHPRIV,
      ...AES,
      '-e',
      engine,
      '-Z',
      '7,1204',
      `udp:127.0.0.1:${port}`,
      '',
      COLD_START,
    ]);
    expect(fresh.code).toBe(0);
    await until(() => s.events.length === 2, 5000, 'the fresh trap after the window');

    // Lower boots than seen is never timely, whatever the time.
    const older = await snmpTool('snmptrap', [
      ...AUTHPRIV,
      ...AES,
      '-e',
      engine,
      '-Z',
      '6,999999',
      `udp:127.0.0.1:${port}`,
      '',
      COLD_START,
    ]);
    expect(older.code).toBe(0);
    await until(() => s.late() === 2, 5000, 'the lower-boots trap rejected');
    expect(s.events).toHaveLength(2);
  });

  it('a forged trap (wrong key) with boots far ahead does not move the clock: real traps still pass', async () => {
    const clock = new ManualClock();
    const s = setup(clock);
    const port = await start(s);
    const engine = senderEngine(2);
    const trap = (z: string, authKey = ENV.ACESYNC_TT_AUTH) =>
      snmpTool('snmptrap', [
        '-v',
        '3',
        '-u',
        'aesuser',
        '-l',
        'authPriv',
        '-a',
        'SHA',
        '-A',
        authKey,
        ...AES,
        '-e',
        engine,
        '-Z',
        z,
        `udp:127.0.0.1:${port}`,
        '',
        COLD_START,
      ]);
    expect((await trap('3,50')).code).toBe(0);
    await until(() => s.events.length === 1, 5000, 'the first trap');
    expect((await trap('99,5000', 'forged-auth-key-9')).code).toBe(0);
    await until(
      () => s.ingest.rejections().some((r) => r.reason === 'bad-digest'),
      5000,
      'the forged trap rejected as bad-digest',
    );
    expect((await trap('3,60')).code).toBe(0);
    await until(() => s.events.length === 2, 5000, 'the real trap after the forged one');
    expect(s.late()).toBe(0);
  });

  it('noAuthNoPriv has no timeliness (RFC 3414): an older time is accepted', async () => {
    const clock = new ManualClock();
    const s = setup(clock);
    const port = await start(s);
    const noauth = (z: string) =>
      snmpTool('snmptrap', [
        '-v',
        '3',
        '-u',
        'noauth',
        '-l',
        'noAuthNoPriv',
        '-e',
        senderEngine(3),
        '-Z',
        z,
        `udp:127.0.0.1:${port}`,
        '',
        COLD_START,
      ]);
    expect((await noauth('5,5000')).code).toBe(0);
    await until(() => s.events.length === 1, 5000, 'the first noAuthNoPriv trap');
    clock.advance(1_000_000);
    expect((await noauth('1,1')).code).toBe(0);
    await until(() => s.events.length === 2, 5000, 'the older noAuthNoPriv trap');
    expect(s.late()).toBe(0);
  });
});

describe('SNMPv3 informs: acesync is authoritative, boots persisted in SQLite', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'acesync-snmp-boots-'));
  });

  function store(path: string): { db: Database; boots: (id: string) => number } {
    const clock = new ManualClock();
    const db = openDatabase({ path, now: clock.now() });
    cleanups.push(() => {
      if (db.open) db.close();
    });
    return { db, boots: (id) => nextSnmpEngineBoots(db, id, clock.now(), path) };
  }

  const inform = (port: number, extra: string[] = []) =>
    snmpTool('snmpinform', [
      ...AUTHPRIV,
      ...AES,
      ...extra,
      '-r',
      '1',
      '-t',
      '3',
      `udp:127.0.0.1:${port}`,
      '',
      COLD_START,
    ]);

  it('an inform replayed after a restart is rejected with a notInTimeWindow report; fresh informs pass', async () => {
    const path = join(dir, 'restart.db');
    const first = store(path);
    const clock1 = new ManualClock();
    const a = setup(clock1, first.boots);
    const portA = await start(a);
    expect(a.ingest.engineClock).toEqual({ boots: 1, time: 0 });
    clock1.advance(30_000);
    const relay = await relayTo(portA);
    const r1 = await inform(relay.port);
    expect(r1.code).toBe(0);
    await until(() => a.events.length === 1, 5000, 'the inform');
    const captured = authenticated(relay);
    // snmpinform learnt boots and time from our discovery report (net-snmp alone says 0 and 10).
    expect(readUsmHeader(captured)).toMatchObject({ engineId: ENGINE_ID, engineBoots: 1 });
    expect(Math.abs(readUsmHeader(captured)!.engineTime - 30)).toBeLessThanOrEqual(1);

    // Restart: a new process would open the same file; boots goes to 2.
    await a.ingest.stop();
    first.db.close();
    const second = store(path);
    const clock2 = new ManualClock();
    const b = setup(clock2, second.boots);
    const portB = await start(b);
    expect(b.ingest.engineClock?.boots).toBe(2);
    clock2.advance(30_000);

    // The captured inform, same engine time, previous boot: not acknowledged, a report instead.
    const reply = await sendForReply(portB, captured);
    expect(reply).toBeDefined();
    expect(reply!.includes(NOT_IN_TIME_WINDOW_OID)).toBe(true);
    await until(() => b.late() === 1, 5000, 'the replayed inform rejected');
    expect(b.events).toHaveLength(0);
    expect(b.rejectedAuth()).toBe(1);

    // A real sender discovers boots 2 and our time and is acknowledged, also 410 s on.
    clock2.advance(410_000);
    const r2 = await inform(portB);
    expect(r2.code).toBe(0);
    await until(() => b.events.length === 1, 5000, 'the fresh inform after the restart');
    expect(b.late()).toBe(1);
  });

  it('an inform addressed to another engine ID is refused (unknown-engine-id), not acknowledged', async () => {
    const s = setup(new ManualClock(), store(join(dir, 'other.db')).boots);
    const port = await start(s);
    const r = await inform(port, ['-e', '0x80001f8804deadbeef']);
    expect(r.code).not.toBe(0);
    await until(
      () => s.ingest.rejections().some((x) => x.reason === 'unknown-engine-id'),
      5000,
      'the inform for another engine refused',
    );
    expect(s.events).toHaveLength(0);
  });
});

describe('SNMPv3 traps across a restart: sender clocks kept in SQLite', () => {
  it('a trap captured before a restart and re-sent 200 s later is rejected; first contact is not re-opened', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'acesync-snmp-remote-')), 'state.db');
    const db1 = openDatabase({ path, now: 0 });
    const remembered = (db: Database) => ({
      load: (limit: number) => loadRemoteEngines(db, limit),
      save: (rows: Parameters<typeof saveRemoteEngines>[1]) => saveRemoteEngines(db, rows, path),
    });
    const clock = new ManualClock();
    const a = setup(clock, undefined, remembered(db1));
    const portA = await start(a);
    const relay = await relayTo(portA);
    const engine = senderEngine(4);
    const sent = await snmpTool('snmptrap', [
      ...AUTHPRIV,
      ...AES,
      '-e',
      engine,
      '-Z',
      '9,5000',
      `udp:127.0.0.1:${relay.port}`,
      '',
      COLD_START,
    ]);
    expect(sent.code).toBe(0);
    await until(() => a.events.length === 1, 5000, 'the trap before the restart');
    const captured = authenticated(relay);
    await a.ingest.stop(); // flushes the sender clocks
    db1.close();
    expect(loadRemoteEngines(openDatabase({ path, now: 0 }), 10)).toEqual([
      { engineId: engine.slice(2), boots: 9, time: 5000, at: clock.now() },
    ]);

    const db2 = openDatabase({ path, now: 0 });
    cleanups.push(() => {
      if (db2.open) db2.close();
    });
    clock.advance(200_000);
    const b = setup(clock, undefined, remembered(db2));
    const portB = await start(b);
    await sendRaw(portB, captured);
    await until(() => b.late() === 1, 5000, 'the replay after the restart rejected');
    expect(b.events).toHaveLength(0);
    // The device went on meanwhile: its next trap is timely.
    const fresh = await snmpTool('snmptrap', [
      ...AUTHPRIV,
      ...AES,
      '-e',
      engine,
      '-Z',
      '9,5200',
      `udp:127.0.0.1:${portB}`,
      '',
      COLD_START,
    ]);
    expect(fresh.code).toBe(0);
    await until(() => b.events.length === 1, 5000, 'the fresh trap after the restart');
  });
});
