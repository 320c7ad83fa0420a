/**
 * `npm run bench`: run every benchmark module in this folder (each exports
 * `run(): Promise<Record<string, number>>`), print a table and write bench/results/<date>.json
 * (the machine and every figure) and, for a full run, the README's performance table from it.
 * Benchmarks run one after another so they do not compete for the two cores.
 * `npm run bench -- parse engine` runs only the named ones.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { machineFacts } from './lib/socket.js';
import { newestResults, renderTable, withTable, type ResultsFile } from './lib/report.js';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join, basename } from 'node:path';

const here = dirname(fileURLToPath(import.meta.url));
// Order matters a little: cheap in-process benches first, socket floods last.
const ORDER = ['startup', 'parse', 'engine', 'event-latency', 'traps', 'audit', 'upload', 'udp-ingest'];

async function main(): Promise<void> {
  const only = process.argv.slice(2);
  const found = readdirSync(here)
    .filter((f) => f.endsWith('.ts') && f !== 'run.ts' && f !== 'table.ts')
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
  const dir = join(here, 'results');
  mkdirSync(dir, { recursive: true });
  const machine = machineFacts();
  const file: ResultsFile = { machine, benches: names.filter((n) => !failures.includes(n)), results };
  const name = `${machine.date.slice(0, 19).replace(/:/g, '-')}${only.length ? '-partial' : ''}.json`;
  writeFileSync(join(dir, name), JSON.stringify(file, null, 2) + '\n');
  console.log('\n| key | value |\n|---|---|');
  for (const [k, v] of Object.entries(results)) console.log(`| ${k} | ${Number.isInteger(v) ? v : v.toFixed(2)} |`);
  console.log(`\nwrote bench/results/${name}${failures.length ? `; failed: ${failures.join(', ')}` : ''}`);
  // Only a complete run (every bench, none failed) becomes the README's table; partial runs are named -partial.
  if (only.length === 0 && failures.length === 0) {
    const readmePath = join(here, '..', 'README.md');
    const newest = newestResults(dir)!;
    const updated = withTable(readFileSync(readmePath, 'utf8'), renderTable(newest.file, newest.data));
    if (updated !== undefined) {
      writeFileSync(readmePath, updated);
      console.log(`README performance table regenerated from bench/results/${newest.file}`);
    }
  }
  if (failures.length) process.exitCode = 1;
}

await main();
