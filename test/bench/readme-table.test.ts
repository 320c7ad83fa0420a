/**
 * Every figure in the README's performance table comes from a committed benchmark run: the table between the
 * `bench:table` markers must be exactly what bench/lib/report.ts renders from the newest bench/results/*.json.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { END, newestResults, renderTable, START, withTable } from '../../bench/lib/report.js';
import { ROOT } from '../helpers/cli.js';

describe('README performance table', () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');

  it('is generated from the newest committed results file', () => {
    const newest = newestResults(join(ROOT, 'bench/results'));
    expect(newest, 'a committed bench/results/<date>.json').toBeDefined();
    const a = readme.indexOf(START);
    const b = readme.indexOf(END);
    expect(a).toBeGreaterThan(0);
    expect(readme.slice(a, b + END.length)).toBe(renderTable(newest!.file, newest!.data));
  });

  it('the results file names the machine and holds the headline figures', () => {
    const { data } = newestResults(join(ROOT, 'bench/results'))!;
    expect(data.machine.cores).toBeGreaterThan(0);
    expect(data.machine.node).toMatch(/^v\d+/);
    for (const k of ['syslog_lossless_per_s', 'rsyslog_lossless_per_s', 'service_traps_per_s', 'snmptrapd_traps_per_s'])
      expect(typeof data.results[k], k).toBe('number');
  });

  it('replacing the block keeps the rest of the README', () => {
    const out = withTable(`a\n${START}\nold\n${END}\nb`, `${START}\nnew\n${END}`);
    expect(out).toBe(`a\n${START}\nnew\n${END}\nb`);
    expect(withTable('no markers', 'x')).toBeUndefined();
  });
});
