/**
 * `npm run bench:table`: regenerate the README's performance table from the newest bench/results/*.json (what a
 * full `npm run bench` does at its end), e.g. after changing the table's rows. Figures are never typed by hand.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { newestResults, renderTable, withTable } from './lib/report.js';

const here = dirname(fileURLToPath(import.meta.url));
const newest = newestResults(join(here, 'results'));
if (!newest) throw new Error('no bench/results/<date>.json: run `npm run bench` first');
const readme = join(here, '..', 'README.md');
const updated = withTable(readFileSync(readme, 'utf8'), renderTable(newest.file, newest.data));
if (updated === undefined) throw new Error('README.md has no bench:table markers');
writeFileSync(readme, updated);
console.log(`README performance table regenerated from bench/results/${newest.file}`);
