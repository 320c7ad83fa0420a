/**
 * `npm run bench`: run every benchmark module in this folder (each exports
 * `run(): Promise<Record<string, number>>`), print a table and write bench/results.json.
 * Benchmarks run one after another so they do not compete for the two cores.
 * `npm run bench -- parse engine` runs only the named ones.
 */
import { readdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join, basename } from 'node:path';

const here = dirname(fileURLToPath(import.meta.url));
// Order matters a little: cheap in-process benches first, socket floods last.
const ORDER = ['startup', 'parse', 'engine', 'traps', 'audit', 'upload', 'udp-ingest'];

async function main(): Promise<void> {
  const only = process.argv.slice(2);
  const found = readdirSync(here)
    .filter((f) => f.endsWith('.ts') && f !== 'run.ts')
    .map((f) => basename(f, '.ts'));
  const names = found
    .filter((n) => only.length === 0 || only.includes(n))
    .sort((a, b) => (ORDER.indexOf(a) + 1 || 99) - (ORDER.indexOf(b) + 1 || 99) || a.localeCompare(b));
  const results: Record<string, number> = {};
  const failures: string[] = [];
  for (const name of names) {
    const mod = (await import(pathToFileURL(join(here, `${name}.ts`)).href)) as {
      run?: () => Promise<Record<string, number>>;
    };
    if (typeof mod.run !== 'function') continue;
    console.log(`\n== ${name}`);
    const t0 = Date.now();
    try {
      const r = await mod.run();
      for (const [k, v] of Object.entries(r)) if (typeof v === 'number' && Number.isFinite(v)) results[k] = v;
      console.log(`   (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
    } catch (err) {
      failures.push(name);
      console.log(`   FAILED: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  writeFileSync(join(here, 'results.json'), JSON.stringify(results, null, 2) + '\n');
  console.log('\n| key | value |\n|---|---|');
  for (const [k, v] of Object.entries(results)) console.log(`| ${k} | ${Number.isInteger(v) ? v : v.toFixed(2)} |`);
  console.log(`\nwrote bench/results.json${failures.length ? `; failed: ${failures.join(', ')}` : ''}`);
  if (failures.length) process.exitCode = 1;
}

await main();
