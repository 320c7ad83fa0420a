/**
 * docs/architecture.md says, per folder of src/, what it may import; this keeps it in step with the tables the
 * import-direction test enforces (LAYERS and BESIDE in layers.test.ts, read as text so that file's own cases
 * do not run twice) and with the folders that exist.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const doc = readFileSync(join(ROOT, 'docs/architecture.md'), 'utf8');
const layersTest = readFileSync(join(ROOT, 'test/architecture/layers.test.ts'), 'utf8');

function enforcedTables(): { layers: string[]; beside: Record<string, string[]> } {
  const l = /export const LAYERS = \[([^\]]*)\]/.exec(layersTest);
  const b = /export const BESIDE: Record<string, readonly string\[\]> = \{([^}]*)\}/.exec(layersTest);
  expect(l && b, 'LAYERS and BESIDE are found in layers.test.ts').toBeTruthy();
  const names = (s: string): string[] => [...s.matchAll(/'([a-z]+)'/g)].map((m) => m[1]!);
  const beside: Record<string, string[]> = {};
  for (const m of b![1]!.matchAll(/(\w+):\s*\[([^\]]*)\]/g)) beside[m[1]!] = names(m[2]!);
  return { layers: names(l![1]!), beside };
}

/** Rows `| \`folder/\` | owns | may import |` of the doc, folder -> the layers it may import. */
function documentedTables(layers: string[]): Array<{ folder: string; imports: string[] }> {
  const rows: Array<{ folder: string; imports: string[] }> = [];
  for (const m of doc.matchAll(/^\| `([a-z]+)(?:\/|\.ts)` \| [^|]+ \| ([^|]+) \|$/gm)) {
    const imports: string[] = [];
    for (const part of m[2]!.split(',').map((x) => x.trim())) {
      if (part === 'nothing') continue;
      const range = /^([a-z]+) … ([a-z]+)$/.exec(part);
      if (range) {
        const a = layers.indexOf(range[1]!);
        const b = layers.indexOf(range[2]!);
        expect(a >= 0 && b >= a, `range ${part}`).toBe(true);
        imports.push(...layers.slice(a, b + 1));
      } else imports.push(part);
    }
    rows.push({ folder: m[1]!, imports });
  }
  return rows;
}

describe('docs/architecture.md', () => {
  const { layers, beside } = enforcedTables();
  const rows = documentedTables(layers);

  it('lists the layers in the enforced order, each allowed exactly the layers below it', () => {
    expect(layers.length).toBeGreaterThan(10);
    const layerRows = rows.filter((r) => layers.includes(r.folder));
    expect(layerRows.map((r) => r.folder)).toEqual(layers);
    for (const [i, r] of layerRows.entries()) {
      const extra = r.folder === 'commands' ? ['sim', 'demo'] : [];
      expect(new Set(r.imports), r.folder).toEqual(new Set([...layers.slice(0, i), ...extra]));
    }
  });

  it('lists what stands beside the service with the enforced imports', () => {
    for (const [folder, allowed] of Object.entries(beside)) {
      const r = rows.find((x) => x.folder === folder);
      expect(r, `${folder} is documented`).toBeDefined();
      expect(new Set(r!.imports), folder).toEqual(new Set(allowed));
    }
  });

  it('documents every folder of src/ and no other', () => {
    const folders = readdirSync(join(ROOT, 'src')).filter((e) => statSync(join(ROOT, 'src', e)).isDirectory());
    const documented = rows.map((r) => r.folder).filter((f) => f !== 'cli');
    expect(new Set(documented)).toEqual(new Set(folders));
  });

  it('the picture shows every layer, top to bottom in reverse order', () => {
    const order = layers.map((l) => doc.indexOf(`│ ${l}/`));
    expect(order.every((i) => i > 0)).toBe(true);
    expect([...order].sort((a, b) => b - a)).toEqual(order);
  });
});
