import { describe, expect, it } from 'vitest';
import { cleanOid, decodeVarbind, decodeVarbinds, HEX_STRING, VARBIND_LIMITS } from '../../src/parse/trap-varbind.js';
import { T } from './trap-helpers.js';

const vb = (type: unknown, value: unknown, oid: unknown = '1.3.6.1.4.1.9.1') => decodeVarbind({ oid, type, value });

describe('decodeVarbind: values by type', () => {
  it('printable octet strings become text, keeping the bytes', () => {
    expect(vb(T.OctetString, Buffer.from('VC_WEB'))).toEqual({
      oid: '1.3.6.1.4.1.9.1',
      type: 'OctetString',
      value: 'VC_WEB',
    });
    const list = decodeVarbinds([
      { oid: '1.3.6.1.2.1.1.3.0', type: T.TimeTicks, value: 1 },
      { oid: '1.3.6.1.4.1.9.1', type: T.OctetString, value: Buffer.from([65, 66, 67, 68]) },
    ]);
    // The value reads as text, but a decoder that knows it is an InetAddress needs the bytes.
    expect(list.varbinds[1]!.value).toBe('ABCD');
    expect([...list.bytes[1]!]).toEqual([65, 66, 67, 68]);
    expect(list.bytes[0]).toBeUndefined();
  });

  it('UTF-8 text stays text; one trailing NUL (C-string agents) is dropped', () => {
    expect(vb(T.OctetString, Buffer.from('Zürich\0')).value).toBe('Zürich');
  });

  it('binary octet strings become hex', () => {
    expect(vb(T.OctetString, Buffer.from([0x0a, 0x00, 0x00, 0x01]))).toMatchObject({
      type: HEX_STRING,
      value: '0a000001',
    });
    // Invalid UTF-8 is binary too.
    expect(vb(T.OctetString, Buffer.from([0x41, 0xff, 0x42])).type).toBe(HEX_STRING);
    // So is text with escape sequences a terminal would act on.
    expect(vb(T.OctetString, Buffer.from('evil\u001b[2Jtext')).type).toBe(HEX_STRING);
  });

  it('IpAddress, TimeTicks, Counter, Gauge, Integer, OID, Null', () => {
    expect(vb(T.IpAddress, '10.1.2.3')).toMatchObject({ type: 'IpAddress', value: '10.1.2.3' });
    expect(vb(T.IpAddress, Buffer.from([192, 0, 2, 1])).value).toBe('192.0.2.1');
    expect(vb(T.TimeTicks, 4242)).toMatchObject({ type: 'TimeTicks', value: 4242 });
    expect(vb(T.Counter, 7)).toMatchObject({ type: 'Counter', value: 7 });
    expect(vb(T.Gauge, 8)).toMatchObject({ type: 'Gauge', value: 8 });
    expect(vb(T.Integer, -3)).toMatchObject({ type: 'Integer', value: -3 });
    expect(vb(T.OID, '1.3.6.1.2.1')).toMatchObject({ type: 'OID', value: '1.3.6.1.2.1' });
    expect(vb(T.Null, null)).toMatchObject({ type: 'Null', value: null });
  });

  it('Counter64 bytes: a number while exact, a decimal string beyond', () => {
    expect(vb(T.Counter64, Buffer.from([0x01, 0x00])).value).toBe(256);
    expect(vb(T.Counter64, Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff])).value).toBe(
      '18446744073709551615',
    );
  });

  it('BitString and Opaque as hex', () => {
    expect(vb(T.BitString, Buffer.from([0x80]))).toMatchObject({ type: 'BitString', value: '80' });
    expect(vb(T.Opaque, Buffer.from([1, 2]))).toMatchObject({ type: 'Opaque', value: '0102' });
  });
});

describe('decodeVarbind: hostile input', () => {
  it('bounds long values', () => {
    const long = vb(T.OctetString, Buffer.alloc(100_000, 0x41));
    expect(typeof long.value).toBe('string');
    expect((long.value as string).length).toBeLessThanOrEqual(VARBIND_LIMITS.maxValueChars + 1);
    const hex = vb(T.OctetString, Buffer.alloc(100_000, 0x01));
    expect((hex.value as string).length).toBeLessThanOrEqual(VARBIND_LIMITS.maxValueChars + 1);
  });

  it('rejects OIDs that are not dotted numbers or are too long', () => {
    expect(cleanOid('1.3.6.x')).toBeUndefined();
    expect(cleanOid('1.3.6.1'.repeat(200))).toBeUndefined();
    expect(cleanOid('.1.3.6.1')).toBe('1.3.6.1');
    expect(vb(T.Integer, 1, '<script>').oid).toBe('');
  });

  it('never throws, whatever the shape', () => {
    const junk: unknown[] = [
      null,
      undefined,
      1,
      'x',
      {},
      [],
      { oid: 5 },
      { oid: '1.3', type: 'Integer', value: {} },
      { type: 999, value: Buffer.from([1]) },
      { type: T.Integer, value: Number.NaN },
      { type: T.OctetString, value: { type: 'Buffer', data: [65, 66] } },
      { type: T.IpAddress, value: 'not-an-ip' },
    ];
    for (const j of junk) expect(() => decodeVarbind(j as never)).not.toThrow();
    expect(vb(T.Integer, Number.NaN).value).toBeNull();
    expect(vb(T.IpAddress, 'not-an-ip').value).toBeNull();
    expect(vb(999, Buffer.from([1])).type).toBe('Tag999');
  });

  it('keeps at most maxVarbinds and reports the rest', () => {
    const many = Array.from({ length: 500 }, (_, i) => ({ oid: `1.3.6.1.${i}`, type: T.Integer, value: i }));
    const { varbinds, dropped } = decodeVarbinds(many);
    expect(varbinds).toHaveLength(VARBIND_LIMITS.maxVarbinds);
    expect(dropped).toBe(500 - VARBIND_LIMITS.maxVarbinds);
    expect(decodeVarbinds('nope')).toEqual({ varbinds: [], bytes: [], dropped: 0 });
  });
});
