/**
 * The rule engine with its store: events/s through the Processor (real SQLite file, WAL,
 * default rules, batches of 500 like the EventQueue drain), and the latency from an event's
 * arrival (push into the EventQueue) to its decisions being committed, at a steady 2 000
 * events/s. The mix is mostly 111008 config changes spread over 10 HA pairs x 20 contexts,
 * with logging changes, failovers, audit and upload results.
 *
 *   npx tsx bench/engine.ts
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { ManualClock, systemClock, type Clock } from '../src/core/clock.js';
import { configSchema } from '../src/config/schema.js';
import type { AceEvent } from '../src/core/events.js';
import { EventQueue } from '../src/ingest/event-queue.js';
import { Inventory } from '../src/inventory/inventory.js';
import { silentLogger } from '../src/core/log.js';
import { loadRules } from '../src/engine/loader.js';
import { Processor } from '../src/engine/processor.js';
import { Store } from '../src/store/store.js';

const PAIRS = 10;
const CONTEXTS = 20;
const BATCH = 500;

function config() {
  const devices = [];
  for (let p = 0; p < PAIRS; p++) {
    for (const side of ['a', 'b']) {
      devices.push({
        name: `ace${p}${side}`,
        host: `192.0.2.${p * 2 + (side === 'a' ? 1 : 2)}`,
        peer: `ace${p}${side === 'a' ? 'b' : 'a'}`,
        contexts: Array.from({ length: CONTEXTS }, (_, c) => ({ name: `VC_${c}`, ft_group: 2 + Math.floor(c / 5) })),
      });
    }
  }
  return configSchema.parse({ devices, engine: { anm_users: ['anm_svc'] } });
}

/** A deterministic stream of relevant events. */
function* events(): Generator<AceEvent> {
  let i = 0;
  for (;;) {
    i++;
    const pair = i % PAIRS;
    const device = `ace${pair}${i % 3 === 0 ? 'b' : 'a'}`;
    const context = `VC_${(i * 7) % CONTEXTS}`;
    const r = i % 100;
    if (r < 80)
      yield {
        kind: 'config-change',
        id: '111008',
        severity: 5,
        user: i % 10 === 0 ? 'anm_svc' : 'admin',
        command: `rserver host r${i % 50}`,
        device,
        context,
        transport: 'udp',
      };
    else if (r < 85)
      yield {
        kind: 'logging-change',
        id: '111008',
        severity: 5,
        user: 'admin',
        command: i % 2 ? 'logging buffered 5' : 'no logging host 10.9.9.9 udp/514',
        device,
        context,
        transport: 'udp',
      };
    else if (r < 87)
      yield {
        kind: 'ha-state',
        id: '727012',
        severity: 5,
        ftGroup: 2 + (i % 4),
        state: i % 2 ? 'ACTIVE' : 'STANDBY_HOT',
        reason: 'bench',
        device,
        transport: 'udp',
      };
    else if (r < 97)
      yield {
        kind: 'audit-result',
        device,
        context,
        transport: 'action',
        data: { outcome: i % 3 ? 'in-sync' : 'differs', hash: `h${i % 13}` },
      };
    else
      yield { kind: 'upload-result', device, context, transport: 'action', data: { outcome: 'ok', strategy: 'http' } };
  }
}

function open(dir: string, clock: Clock) {
  const cfg = config();
  const store = Store.open({
    path: join(dir, 'engine.db'),
    inventory: Inventory.fromConfig(cfg),
    clock,
    retention: cfg.store.retention,
    engine: cfg.engine,
  });
  const processor = new Processor({
    store,
    ruleset: loadRules(new URL('../rules', import.meta.url).pathname, { engine: cfg.engine }),
    clock,
    logger: silentLogger,
  });
  return { store, processor };
}

async function throughput(
  dir: string,
  seconds: number,
): Promise<{ perSec: number; events: number; decisions: number }> {
  const clock = new ManualClock(Date.UTC(2026, 2, 1));
  const { store, processor } = open(dir, clock);
  const gen = events();
  const batch = (): AceEvent[] =>
    Array.from({ length: BATCH }, () => ({ ...gen.next().value!, receivedAt: clock.now() }));
  for (let w = 0; w < 10; w++) processor.handle(batch()); // warm-up
  const start = performance.now();
  let n = 0;
  while (performance.now() - start < seconds * 1000) {
    processor.handle(batch());
    // Virtual time moves on at the same pace, so settle windows open, fire and close.
    clock.advance(Math.round((BATCH / 20_000) * 1000));
    processor.tick();
    n += BATCH;
  }
  const elapsed = (performance.now() - start) / 1000;
  const decisions = processor.stats.decisions;
  store.close();
  return { perSec: n / elapsed, events: n, decisions };
}

async function latency(
  dir: string,
  rate: number,
  seconds: number,
): Promise<{ p50: number; p99: number; max: number; n: number }> {
  const { store, processor } = open(dir, systemClock);
  const pushedAt = new WeakMap<AceEvent, number>();
  const lat: number[] = [];
  const queue = new EventQueue({
    limit: 100_000,
    clock: systemClock,
    drain: (batch) => {
      processor.handle(batch);
      // handle() returns after the transaction committed.
      const t = performance.now();
      for (const e of batch) {
        const p = pushedAt.get(e);
        if (p !== undefined) lat.push(t - p);
      }
      processor.tick();
    },
  });
  const gen = events();
  const tickMs = 5;
  const perTick = (rate * tickMs) / 1000;
  let carry = 0;
  await new Promise<void>((resolve) => {
    const end = performance.now() + seconds * 1000;
    const timer = setInterval(() => {
      carry += perTick;
      for (; carry >= 1; carry--) {
        const e = { ...gen.next().value!, receivedAt: Date.now() };
        pushedAt.set(e, performance.now());
        queue.push(e);
      }
      if (performance.now() >= end) {
        clearInterval(timer);
        setTimeout(resolve, 50);
      }
    }, tickMs);
  });
  queue.flush();
  store.close();
  lat.sort((a, b) => a - b);
  const q = (p: number): number => lat[Math.min(lat.length - 1, Math.floor(p * lat.length))] ?? NaN;
  return { p50: q(0.5), p99: q(0.99), max: lat[lat.length - 1] ?? NaN, n: lat.length };
}

export async function run(): Promise<Record<string, number>> {
  const dir = mkdtempSync(join(tmpdir(), 'acesync-bench-engine-'));
  try {
    const t = await throughput(dir, 5);
    const l = await latency(mkdtempSync(join(dir, 'lat-')), 2000, 5);
    console.log(
      `   engine + SQLite (WAL, synchronous=NORMAL), batches of ${BATCH}: ${Math.round(t.perSec).toLocaleString()} events/s (${t.events} events, ${t.decisions} decision records)`,
    );
    console.log(
      `   arrival -> committed decision at 2,000 events/s: p50 ${l.p50.toFixed(2)} ms, p99 ${l.p99.toFixed(2)} ms, max ${l.max.toFixed(2)} ms (${l.n} events)`,
    );
    return {
      engine_events_per_s: Math.round(t.perSec),
      event_to_decision_p50_ms: l.p50,
      event_to_decision_p99_ms: l.p99,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  run().then((r) => console.log(r));
}
