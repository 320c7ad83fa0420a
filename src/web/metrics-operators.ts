/**
 * Metrics an operator alerts on (issue 16), next to the pipeline metrics of metrics.ts:
 * - `acesync_context_state{device,context,state}`: one series per context and state, 1 for
 *   the current state and 0 for every other (kube-state-metrics style), so "stale for 30 min"
 *   is `acesync_context_state{state="stale"} == 1` with `for: 30m`, and absent states graph as 0;
 * - `acesync_build_info{version,node}`: always 1 (join on it; `node` is the Node.js version);
 * - `acesync_anm_breaker_open{server}`: 1 while ANM calls are refused by the circuit breaker
 *   (open, or half-open waiting for its probe), 0 when closed;
 * - `acesync_device_ssh_failures_total{device,kind}`: failed SSH session opens (auth, hostkey,
 *   secret, timeout, connect, other);
 * - `acesync_git_mirror_commits_total`, `acesync_git_mirror_failures_total`, `acesync_git_mirror_failing`:
 *   the `store.git_mirror` (0 when it is not configured).
 * Read at scrape time from what already holds them; nothing here is on a hot path.
 */
import { readFileSync } from 'node:fs';
import { Counter, Gauge, type Registry } from 'prom-client';
import { SYNC_STATES } from '../core/events.js';
import type { Store } from '../store/store.js';

/** The package's version (package.json, two levels above both src/web and dist/web). */
export const ACESYNC_VERSION: string = (() => {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
      version?: unknown;
    };
    return typeof pkg.version === 'string' ? pkg.version : 'unknown';
  } catch {
    return 'unknown';
  }
})();

/**
 * prom-client's defaults include gauges named like counters (`nodejs_active_handles_total`,
 * ...), which `promtool check metrics` rejects. They only repeat a sum:
 * `sum(nodejs_active_handles)` and `sum(nodejs_active_resources)` give the same numbers.
 */
export const MISNAMED_DEFAULTS = [
  'nodejs_active_handles_total',
  'nodejs_active_requests_total',
  'nodejs_active_resources_total',
];

export function dropMisnamedDefaults(registry: Registry): void {
  for (const name of MISNAMED_DEFAULTS) registry.removeSingleMetric(name);
}

export interface OperatorSources {
  store?: Store;
  /** Failed SSH session opens per device and kind, since start. */
  sshFailures?: () => Iterable<{ device: string; kind: string; count: number }>;
  /** ANM circuit breakers, one per ANM server. */
  anmBreakers?: () => Iterable<{ server: string; state: string }>;
  /** The `store.git_mirror` (absent when not configured). */
  gitMirror?: () => { commits: number; failures: number; failing: boolean };
}

export function registerOperatorMetrics(registry: Registry, src: () => OperatorSources): void {
  const registers = [registry];
  new Gauge({
    name: 'acesync_context_state',
    help: "1 for each context's current sync state (of ANM's copy), 0 for its other states.",
    labelNames: ['device', 'context', 'state'],
    registers,
    collect() {
      const store = src().store;
      if (!store || store.closed) return;
      this.reset();
      for (const c of store.contexts())
        for (const state of SYNC_STATES)
          this.set({ device: c.device, context: c.context, state }, c.sync === state ? 1 : 0);
    },
  });
  new Gauge({
    name: 'acesync_build_info',
    help: 'Always 1; the labels name the acesync version and the Node.js version running it.',
    labelNames: ['version', 'node'],
    registers,
    collect() {
      this.set({ version: ACESYNC_VERSION, node: process.versions.node }, 1);
    },
  });
  new Gauge({
    name: 'acesync_anm_breaker_open',
    help: 'Per ANM server: 1 while its circuit breaker refuses calls (open or half-open), 0 when closed.',
    labelNames: ['server'],
    registers,
    collect() {
      const f = src().anmBreakers;
      if (!f) return;
      this.reset();
      for (const b of f()) this.set({ server: b.server }, b.state === 'closed' ? 0 : 1);
    },
  });
  new Counter({
    name: 'acesync_device_ssh_failures_total',
    help: 'Failed SSH session opens per device and kind (auth, hostkey, secret, timeout, connect, other).',
    labelNames: ['device', 'kind'],
    registers,
    collect() {
      const f = src().sshFailures;
      if (!f) return;
      this.reset();
      for (const x of f()) this.inc({ device: x.device, kind: x.kind }, x.count);
    },
  });
  new Counter({
    name: 'acesync_git_mirror_commits_total',
    help: 'Configuration versions committed to the store.git_mirror repository since start.',
    registers,
    collect() {
      const f = src().gitMirror;
      if (!f) return;
      this.reset();
      this.inc(f().commits);
    },
  });
  new Counter({
    name: 'acesync_git_mirror_failures_total',
    help: 'Passes of the store.git_mirror that failed (git or the path); each is logged and retried.',
    registers,
    collect() {
      const f = src().gitMirror;
      if (!f) return;
      this.reset();
      this.inc(f().failures);
    },
  });
  new Gauge({
    name: 'acesync_git_mirror_failing',
    help: '1 while the last pass of the store.git_mirror failed, else 0.',
    registers,
    collect() {
      const f = src().gitMirror;
      if (f) this.set(f().failing ? 1 : 0);
    },
  });
}
