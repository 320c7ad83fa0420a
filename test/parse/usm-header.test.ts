import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { LocalEngine, MAX_ENGINE_BOOTS, RemoteEngineTimes } from '../../src/ingest/snmp-timeliness.js';
import { isAuthenticated, isReportable, readUsmHeader } from '../../src/parse/usm-header.js';
import { v2cMessage } from '../fixtures/traps/packets.js';

// An authPriv SNMPv2-Trap as Debian's snmptrap sent it (-e 0x80001f88808638b00f915d116b00000000 -Z 5,77).
const CAPTURED = Buffer.from(
  '3081a20201033011020474072733020300ffe304010302010304373035041180001f88808638b00f915d116b0000000002010502014d0402' +
    '7531040c0ebea2eb343d08c6c9f29fd104085002a632f9d455d0045143e74473c4bbdee81598ed2197fc5ae95a975f77530b091b6e1db6' +
    'bf2f8a7208b720de158e3a876c80bc5375b5faf21521e5713cdef92f7098c3d56f62968eee7f5cabdc6937fb9a435fe00c2094425ac4',
  'hex',
);

describe('readUsmHeader', () => {
  it('reads the USM header of real snmptrap bytes', () => {
    const h = readUsmHeader(CAPTURED)!;
    expect(h).toEqual({
      msgId: 0x74072733,
      flags: 3,
      engineId: '80001f88808638b00f915d116b00000000',
      engineBoots: 5,
      engineTime: 77,
      userName: 'u1',
    });
    expect(isAuthenticated(h)).toBe(true);
    expect(isReportable(h)).toBe(false);
  });

  it('is undefined, never a throw, for v2c, every truncation and flipped length octets', () => {
    expect(readUsmHeader(v2cMessage('public', '1.3.6.1.6.3.1.1.5.1'))).toBeUndefined();
    for (let n = 0; n < CAPTURED.length; n++) {
      const h = readUsmHeader(CAPTURED.subarray(0, n));
      // The header sits in the first 57 octets; a cut after it still has the outer length wrong.
      expect(h).toBeUndefined();
    }
    for (let i = 0; i < 60; i++) {
      const b = Buffer.from(CAPTURED);
      b[i] = b[i]! ^ 0xff;
      expect(() => readUsmHeader(b)).not.toThrow();
    }
  });
});

describe('timeliness (RFC 3414 §3.2 step 7)', () => {
  const h = (engineBoots: number, engineTime: number, engineId = 'aa') => ({ engineId, engineBoots, engineTime });

  it('remote (traps): first contact passes; lower boots or > 150 s behind fails; only update() moves it', () => {
    const clock = new ManualClock();
    const r = new RemoteEngineTimes({ clock });
    expect(r.check(h(3, 1000)).ok).toBe(true);
    expect(r.check(h(MAX_ENGINE_BOOTS, 1)).ok).toBe(false);
    r.update(h(3, 1000));
    clock.advance(100_000);
    expect(r.check(h(3, 951)).ok).toBe(true); // notion 1100, window 150
    expect(r.check(h(3, 949)).ok).toBe(false);
    expect(r.check(h(2, 99999)).ok).toBe(false);
    expect(r.check(h(4, 0)).ok).toBe(true);
    expect(r.check(h(3, 1000, 'bb')).ok).toBe(true); // per engine
    r.update(h(3, 900)); // older: no move
    clock.advance(60_000);
    expect(r.check(h(3, 1000)).ok).toBe(false); // notion 1160
  });

  it('remote state is bounded, oldest engine out first', () => {
    const r = new RemoteEngineTimes({ clock: new ManualClock(), maxEngines: 2 });
    r.update(h(5, 5, 'a'));
    r.update(h(5, 5, 'b'));
    r.update(h(5, 5, 'c'));
    expect(r.size).toBe(2);
    expect(r.check(h(1, 1, 'a')).ok).toBe(true); // forgotten: first contact again
    expect(r.check(h(1, 1, 'c')).ok).toBe(false);
  });

  it('local (informs): our boots exactly, time within 150 s of seconds since start, our engine ID only', () => {
    const clock = new ManualClock();
    const l = new LocalEngine({ engineId: 'AABB', boots: 4, clock });
    clock.advance(200_500);
    expect(l.now()).toEqual({ boots: 4, time: 200 });
    expect(l.check(h(4, 350, 'aabb')).ok).toBe(true);
    expect(l.check(h(4, 50, 'aabb')).ok).toBe(true);
    expect(l.check(h(4, 351, 'aabb'))).toEqual({ ok: false, reason: 'not-in-time-window' });
    expect(l.check(h(4, 49, 'aabb')).ok).toBe(false);
    expect(l.check(h(3, 200, 'aabb')).ok).toBe(false);
    expect(l.check(h(4, 200, 'ccdd'))).toEqual({ ok: false, reason: 'unknown-engine-id' });
  });
});
