/**
 * The trap scenarios in samples/traps/ replayed with their own script (snmptrap) into the
 * built `acesync start --print-events`, with their sample config; each trap line's `#>`
 * expectation is checked against the event printed for it.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { ROOT, startCli, waitStarted, type Running } from '../helpers/cli.js';
import { until } from './snmp-tools.js';

const DIR = join(ROOT, 'samples/traps');
const SCENARIOS = readdirSync(DIR)
  .filter((f) => f.endsWith('.traps'))
  .sort();

interface Expectation {
  trap: string;
  fields: Array<[string, string]>;
}

function expectations(file: string): Expectation[] {
  const out: Expectation[] = [];
  for (const line of readFileSync(join(DIR, file), 'utf8').split('\n')) {
    if (line.startsWith('#>')) {
      const fields = [...line.slice(2).matchAll(/([\w.]+)=("[^"]*"|\S+)/g)].map(
        (m) => [m[1]!, m[2]!.replace(/^"|"$/g, '')] as [string, string],
      );
      out.at(-1)!.fields.push(...fields);
    } else if (line.trim() !== '' && !line.startsWith('#')) out.push({ trap: line, fields: [] });
  }
  return out;
}

function get(obj: unknown, path: string): unknown {
  return path
    .split('.')
    .reduce<unknown>(
      (o, k) => (o !== null && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined),
      obj,
    );
}

function replay(port: number, file: string): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      join(DIR, 'replay.sh'),
      ['127.0.0.1', String(port), join(DIR, file)],
      { timeout: 30_000, killSignal: 'SIGKILL', env: { ...process.env, DELAY: '0.02' } },
      (err, _o, stderr) => {
        resolve({ code: err ? ((err as { code?: number }).code ?? null) : 0, stderr: String(stderr) });
      },
    );
  });
}

let cli: Running;
let port: number;

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'acesync-trap-samples-'));
  const file = join(dir, 'acesync.yaml');
  // The sample config as shipped, with what a test must not share: the SNMP port, the
  // HTTP port, the rules path (relative to the sample's folder).
  const cfg = parse(readFileSync(join(DIR, 'acesync.yaml'), 'utf8')) as Record<string, Record<string, unknown>>;
  expect(cfg.snmp!.port).toBe(5162);
  cfg.snmp!.port = 0;
  cfg.http = { ...cfg.http, enabled: false };
  cfg.rules = join(DIR, String(cfg.rules)) as never;
  writeFileSync(file, stringify(cfg));
  cli = startCli(['start', '--config', file, '--print-events']);
  port = (await waitStarted(cli)).find((l) => l.transport === 'snmp')!.port;
});

afterAll(async () => {
  await cli?.stop();
});

describe('samples/traps scenarios', () => {
  it('there are scenarios, each with an expectation per trap', () => {
    expect(SCENARIOS.length).toBeGreaterThanOrEqual(4);
    for (const f of SCENARIOS)
      for (const e of expectations(f)) expect(e.fields.length, `${f}: ${e.trap}`).toBeGreaterThan(0);
  });

  for (const file of SCENARIOS) {
    it(`${file} replays into the expected events`, async () => {
      const exp = expectations(file);
      const before = cli.stdout.length;
      const r = await replay(port, file);
      expect(r.code, r.stderr).toBe(0);
      await until(() => cli.stdout.length >= before + exp.length, 10_000, `${exp.length} events`);
      await new Promise((res) => setTimeout(res, 100));
      const events = cli.stdout.slice(before).map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(events).toHaveLength(exp.length);
      exp.forEach((e, i) => {
        for (const [k, v] of e.fields) expect(String(get(events[i], k)), `${file} #${i + 1} ${k}`).toBe(v);
      });
    });
  }
});
