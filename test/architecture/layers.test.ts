/**
 * The layering of src/ (docs/architecture.md): each folder imports only from the folders below it. Checked over
 * every file, runtime and type-only imports alike, static and dynamic, so the layering cannot decay silently.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '../../src');

/** The service's layers, bottom up: a layer may import any layer listed before it. */
export const LAYERS = [
  'core',
  'parse',
  'config',
  'inventory',
  'store',
  'engine',
  'devices',
  'anm',
  'jobs',
  'notify',
  'ingest',
  'web',
  'app',
  'commands',
] as const;

/**
 * Beside the service: the simulators use the wire formats a client would (parsers, YAML source, SOAP envelope,
 * an SSH session), never the service's state; the demo starts the service as a client would. `cli` is the entry.
 */
export const BESIDE: Record<string, readonly string[]> = {
  sim: ['core', 'parse', 'config', 'devices', 'anm'],
  demo: ['core', 'parse', 'config', 'inventory', 'devices', 'jobs', 'sim', 'app'],
  cli: ['core', 'commands'],
};

export function allowed(from: string, to: string): boolean {
  if (from === to) return true;
  const beside = BESIDE[from];
  if (beside) return beside.includes(to);
  const a = LAYERS.indexOf(from as (typeof LAYERS)[number]);
  const b = LAYERS.indexOf(to as (typeof LAYERS)[number]);
  if (a < 0) return false;
  // A layer may use sim/demo only from commands (the CLI starts them).
  if (b < 0) return from === 'commands' && (to === 'sim' || to === 'demo');
  return b < a;
}

function walk(dir: string, out: string[] = []): string[] {
  for (const e of readdirSync(dir)) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (p.endsWith('.ts')) out.push(p);
  }
  return out;
}

const layerOf = (abs: string): string => {
  const parts = relative(SRC, abs).split('/');
  return parts.length === 1 ? parts[0]!.replace(/\.[jt]s$/, '') : parts[0]!;
};

/** Every relative import of a file: `import … from`, `export … from`, `import('…')`, `import type`. */
export function importsOf(source: string): string[] {
  const specs: string[] = [];
  for (const m of source.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)['"](\.{1,2}\/[^'"]+)['"]/g))
    specs.push(m[1]!);
  return specs;
}

describe('import direction', () => {
  const files = walk(SRC);

  it('finds the source tree and its layers', () => {
    expect(files.length).toBeGreaterThan(100);
    const present = new Set(files.map(layerOf));
    for (const l of LAYERS) expect(present.has(l), `src/${l}/ exists`).toBe(true);
  });

  it('the parser sees static, type-only, re-export and dynamic imports', () => {
    const src = `import a from './a.js';\nimport type { B } from '../b/b.js';\nexport { c } from './c.js';\n
      const d = await import('../d.js');\nimport './e.js';`;
    expect(importsOf(src)).toEqual(['./a.js', '../b/b.js', './c.js', '../d.js', './e.js']);
  });

  it('the table refuses upward imports', () => {
    expect(allowed('store', 'engine')).toBe(false);
    expect(allowed('store', 'jobs')).toBe(false);
    expect(allowed('engine', 'store')).toBe(true);
    expect(allowed('core', 'parse')).toBe(false);
    expect(allowed('sim', 'store')).toBe(false);
    expect(allowed('web', 'sim')).toBe(false);
  });

  it('every file in src/ imports only from its own layer or those below', () => {
    const violations: string[] = [];
    for (const f of files) {
      const from = layerOf(f);
      for (const spec of importsOf(readFileSync(f, 'utf8'))) {
        const to = layerOf(resolve(dirname(f), spec));
        if (!allowed(from, to)) violations.push(`${relative(SRC, f)} imports ${spec} (${from} -> ${to})`);
      }
    }
    expect(violations).toEqual([]);
  });

  it('only src/store/ prepares SQL', () => {
    const outside = files.filter((f) => layerOf(f) !== 'store' && /\.prepare\(/.test(readFileSync(f, 'utf8')));
    expect(outside.map((f) => relative(SRC, f))).toEqual([]);
  });
});
