/**
 * Where a V8 CPU profile (`node --cpu-prof`) spent its time, by pipeline stage: inclusive
 * time of the frames that start each stage, plus GC and idle, and the hottest functions by
 * self time. Used by `BENCH_CPU_PROF=<dir> npx tsx bench/traps.ts`; also runs alone:
 * `npx tsx bench/lib/cpu-profile.ts <file.cpuprofile>`. The file also opens in Chrome DevTools.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** A stage: time of samples with any frame matching `frame` (function name, file) on the stack. */
const STAGES: Array<{ name: string; fn: string; file: RegExp }> = [
  {
    name: 'receive + decode (socket handler: net-snmp, trap-decode, inventory)',
    fn: '',
    file: /ingest\/snmp-socket\./,
  },
  { name: '  of which net-snmp message decode', fn: 'Message.createFromBuffer', file: /net-snmp/ },
  { name: '  of which acesync decodeTrap', fn: 'decodeTrap', file: /parse\/trap-decode\./ },
  { name: 'pipeline (event-queue drain: rules + store)', fn: '#runOnce', file: /ingest\/event-queue\./ },
  { name: '  of which rules (processor run; overlaps the two below)', fn: 'run', file: /engine\/processor\./ },
  { name: '  of which event insert (store insertEvent)', fn: 'insertEvent', file: /store\/store\./ },
  { name: '  of which state writes (state-writes deferred)', fn: 'deferred', file: /store\/state-writes\./ },
  { name: 'garbage collector', fn: '(garbage collector)', file: /^$/ },
  { name: 'idle', fn: '(idle)', file: /^$/ },
];

const where = (url: string): string => url.replace(/^.*\/(dist|src|node_modules)\//, '');

export function summarise(file: string, top = 15): string {
  const p = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const selfTime = new Map<number, number>();
  let total = 0;
  p.samples.forEach((id, i) => {
    const d = p.timeDeltas[i] ?? 0;
    total += d;
    selfTime.set(id, (selfTime.get(id) ?? 0) + d);
  });
  const stage = new Array<number>(STAGES.length).fill(0);
  const selfFn = new Map<string, number>();
  for (const [id, t] of selfTime) {
    const f = byId.get(id)!.callFrame;
    const key = `${f.functionName || '(anonymous)'} ${where(f.url)}:${f.lineNumber + 1}`;
    selfFn.set(key, (selfFn.get(key) ?? 0) + t);
    STAGES.forEach((s, i) => {
      for (let x: number | undefined = id; x !== undefined; x = parent.get(x)) {
        const cf = byId.get(x)!.callFrame;
        if (s.file.test(cf.url) && (s.fn === '' || cf.functionName === s.fn)) {
          stage[i]! += t;
          return;
        }
      }
    });
  }
  const line = (ms: number, what: string): string =>
    `${(ms / 1000).toFixed(0).padStart(7)} ms ${((100 * ms) / total).toFixed(1).padStart(5)}%  ${what}`;
  const out = [`profile ${file}: ${(total / 1e6).toFixed(1)} s sampled`, 'by stage (inclusive):'];
  STAGES.forEach((s, i) => out.push(line(stage[i]!, s.name)));
  out.push(`hottest functions (self):`);
  for (const [k, v] of [...selfFn].sort((a, b) => b[1] - a[1]).slice(0, top)) out.push(line(v, k));
  return out.join('\n');
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  for (const f of process.argv.slice(2)) console.log(summarise(f));
}
