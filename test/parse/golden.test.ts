/**
 * Golden lines: the real lines quoted in ace-device.md 1.2, one line per catalogue id, and one
 * per envelope form, each with the exact event expected (test/fixtures/syslog/*.json).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseSyslog } from '../../src/parse/syslog.js';
import { isCertainNoise } from '../../src/parse/fast-path.js';
import type { AceEvent } from '../../src/core/events.js';

interface Golden {
  name: string;
  raw: string;
  event: Omit<AceEvent, 'raw'>;
}

function load(file: string): Golden[] {
  return JSON.parse(readFileSync(new URL(`../fixtures/syslog/${file}`, import.meta.url), 'utf8')) as Golden[];
}

const RELEVANT_KINDS = new Set([
  'config-change',
  'logging-change',
  'crypto-change',
  'context-lifecycle',
  'ha-state',
  'device-restart',
]);

for (const file of ['reference-lines.json', 'catalogue.json', 'envelopes.json']) {
  describe(file, () => {
    const cases = load(file);
    it('has cases', () => expect(cases.length).toBeGreaterThan(5));
    it.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
      const got = parseSyslog(c.raw);
      // toStrictEqual also fails on keys present with an undefined value.
      expect(got).toStrictEqual({ ...c.event, raw: c.raw });
      // Field order is part of the output contract (stable JSON lines).
      expect(Object.keys(got)[0]).toBe('kind');
      expect(Object.keys(got).at(-1)).toBe('raw');
      expect(JSON.parse(JSON.stringify(got))).toStrictEqual(got);
      // The fast path may only call noise what the parser calls noise, and never a relevant line.
      if (isCertainNoise(Buffer.from(c.raw, 'utf8'))) expect(got.kind).toBe('noise');
      if (RELEVANT_KINDS.has(got.kind)) expect(isCertainNoise(Buffer.from(c.raw, 'utf8'))).toBe(false);
    });
  });
}

describe('catalogue coverage', () => {
  const ids = new Set(load('catalogue.json').map((c) => c.event.id));
  it('has a golden line for every documented relevant id', () => {
    const wanted = ['111008', '111009', '199006', '253010', '504001', '504002', '728016', '728017', '728029', '728030'];
    for (let n = 727001; n <= 727023; n++) wanted.push(String(n));
    expect(wanted.filter((id) => !ids.has(id))).toEqual([]);
  });
});
