import { describe, expect, it } from 'vitest';
import { Readable } from 'node:stream';
import { readLines, type Line } from '../../src/parse/line-reader.js';

async function collect(chunks: Array<Buffer | string>, max?: number): Promise<Line[]> {
  const out: Line[] = [];
  for await (const l of readLines(Readable.from(chunks, { objectMode: true }), max)) out.push(l);
  return out;
}
const texts = (ls: Line[]): string[] => ls.map((l) => l.text);

describe('readLines', () => {
  it('splits LF and CRLF, last line without newline', async () => {
    expect(texts(await collect(['a\r\nb\nc']))).toEqual(['a', 'b', 'c']);
    expect(texts(await collect(['a\n', '\n', 'b\n']))).toEqual(['a', '', 'b']);
    expect(await collect([])).toEqual([]);
  });

  it('joins lines split across chunks, including inside CRLF and inside a UTF-8 character', async () => {
    const euro = Buffer.from('€', 'utf8'); // 3 bytes
    const chunks = [
      Buffer.from('ab'),
      Buffer.from('c\r'),
      Buffer.from('\nx'),
      euro.subarray(0, 1),
      euro.subarray(1),
      Buffer.from('y\n'),
    ];
    expect(texts(await collect(chunks))).toEqual(['abc', 'x€y']);
  });

  it('bounds line length and flags truncated lines', async () => {
    const ls = await collect(['0123456789', 'abcdef\nshort\n'], 8);
    expect(ls).toEqual([
      { text: '01234567', truncated: true },
      { text: 'short', truncated: false },
    ]);
  });

  it('decodes invalid UTF-8 to replacement characters', async () => {
    const ls = await collect([Buffer.from([0x61, 0xff, 0x62, 0x0a])]);
    expect(ls[0]!.text).toBe('a\ufffdb');
  });
});
