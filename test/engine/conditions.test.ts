import { describe, expect, it } from 'vitest';
import { compileCondition, type ConditionProblem } from '../../src/engine/conditions.js';
import { compileTemplate } from '../../src/engine/template.js';
import { parseDuration } from '../../src/engine/duration.js';
import type { AceEvent } from '../../src/core/events.js';

const E: AceEvent = {
  kind: 'config-change',
  id: '111008',
  severity: 5,
  user: 'Admin',
  command: 'no logging host 10.1.1.1',
  device: 'ace1',
  context: 'VC',
  data: { outcome: 'differs', n: 7, list: ['a', 'b'] },
};
const state = (f: string): unknown => ({ role: 'STANDBY_HOT', anm_user: false })[f];

function cond(spec: unknown, vars: Record<string, unknown> = {}) {
  const problems: ConditionProblem[] = [];
  const c = compileCondition(spec, ['when'], vars, problems);
  return { c, problems };
}
const test = (spec: unknown, vars?: Record<string, unknown>): boolean => {
  const { c, problems } = cond(spec, vars);
  if (!c) throw new Error(JSON.stringify(problems));
  return c.test(E, state as never);
};

describe('conditions', () => {
  it('every operator, on event fields, data paths and state', () => {
    expect(test({ field: 'id', equals: 111008 })).toBe(true);
    expect(test({ field: 'user', equals: 'admin' })).toBe(false);
    expect(test({ field: 'user', equals: 'admin', ignore_case: true })).toBe(true);
    expect(test({ field: 'user', not_equals: 'bob' })).toBe(true);
    expect(test({ field: 'data.outcome', in: ['in-sync', 'differs'] })).toBe(true);
    expect(test({ field: 'command', matches: '^no logging' })).toBe(true);
    expect(test({ field: 'reason', exists: false })).toBe(true);
    expect(test({ field: 'data.n', gt: 5 })).toBe(true);
    expect(test({ field: 'severity', lte: 4 })).toBe(false);
    expect(test({ field: 'data.list', contains: 'b' })).toBe(true);
    expect(test({ field: 'command', contains: 'HOST', ignore_case: true })).toBe(true);
    expect(test({ field: 'command', startswith: 'no ' })).toBe(true);
    expect(test({ field: 'state.role', matches: '^STANDBY' })).toBe(true);
    expect(
      test({ all: [{ field: 'device', equals: 'ace1' }, { not: { field: 'state.anm_user', equals: true } }] }),
    ).toBe(true);
    expect(
      test({
        any: [
          { field: 'device', equals: 'x' },
          { field: 'context', equals: 'y' },
        ],
      }),
    ).toBe(false);
    expect(test({ field: 'user', in: '$ops' }, { ops: ['Admin'] })).toBe(true);
    expect(test({ field: 'user', in: ['root', '$ops'] }, { ops: ['Admin', 'x'] })).toBe(true);
  });

  it('records which conditions passed, with the values seen', () => {
    const { c } = cond({ all: [{ field: 'command', matches: '^no' }, { not: { field: 'data.n', lt: 3 } }] });
    const t = c!.trace(E, state as never);
    expect(t.ok).toBe(true);
    expect(t.children!.map((x) => x.test)).toEqual(['command matches /^no/', 'not']);
    expect(t.children![1]!.children![0]).toEqual({ test: 'data.n lt 3', ok: false, seen: 7 });
  });

  it('rejects mistakes with their key path', () => {
    const cases: Array<[unknown, RegExp]> = [
      [{ field: 'command', matches: '(a' }, /bad regular expression/],
      [{ field: 'command', matches: '(a+)+$' }, /nested quantifier/],
      [{ field: 'command', matches: 'x'.repeat(600) }, /longer than 512/],
      [{ field: 'command', equals: 'a', in: ['b'] }, /one operator/],
      [{ field: 'command' }, /needs one operator/],
      [{ field: 'command', equal: 'a' }, /unknown key 'equal'/],
      [{ field: 'state.nope', equals: 1 }, /unknown state field 'nope'/],
      [{ field: 'user.name', equals: 1 }, /has no sub-fields/],
      [{ field: 'user', in: '$nope' }, /unknown variable '\$nope'/],
      [{ field: 'user', gt: 'x' }, /takes a number/],
      [{ all: [] }, /non-empty list/],
      [{ not: { field: 'user', equals: 'a' }, any: [] }, /cannot be combined/],
    ];
    for (const [spec, re] of cases) {
      const { c, problems } = cond(spec);
      expect(c, JSON.stringify(spec)).toBeUndefined();
      expect(problems.map((p) => p.message).join('; '), JSON.stringify(spec)).toMatch(re);
    }
  });

  it('bounds the text a regex runs on', () => {
    const { c } = cond({ field: 'text', matches: 'END$' });
    expect(c!.test({ kind: 'unknown', text: 'a'.repeat(10_000) + 'END' }, state as never)).toBe(false);
  });
});

describe('templates', () => {
  it('fills event fields, data paths and state; strips control characters; bounds values', () => {
    const t = compileTemplate("{user} ran '{command}' ({data.outcome}, {state.role}) {{literal}}");
    expect(typeof t).toBe('object');
    const text = (t as Exclude<typeof t, string>).render({ ...E, user: 'ev\u0007il\nuser' }, state as never);
    expect(text).toBe("ev il user ran 'no logging host 10.1.1.1' (differs, STANDBY_HOT) {literal}");
    const long = (t as Exclude<typeof t, string>).render({ ...E, command: 'x'.repeat(1000) }, state as never);
    expect(long.length).toBeLessThan(300);
    expect(compileTemplate('{nope}')).toMatch(/unknown event field 'nope'/);
    expect(compileTemplate('{user')).toMatch(/unclosed/);
  });
});

describe('templates: |short', () => {
  it('gives a hash as 12 hex digits and says "not known" instead of an empty placeholder', () => {
    const t = compileTemplate('device {data.hash|short}, ANM {data.anmHash|short}, raw {data.hash}');
    if (typeof t === 'string') throw new Error(t);
    const hash = 'ab'.repeat(32);
    expect(t.render({ kind: 'audit-result', data: { outcome: 'differs', hash } })).toBe(
      `device ${hash.slice(0, 12)}, ANM not known, raw ${hash}`,
    );
    expect(compileTemplate('{nope|short}')).toMatch(/unknown event field 'nope'/);
  });
});

describe('durations', () => {
  it('parses the units and refuses the rest', () => {
    expect([
      parseDuration('250ms'),
      parseDuration('5s'),
      parseDuration('1.5m'),
      parseDuration('2h'),
      parseDuration('1d'),
      parseDuration(42),
    ]).toEqual([250, 5000, 90_000, 7_200_000, 86_400_000, 42]);
    expect([parseDuration('5 minutes'), parseDuration('-1s'), parseDuration(1.5), parseDuration('s')]).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
  });
});
