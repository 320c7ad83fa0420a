/**
 * Test fixtures for the engine: a pair of ACEs, rules compiled from YAML text or the
 * default folder, a real SQLite store (in memory or a file) and a ManualClock.
 */
import { mkdtempSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ManualClock } from '../../src/core/clock.js';
import { configSchema, type Config } from '../../src/config/schema.js';
import type { AceEvent } from '../../src/core/events.js';
import { Inventory } from '../../src/inventory/inventory.js';
import { silentLogger } from '../../src/core/log.js';
import { compileRuleSources, loadRules } from '../../src/engine/loader.js';
import { Processor } from '../../src/engine/processor.js';
import type { Ruleset } from '../../src/engine/types.js';
import type { DecisionRecord } from '../../src/store/state-writes.js';
import { Store } from '../../src/store/store.js';

export const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
export const DEFAULT_RULES = join(ROOT, 'rules');
export const T0 = Date.UTC(2026, 2, 1, 10, 0, 0);

export const PAIR_DEVICES = [
  {
    name: 'ace1',
    host: '192.0.2.1',
    peer: 'ace2',
    sources: ['10.0.0.1'],
    contexts: [
      { name: 'Admin', ft_group: 1 },
      { name: 'VC_WEB', ft_group: 2, sources: ['10.0.1.1'] },
      { name: 'VC_APP', ft_group: 2, sources: ['10.0.1.2'] },
      { name: 'VC_DB', ft_group: 3, sources: ['10.0.1.3'] },
    ],
  },
  {
    name: 'ace2',
    host: '192.0.2.2',
    peer: 'ace1',
    sources: ['10.0.0.2'],
    contexts: [
      { name: 'Admin', ft_group: 1 },
      { name: 'VC_WEB', ft_group: 2, sources: ['10.0.2.1'] },
      { name: 'VC_APP', ft_group: 2, sources: ['10.0.2.2'] },
      { name: 'VC_DB', ft_group: 3, sources: ['10.0.2.3'] },
    ],
  },
];

export function testConfig(over: Record<string, unknown> = {}): Config {
  return configSchema.parse({ devices: PAIR_DEVICES, engine: { anm_users: ['anm_svc'] }, ...over });
}

export function rulesFromText(files: Record<string, string>, config = testConfig()): Ruleset {
  const r = compileRuleSources(
    { source: '(test)', files: Object.entries(files).map(([file, text]) => ({ file, text })) },
    { engine: config.engine },
  );
  if (!r.ruleset) throw new Error(r.problems.map((p) => `${p.file}:${p.line} ${p.path}: ${p.message}`).join('\n'));
  return r.ruleset;
}

export interface Harness {
  clock: ManualClock;
  store: Store;
  processor: Processor;
  inventory: Inventory;
  records: DecisionRecord[];
  config: Config;
  /** Feed events at the current virtual time (device/context attributed as given). */
  feed(...events: AceEvent[]): DecisionRecord[];
  /** Advance the clock by `ms`, firing timers on the way (every `step` ms). */
  advance(ms: number, step?: number): void;
  actions(action?: string): DecisionRecord[];
  states(): DecisionRecord[];
  sync(device: string, context: string): string | undefined;
  close(): void;
}

export function tempDir(prefix = 'acesync-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function writeRulesDir(files: Record<string, string>): string {
  const dir = tempDir('acesync-rules-');
  mkdirSync(dir, { recursive: true });
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

export function harness(
  opts: { rules?: Ruleset; config?: Config; path?: string; clock?: ManualClock; random?: () => number } = {},
): Harness {
  const config = opts.config ?? testConfig();
  const clock = opts.clock ?? new ManualClock(T0);
  const inventory = Inventory.fromConfig(config);
  const ruleset = opts.rules ?? loadRules(DEFAULT_RULES, { engine: config.engine });
  const store = Store.open({
    path: opts.path ?? ':memory:',
    inventory,
    clock,
    retention: config.store.retention,
    engine: config.engine,
    random: opts.random ?? (() => 0.5),
  });
  const records: DecisionRecord[] = [];
  const processor = new Processor({
    store,
    ruleset,
    clock,
    logger: silentLogger,
    onRecords: (r) => records.push(...r),
  });
  const h: Harness = {
    clock,
    store,
    processor,
    inventory,
    records,
    config,
    feed(...events) {
      const out = processor.handle(events.map((e) => ({ transport: 'replay', receivedAt: clock.now(), ...e })));
      processor.tick();
      return out;
    },
    advance(ms, step = 250) {
      const end = clock.now() + ms;
      while (clock.now() < end) {
        clock.set(Math.min(end, clock.now() + step));
        processor.tick();
      }
    },
    actions(action) {
      return records.filter((r) => r.kind === 'action' && (action === undefined || r.action === action));
    },
    states() {
      return records.filter((r) => r.kind === 'state');
    },
    sync(device, context) {
      return store.context(device, context)?.sync;
    },
    close() {
      store.close();
    },
  };
  return h;
}

/** A 111008 config-change as the parser would produce it. */
export function change(device: string, context: string, command: string, user = 'admin'): AceEvent {
  return {
    kind: 'config-change',
    id: '111008',
    severity: 5,
    user,
    command,
    device,
    context,
    originContext: context,
    text: `User '${user}' executed the '${command}' command.`,
  };
}

/** A 727012 from `device`'s Admin context: FT group `group` went from `from` to `to`. */
export function failover(device: string, group: number, from: string, to: string): AceEvent {
  return {
    kind: 'ha-state',
    id: '727012',
    severity: 5,
    device,
    context: 'Admin',
    originContext: 'Admin',
    ftGroup: group,
    prevState: from,
    state: to,
    reason: 'peer heartbeat lost',
    text: `HA: FT Group ${group} changed state to ${to}. Reason: peer heartbeat lost.`,
  };
}

/**
 * Play the audit worker: claim every due audit job, report `outcome` for it as an
 * audit-result event carrying the job id, and complete the job. Returns the jobs run.
 */
export function runAudits(
  h: Harness,
  outcome:
    | 'in-sync'
    | 'differs'
    | 'no-baseline'
    | 'error'
    | ((device: string, context: string) => 'in-sync' | 'differs' | 'no-baseline' | 'error'),
): Array<{ device: string; context: string }> {
  const jobs = h.store.jobs.claim({ types: ['audit'], limit: 1000, perDevice: 1000 });
  for (const j of jobs) {
    const o = typeof outcome === 'function' ? outcome(j.device, j.context) : outcome;
    h.feed({
      kind: 'audit-result',
      transport: 'action',
      device: j.device,
      context: j.context,
      error: o === 'error' ? 'ssh timeout' : undefined,
      data: { outcome: o, hash: `h-${j.device}-${j.context}`, jobId: j.id },
    });
    h.store.jobs.complete(j.id);
  }
  return jobs.map((j) => ({ device: j.device, context: j.context }));
}

export function targets(records: DecisionRecord[]): string[] {
  return records.map((r) => `${r.device}/${r.context}`).sort();
}
