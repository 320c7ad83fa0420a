/**
 * `acesync replay [--config FILE] [--rules DIR] [--db FILE] [--all] FILE...`: feed recorded
 * input through the rules offline and print one JSON line per decision and per action.
 * `-` reads standard input. Nothing is sent anywhere; jobs are only printed.
 */
import { createReadStream, existsSync } from 'node:fs';
import { ManualClock } from '../core/clock.js';
import { AcesyncError, EXIT } from '../core/errors.js';
import { Inventory } from '../inventory/inventory.js';
import { silentLogger } from '../core/log.js';
import { parseSyslog } from '../parse/syslog.js';
import { loadRules } from '../engine/loader.js';
import { Processor } from '../engine/processor.js';
import { Replayer, replayOutput, REPLAY_EPOCH } from '../engine/replay.js';
import { Store } from '../store/store.js';
import type { Parsed } from './args.js';
import { resolveConfig } from './config-arg.js';
import { inert, inertJson } from '../core/inert.js';
import { readLines } from '../parse/line-reader.js';

export async function main(args: Parsed): Promise<number> {
  const positionals = args.positionals;
  for (const f of positionals)
    if (f !== '-' && !existsSync(f)) throw new AcesyncError('ACESYNC_USAGE', `no such file: ${f}`);
  const stepArg = args.string('step');
  const step = stepArg === undefined ? 100 : Number(stepArg);
  if (!Number.isInteger(step) || step < 0) throw args.usageError('--step takes a number of milliseconds');
  const all = args.bool('all');

  const { config } = resolveConfig(args.string('config'), { skipSecrets: true });
  const ruleset = loadRules(args.string('rules') ?? config.rules, { engine: config.engine, now: 0 });
  const inventory = Inventory.fromConfig(config);
  const clock = new ManualClock(REPLAY_EPOCH);
  // A fixed random source: backoff jitter must not make two replays differ.
  const store = Store.open({
    path: args.string('db') ?? ':memory:',
    inventory,
    clock,
    retention: config.store.retention,
    engine: config.engine,
    random: () => 0.5,
  });
  const out: string[] = [];
  const flush = (): void => {
    if (out.length > 0) process.stdout.write(out.join(''));
    out.length = 0;
  };
  const processor = new Processor({
    store,
    ruleset,
    clock,
    logger: silentLogger,
    storeNoise: false,
    onRecords: (records) => {
      for (const r of records) {
        const o = replayOutput(r, all);
        if (o) out.push(inertJson(o) + '\n');
      }
      if (out.length > 256) flush();
    },
  });
  const replayer = new Replayer({ clock, processor, store, inventory, parse: parseSyslog, stepMs: step });
  try {
    for (const file of positionals) {
      // Our own line reader, not node:readline: since Node 22 readline also ends a line at U+2028/U+2029, which
      // device text may hold (one syslog line would become two). LF or CRLF only, as `acesync parse` reads.
      const input = file === '-' ? process.stdin : createReadStream(file, { highWaterMark: 256 * 1024 });
      let n = 0;
      for await (const { text } of readLines(input)) replayer.line(text, { file, line: ++n });
    }
    replayer.finish();
    flush();
  } finally {
    store.close();
  }
  const s = replayer.stats;
  for (const e of s.errors.slice(0, 20))
    process.stderr.write(inert(`acesync replay: ${e.file}:${e.line}: skipped: ${e.error}`) + '\n');
  process.stderr.write(
    `replayed ${s.lines} lines: ${s.events} events (${s.malformed} malformed), ${s.skipped} skipped; ${processor.stats.decisions} records, ${processor.stats.errors} evaluation errors\n`,
  );
  return s.skipped > 0 && s.events === 0 ? EXIT.BAD_INPUT : EXIT.OK;
}
