import { describe, expect, it } from 'vitest';
import { SyslogFramer } from '../../src/ingest/tcp-framing.js';

interface Seen {
  messages: string[];
  oversize: number[];
  errors: Array<{ reason: string; fatal: boolean }>;
}

function framer(max = 64, maxDeclared?: number): { f: SyslogFramer; seen: Seen } {
  const seen: Seen = { messages: [], oversize: [], errors: [] };
  const f = new SyslogFramer(
    { maxMessageBytes: max, maxDeclaredBytes: maxDeclared },
    {
      message: (d) => seen.messages.push(d.toString('latin1')),
      oversize: (n) => seen.oversize.push(n),
      error: (reason, fatal) => seen.errors.push({ reason, fatal }),
    },
  );
  return { f, seen };
}

/** Feed `input` cut into pieces at the given offsets. */
function feed(f: SyslogFramer, input: Buffer, cuts: number[]): void {
  let prev = 0;
  for (const c of [...cuts, input.length]) {
    f.push(input.subarray(prev, c));
    prev = c;
  }
}

const octet = (m: string): string => `${Buffer.byteLength(m)} ${m}`;

describe('SyslogFramer', () => {
  it('reads octet-counted frames', () => {
    const { f, seen } = framer();
    f.push(Buffer.from(octet('<165>%ACE-5-111008: a') + octet('<165>b c\nd')));
    expect(seen.messages).toEqual(['<165>%ACE-5-111008: a', '<165>b c\nd']);
    expect(seen.errors).toEqual([]);
  });

  it('reads LF, CRLF and NUL terminated frames and skips blank lines', () => {
    const { f, seen } = framer();
    f.push(Buffer.from('<13>one\n<13>two\r\n\r\n\n<13>three\0<13>four\n'));
    expect(seen.messages).toEqual(['<13>one', '<13>two', '<13>three', '<13>four']);
  });

  it('detects the framing per frame on one connection', () => {
    const { f, seen } = framer();
    f.push(Buffer.from(`<13>lf\n${octet('<13>counted')}<13>lf again\n${octet('<13>x')}\n${octet('<13>y')}`));
    expect(seen.messages).toEqual(['<13>lf', '<13>counted', '<13>lf again', '<13>x', '<13>y']);
  });

  it('gives the same frames whatever the chunk boundaries, down to one byte per chunk', () => {
    const input = Buffer.from(
      `${octet('<165>Nov 25 2026 10:00:00 ctx1: %ACE-5-111008: one')}<13>two\r\n${octet('<13>three')}\n2026-11-25 four\n${octet('<13>é')}`,
    );
    const whole = framer();
    whole.f.push(input);
    whole.f.end();
    expect(whole.seen.messages).toHaveLength(5);
    expect(whole.seen.messages[3]).toBe('2026-11-25 four');

    const bytewise = framer();
    for (let i = 0; i < input.length; i++) bytewise.f.push(input.subarray(i, i + 1));
    bytewise.f.end();
    expect(bytewise.seen.messages).toEqual(whole.seen.messages);

    // Pseudo-random cut points, reproducible.
    let seed = 7;
    for (let round = 0; round < 200; round++) {
      const cuts: number[] = [];
      for (let i = 1; i < input.length; i++) {
        seed = (seed * 1103515245 + 12345) & 0x7fffffff;
        if (seed % 5 === 0) cuts.push(i);
      }
      const r = framer();
      feed(r.f, input, cuts);
      r.f.end();
      expect(r.seen.messages).toEqual(whole.seen.messages);
    }
  });

  it('treats digits not followed by a space as the start of a terminated line', () => {
    const { f, seen } = framer();
    f.push(Buffer.from('12345abc\n1\n99'));
    f.end();
    expect(seen.messages).toEqual(['12345abc', '1', '99']);
    expect(seen.errors).toEqual([]);
  });

  it('skips an oversize counted frame without buffering it and resumes after it', () => {
    const { f, seen } = framer(16);
    const big = 'x'.repeat(40);
    f.push(Buffer.from(`40 ${big.slice(0, 10)}`));
    expect(f.buffered).toBe(0);
    f.push(Buffer.from(big.slice(10) + octet('<13>ok')));
    expect(seen.oversize).toEqual([40]);
    expect(seen.messages).toEqual(['<13>ok']);
  });

  it('skips an oversize terminated line up to its terminator, reporting it once', () => {
    const { f, seen } = framer(16);
    f.push(Buffer.from('<13>' + 'y'.repeat(30)));
    expect(f.buffered).toBeLessThanOrEqual(16);
    f.push(Buffer.from('y'.repeat(100)));
    expect(f.buffered).toBe(0);
    f.push(Buffer.from('yyy\n<13>next\n'));
    expect(seen.oversize).toHaveLength(1);
    expect(seen.oversize[0]).toBe(4 + 30 + 100 + 3);
    expect(seen.messages).toEqual(['<13>next']);
  });

  it('never holds more than the maximum while a line grows byte by byte', () => {
    const { f, seen } = framer(32);
    let peak = 0;
    for (let i = 0; i < 1000; i++) {
      f.push(Buffer.from('z'));
      peak = Math.max(peak, f.buffered);
    }
    f.push(Buffer.from('\n'));
    expect(peak).toBeLessThanOrEqual(32);
    expect(seen.oversize).toEqual([1000]);
    expect(seen.messages).toEqual([]);
  });

  it('closes on an absurd declared length without allocating it', () => {
    const { f, seen } = framer(64, 1024 * 1024);
    const before = process.memoryUsage().arrayBuffers;
    f.push(Buffer.from('9999999999 <13>tiny'));
    expect(f.dead).toBe(true);
    expect(seen.errors).toHaveLength(1);
    expect(seen.errors[0]!.fatal).toBe(true);
    expect(seen.errors[0]!.reason).toMatch(/9999999999/);
    // Later bytes are ignored; nothing was buffered.
    f.push(Buffer.from('5 <13>a'));
    expect(seen.messages).toEqual([]);
    expect(f.buffered).toBe(0);
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(1024 * 1024);
  });

  it('treats an endless digit run as a line, then bounds it', () => {
    const { f, seen } = framer(16);
    f.push(Buffer.from('1'.repeat(50) + ' tail\n<13>ok\n'));
    expect(seen.oversize).toEqual([55]);
    expect(seen.messages).toEqual(['<13>ok']);
    expect(f.dead).toBe(false);
  });

  it('reports a counted frame cut off by the end of the stream, and keeps an unterminated last line', () => {
    const a = framer();
    a.f.push(Buffer.from('20 <13>short'));
    a.f.end();
    expect(a.seen.messages).toEqual([]);
    expect(a.seen.errors).toHaveLength(1);
    expect(a.seen.errors[0]!.fatal).toBe(false);

    const b = framer();
    b.f.push(Buffer.from('<13>no newline'));
    b.f.end();
    expect(b.seen.messages).toEqual(['<13>no newline']);
  });

  it('strips a trailing LF counted into an octet frame', () => {
    const { f, seen } = framer();
    f.push(Buffer.from('8 <13>abc\n'));
    expect(seen.messages).toEqual(['<13>abc']);
  });
});
