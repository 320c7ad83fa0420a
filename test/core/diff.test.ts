import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { unifiedDiff } from '../../src/core/diff.js';
import { tempDir } from '../engine/helpers.js';

/** GNU diff -u, headers replaced, as the reference. */
function gnu(a: string, b: string): string {
  const dir = tempDir('acesync-diff-');
  writeFileSync(join(dir, 'a'), a);
  writeFileSync(join(dir, 'b'), b);
  const r = spawnSync('diff', ['-u', '--label', 'a', '--label', 'b', join(dir, 'a'), join(dir, 'b')], {
    encoding: 'utf8',
    timeout: 10_000,
  });
  return r.stdout;
}

// A deterministic pseudo-random generator, so failures can be reproduced.
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32;
}

function mutate(lines: string[], r: () => number): string[] {
  const out = [...lines];
  const n = 1 + Math.floor(r() * 6);
  for (let i = 0; i < n; i++) {
    const at = Math.floor(r() * (out.length + 1));
    const op = r();
    if (op < 0.4 && out.length > 0) out.splice(Math.min(at, out.length - 1), 1);
    else if (op < 0.7) out.splice(at, 0, `new line ${Math.floor(r() * 1000)}`);
    else if (out.length > 0) out[Math.min(at, out.length - 1)] = `changed ${Math.floor(r() * 1000)}`;
  }
  return out;
}

describe('unifiedDiff', () => {
  it('equals GNU diff -u on random edits of an ACE-like config', () => {
    const r = rng(42);
    const base = Array.from({ length: 60 }, (_, i) => (i % 7 === 0 ? `serverfarm host SF${i}` : `  rserver r${i}`));
    for (let round = 0; round < 40; round++) {
      const a = mutate(base, r).join('\n') + '\n';
      const b = mutate(a.trimEnd().split('\n'), r).join('\n') + '\n';
      expect(unifiedDiff(a, b), `round ${round}`).toBe(gnu(a, b));
    }
  });

  it('is empty for equal texts (line endings folded) and bounded for huge ones', () => {
    expect(unifiedDiff('a\r\nb\r\n', 'a\nb\n')).toBe('');
    expect(unifiedDiff('', 'x\n')).toBe(gnu('', 'x\n'));
    const many = Array.from({ length: 30_000 }, (_, i) => `l${i}`).join('\n');
    expect(unifiedDiff(many, many + '\nend')).toMatch(/too long to diff/);
    const a = Array.from({ length: 5000 }, (_, i) => `a${i}`).join('\n');
    const b = Array.from({ length: 5000 }, (_, i) => `b${i}`).join('\n');
    expect(unifiedDiff(a, b, { maxEdits: 100 })).toMatch(/too many differences/);
    expect(unifiedDiff(a, b, { maxBytes: 1000 }).length).toBeLessThan(1100);
  });
});
