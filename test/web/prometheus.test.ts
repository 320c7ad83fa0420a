/**
 * What Prometheus sees: a real /metrics scrape over HTTP passes `promtool check metrics`
 * (Debian's prometheus package), carries one acesync_context_state series per context and
 * state with exactly one 1, build info, labelled firing alerts, the ANM breaker of a real
 * BreakerRegistry and SSH failures; and the shipped rules file passes `promtool check rules`
 * and its unit tests (`promtool test rules`).
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BreakerRegistry } from '../../src/anm/breaker.js';
import { SYNC_STATES } from '../../src/core/events.js';
import { webExtras } from '../../src/web/server.js';
import { ACESYNC_VERSION } from '../../src/web/metrics-operators.js';
import { change, ROOT } from '../engine/helpers.js';
import { haveTool } from '../helpers/tools.js';
import { webFixture, type WebFixture } from './helpers.js';

const RULES_DIR = join(ROOT, 'samples', 'prometheus');
let f: WebFixture | undefined;
afterEach(async () => {
  await f?.shutdown();
  f = undefined;
});

function promtool(args: string[], input?: string): { status: number | null; out: string } {
  const r = spawnSync('promtool', args, { input, encoding: 'utf8', cwd: RULES_DIR, timeout: 60_000 });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

async function scrape(fx: WebFixture): Promise<string> {
  const address = await fx.app.listen({ host: '127.0.0.1', port: 0 });
  const res = await fetch(`${address}/metrics`);
  expect(res.status).toBe(200);
  return res.text();
}

const series = (body: string, name: string): string[] => body.split('\n').filter((l) => l.startsWith(`${name}{`));

describe.runIf(haveTool('promtool', 'prometheus'))('Prometheus', () => {
  it('a real /metrics scrape passes promtool check metrics and carries the operator metrics', async () => {
    f = await webFixture();
    const fx = f;
    fx.feed(change('ace1', 'VC_WEB', 'no logging enable'));
    await fx.notifier.flush();
    const breakers = new BreakerRegistry({ failureThreshold: 2, resetMs: 60_000, isFailure: () => true });
    const b = breakers.get('https://anm.example:8443');
    b.failure(new Error('HTTP 503'));
    b.failure(new Error('HTTP 503'));
    breakers.get('https://anm2.example:8443');
    webExtras(fx.app).metrics.attachOperators({
      anmBreakers: () => breakers.entries().map(([server, x]) => ({ server, state: x.state })),
      sshFailures: () => [{ device: 'ace2', kind: 'auth', count: 3 }],
    });
    const body = await scrape(fx);

    const check = promtool(['check', 'metrics'], body);
    expect(check.out).toBe('');
    expect(check.status).toBe(0);
    expect(body).not.toMatch(/^nodejs_active_\w+_total/m);
    expect(body).toMatch(/^nodejs_active_handles\{/m);

    // Every context has every state, exactly one of them 1.
    const states = series(body, 'acesync_context_state');
    const contexts = fx.store.contexts();
    expect(contexts.length).toBeGreaterThan(1);
    expect(states).toHaveLength(contexts.length * SYNC_STATES.length);
    for (const c of contexts) {
      const mine = states.filter((l) => l.includes(`device="${c.device}",context="${c.context}",`));
      expect(mine.filter((l) => l.endsWith(' 1'))).toEqual([
        `acesync_context_state{device="${c.device}",context="${c.context}",state="${c.sync}"} 1`,
      ]);
    }
    expect(states).toContain('acesync_context_state{device="ace1",context="VC_WEB",state="suspect"} 1');
    expect(series(body, 'acesync_build_info')).toEqual([
      `acesync_build_info{version="${ACESYNC_VERSION}",node="${process.versions.node}"} 1`,
    ]);
    expect(ACESYNC_VERSION).toMatch(/^\d+\.\d+\.\d+/);
    expect(series(body, 'acesync_alerts_firing')).toEqual([
      'acesync_alerts_firing{alertname="logging-silenced",severity="critical",device="ace1",context="VC_WEB"} 1',
    ]);
    expect(series(body, 'acesync_anm_breaker_open').sort()).toEqual([
      'acesync_anm_breaker_open{server="https://anm.example:8443"} 1',
      'acesync_anm_breaker_open{server="https://anm2.example:8443"} 0',
    ]);
    expect(series(body, 'acesync_device_ssh_failures_total')).toEqual([
      'acesync_device_ssh_failures_total{device="ace2",kind="auth"} 3',
    ]);
  });

  it('samples/prometheus/acesync-rules.yml passes promtool check rules and its unit tests', () => {
    const check = promtool(['check', 'rules', 'acesync-rules.yml']);
    expect(check.out).toContain('SUCCESS: 8 rules found');
    expect(check.status).toBe(0);
    const test = promtool(['test', 'rules', 'acesync-rules.test.yml']);
    expect(test.out).toContain('SUCCESS');
    expect(test.status).toBe(0);
  });
});
