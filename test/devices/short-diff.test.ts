import { describe, expect, it } from 'vitest';
import { shortDiff } from '../../src/devices/poller.js';
import { unifiedDiff } from '../../src/core/diff.js';

describe('shortDiff (the diff an audit-result carries)', () => {
  it('keeps a small diff whole', () => {
    const d = shortDiff(unifiedDiff('a\nb\nc', 'a\nB\nc'), 80);
    expect(d.split('\n').filter((l) => /^[-+][^-+]/.test(l))).toEqual(['-b', '+B']);
  });

  it('bounds lines and line length', () => {
    const a = Array.from({ length: 300 }, (_, i) => `a${i}`).join('\n');
    const b = Array.from({ length: 300 }, (_, i) => `b${i}`).join('\n');
    const d = shortDiff(unifiedDiff(a, b), 20);
    expect(d.split('\n')).toHaveLength(21);
    expect(d).toMatch(/\.\.\. \(\d+ more lines\)$/);
    const long = shortDiff(unifiedDiff('x', 'y'.repeat(5000)), 80);
    expect(long.split('\n').pop()).toBe('+' + 'y'.repeat(499) + '...');
  });
});
