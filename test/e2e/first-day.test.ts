/**
 * The first day on an estate, end to end: a simulated ACE pair and a simulated ANM on
 * loopback, acesync (buildApp, real SQLite file, the real rules/ folder, real syslog and
 * SSH audits) with the default manual strategy, a real webhook receiver, and the built CLI
 * as a separate process.
 *
 * First audits find no ANM baseline (first_audit defaults to ask with the manual strategy)
 * -> `acesync baseline adopt --all --reason "ANM verified"` through the running service ->
 * every context in-sync with one decision each and no upload; then a change on the active
 * -> ONE manual procedure alert for the pair naming both peers' contexts with numbered
 * steps, whole in the webhook body and on the page -> one bulk acknowledgement -> in sync.
 */
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { buildApp, type App } from '../../src/app/app.js';
import { StoreReader } from '../../src/store/reader.js';
import { startLab, type Lab } from '../../src/demo/lab.js';
import { silentLogger } from '../../src/core/log.js';
import { runCli } from '../helpers/cli.js';
import { freeTcpPort, freeUdpPort, until } from '../helpers/wait.js';
import { startReceiver, type Receiver } from '../notify/receiver.js';

const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const RULES = join(ROOT, 'rules');
const DEVICES = ['ace-a', 'ace-b'] as const;
const TOKEN = 'first-day-token-0123456789';
const PAIR = 'ace-a+ace-b';

let current: { app?: App; lab?: Lab; dir?: string; receiver?: Receiver } = {};
afterEach(async () => {
  await current.app?.stop().catch(() => undefined);
  await current.lab?.stop();
  await current.receiver?.close();
  if (current.dir) rmSync(current.dir, { recursive: true, force: true });
  current = {};
});

interface AmBody {
  status: string;
  alerts: Array<{
    status: string;
    labels: Record<string, string>;
    annotations: Record<string, string>;
    generatorURL: string;
  }>;
}

describe('first day: adopt the baseline, then a manual procedure a person can follow', () => {
  it(
    'baseline adopt --all through the running service, then one procedure alert per pair, acknowledged in bulk',
    { timeout: 90_000 },
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'acesync-first-day-'));
      current.dir = dir;
      const receiver = await startReceiver();
      current.receiver = receiver;
      const httpPort = await freeTcpPort();
      const lab = await startLab({
        syslogPort: await freeUdpPort(),
        snmpPort: await freeUdpPort(),
        snmpEnabled: false,
        httpEnabled: true,
        httpPort,
        storePath: join(dir, 'acesync.db'),
        rulesPath: RULES,
        baseDir: dir,
        timings: {
          auditIntervalMs: 60_000,
          // Every first audit at once: the waits below start at app.start(), not at a random slot in 30 s.
          startupSpreadMs: 0,
          fastIntervalMs: 5_000,
          settleMs: 200,
          jobBackoffMs: 200,
          tickMs: 50,
        },
        logLevel: 'silent',
        overrides: {
          anm: {
            enabled: true,
            strategy: {
              type: 'manual',
              note: 'Call the NOC on 4711 before syncing.',
              runbook_url: 'https://runbook.example/ace',
            },
          },
          webhooks: [
            { name: 'ops', url: receiver.url, group_wait_ms: 100, group_interval_ms: 100, backoff_base_ms: 100 },
          ],
        },
      });
      current.lab = lab;
      const env = { ...lab.env, ACESYNC_TOKEN: TOKEN };
      const app = buildApp({ loaded: lab.loaded, env, logger: silentLogger });
      current.app = app;
      await app.start();
      const base = `http://127.0.0.1:${(app.web!.server.address() as AddressInfo).port}`;
      expect(base).toBe(`http://127.0.0.1:${httpPort}`);
      const targets = DEVICES.flatMap((device) => ['Admin', ...lab.contexts].map((context) => ({ device, context })));
      const ctx = (t: { device: string; context: string }) => app.store.context(t.device, t.context);
      const procedureAlerts = () => app.notifier.alerts.firing().filter((a) => a.alertname === 'manual-procedure');

      // First audits: no baseline in ANM anywhere; with first_audit: ask (the default with manual) nothing is
      // uploaded, a person is asked: one procedure alert for the pair, which offers adopting.
      await until(
        'every context audited once and waiting for a person',
        () =>
          targets.every((t) => ctx(t)?.lastAuditHash !== undefined && ctx(t)?.lastUploadOutcome === 'waiting-operator'),
        30_000,
      );
      const seed = await until('the first-audit procedure alert lists every context', () => {
        const a = procedureAlerts();
        return a.length === 1 &&
          targets.every((t) => a[0]!.annotations.description!.includes(`${t.device}: ${t.context}`))
          ? a[0]
          : undefined;
      });
      expect(seed.labels.pair).toBe(PAIR);
      expect(seed.annotations.description).toContain('acesync baseline adopt --device ace-a --device ace-b');

      // The operator confirmed in ANM that its copies are current: adopt them all, through the running service.
      const cfgFile = join(dir, 'acesync.yaml');
      writeFileSync(cfgFile, JSON.stringify(lab.configObject, null, 2));
      const marks = new Map(
        targets.map((t) => [`${t.device}/${t.context}`, app.store.decisions({ limit: 1 }).at(-1)?.id ?? 0]),
      );
      const adopt = await runCli(['baseline', 'adopt', '--config', cfgFile, '--all', '--reason', 'ANM verified'], {
        env,
        timeoutMs: 30_000,
      });
      expect(adopt.stderr).toBe('');
      expect(adopt.code).toBe(0);
      expect(adopt.stdout).toContain(`through the running service at ${base}`);
      expect(adopt.stdout).toContain(`adopted ${targets.length} contexts`);
      for (const t of targets) {
        expect(ctx(t)?.sync).toBe('in-sync');
        expect(ctx(t)?.anmHash).toBe(ctx(t)?.lastAuditHash);
        const decided = app.store
          .decisions({ device: t.device, context: t.context, kinds: ['state'], limit: 100 })
          .filter((d) => d.id > marks.get(`${t.device}/${t.context}`)! && d.rule === 'baseline-adopted');
        expect(decided).toHaveLength(1);
        expect(decided[0]!.reason).toMatch(
          /^baseline adopted by API token holder \(acesync CLI, user .+\): ANM verified$/,
        );
      }
      // Adopting never uploads: the ANM simulator was asked for nothing.
      expect(lab.anm.state.history).toEqual([]);
      await until('the first-audit procedure resolved', () => procedureAlerts().length === 0);
      // `explain` shows the decision too.
      const explained = await runCli(['explain', 'ace-b', 'VC_APP', '--config', cfgFile], { env });
      expect(explained.code).toBe(0);
      expect(explained.stdout).toContain('ANM verified');

      // A change on the active (ace-a holds every group): replicated to the standby, both peers audited, both
      // differ from ANM's copy, both wait for a person: ONE alert for the pair naming both.
      const received = receiver.requests.length;
      const out = lab.ace.configure('ace-a', 'VC_APP', [
        'rserver host FIRST-DAY',
        '  ip address 10.95.0.1',
        '  inservice',
      ]);
      expect(out).not.toMatch(/Error|Invalid/);
      const both = ['ace-a: VC_APP', 'ace-b: VC_APP'];
      const hook = await until(
        'a webhook body with the procedure naming both peers',
        () =>
          receiver.requests
            .slice(received)
            .map((r) => r.json as AmBody)
            .flatMap((b) => b.alerts)
            .find(
              (a) =>
                a.status === 'firing' &&
                a.labels.alertname === 'manual-procedure' &&
                both.every((n) => a.annotations.description?.includes(n)),
            ),
        40_000,
      );
      expect(procedureAlerts()).toHaveLength(1);
      expect(app.notifier.alerts.firing().filter((a) => a.context === 'VC_APP')).toEqual([]);
      const d = hook.annotations.description!;
      expect(hook.labels.pair).toBe(PAIR);
      expect(hook.annotations.runbook_url).toBe('https://runbook.example/ace');
      expect(hook.generatorURL).toContain('/procedures/ace-a%2Bace-b');
      const lines = d.split('\n');
      // Numbered steps: audit (naming the standby), upload, certificates, acknowledge; no Admin step (Admin is not in
      // the run), no adopt step (ANM had a baseline).
      expect(lines.filter((l) => /^\d+\. /.test(l)).map((l) => l.slice(0, 2))).toEqual(['1.', '2.', '3.', '4.']);
      expect(d).toContain('the standby (ace-b');
      expect(d).toContain('Note: Call the NOC on 4711 before syncing.');
      expect(d).not.toContain('\\n');
      expect(d).not.toContain('…');
      const hashes = [...d.matchAll(/: ([0-9a-f]+) → ([0-9a-f]+)/g)];
      expect(hashes).toHaveLength(2);
      for (const m of hashes) expect([m[1]!.length, m[2]!.length]).toEqual([12, 12]);

      // The page: the same steps as an HTML list.
      const res = await fetch(`${base}/procedures/${encodeURIComponent(PAIR)}`, { signal: AbortSignal.timeout(5_000) });
      expect(res.status).toBe(200);
      const page = await res.text();
      expect(page).toContain('<ol class="procedure">');
      expect(
        (page.match(/<ol class="procedure">([\s\S]*?)<\/ol>/)![1]!.match(/<li>/g) ?? []).length,
      ).toBeGreaterThanOrEqual(4 + 2);
      expect(page).toContain('<li>ace-b: VC_APP</li>');
      expect(page).toContain('<code>show running-config</code>');
      expect(page).not.toContain('\\n');
      expect(page).toContain('I uploaded them in ANM');
      const overview = await (await fetch(`${base}/`, { signal: AbortSignal.timeout(5_000) })).text();
      expect(overview).toContain(`href="/procedures/ace-a%2Bace-b"`);

      // One bulk acknowledgement (the CLI, through the API) -> re-audits -> both in sync, the alert resolves.
      const ack = await runCli(['procedure', 'ack', PAIR, '--config', cfgFile, '--note', 'synced both in ANM'], {
        env,
        timeoutMs: 30_000,
      });
      expect(ack.stderr).toBe('');
      expect(ack.code).toBe(0);
      expect(ack.stdout).toContain(`acknowledged 2 contexts of ${PAIR}`);
      await until(
        'both peers in sync and the procedure resolved',
        () =>
          DEVICES.every((dev) => app.store.context(dev, 'VC_APP')?.sync === 'in-sync') &&
          procedureAlerts().length === 0,
        30_000,
      );
      for (const t of targets) expect(ctx(t)?.sync).toBe('in-sync');
      expect(lab.anm.state.history).toEqual([]);
      // A second acknowledgement finds nothing open.
      const again = await runCli(['procedure', 'ack', PAIR, '--config', cfgFile], { env, timeoutMs: 30_000 });
      expect(again.code).toBe(1);
      expect(again.stderr).toContain('ACESYNC_NOT_FOUND');
    },
  );

  it(
    'first_audit: adopt with the http strategy: no upload at all; with the service stopped the CLI adopts directly',
    { timeout: 90_000 },
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'acesync-first-day-'));
      current.dir = dir;
      const lab = await startLab({
        syslogPort: await freeUdpPort(),
        snmpPort: await freeUdpPort(),
        snmpEnabled: false,
        httpEnabled: true,
        httpPort: await freeTcpPort(),
        storePath: join(dir, 'acesync.db'),
        rulesPath: RULES,
        baseDir: dir,
        timings: { auditIntervalMs: 60_000, startupSpreadMs: 0, settleMs: 200, jobBackoffMs: 200, tickMs: 50 },
        logLevel: 'silent',
        overrides: { engine: { first_audit: 'adopt' } },
      });
      current.lab = lab;
      const env = { ...lab.env, ACESYNC_TOKEN: TOKEN };
      const app = buildApp({ loaded: lab.loaded, env, logger: silentLogger });
      current.app = app;
      await app.start();
      const targets = DEVICES.flatMap((device) => ['Admin', ...lab.contexts].map((context) => ({ device, context })));
      await until(
        'every context adopted at its first audit',
        () => targets.every((t) => app.store.context(t.device, t.context)?.sync === 'in-sync'),
        30_000,
      ).catch((err: Error) => {
        // Say what each context and job was at the timeout: a flake here must be explainable from the log.
        const states = targets.map((t) => ({
          ...t,
          state: app.store.context(t.device, t.context),
          decisions: app.store.decisions({ device: t.device, context: t.context, limit: 20 }),
        }));
        const jobs = app.jobs.list({ limit: 200 });
        throw new Error(`${err.message}\n${JSON.stringify({ states, jobs }, null, 1)}`);
      });
      for (const t of targets) {
        const states = app.store.decisions({ device: t.device, context: t.context, kinds: ['state'], limit: 100 });
        expect(states.map((d) => [d.rule, d.reason])).toEqual([
          ['audit-adopts-baseline', 'baseline adopted (first_audit: adopt)'],
        ]);
        expect(app.store.anmCopy(t.device, t.context)?.hash).toBe(
          app.store.context(t.device, t.context)?.lastAuditHash,
        );
      }
      expect(lab.anm.state.history).toEqual([]);
      expect(app.jobs.list({ type: 'upload', limit: 100 })).toEqual([]);

      // The service stops; the CLI writes to the database itself (nobody else does now).
      await app.stop();
      current.app = undefined;
      const cfgFile = join(dir, 'acesync.yaml');
      writeFileSync(cfgFile, JSON.stringify(lab.configObject, null, 2));
      const r = await runCli(
        ['baseline', 'adopt', '--config', cfgFile, '--device', 'ace-a', '--reason', 'rechecked offline'],
        { env, timeoutMs: 30_000 },
      );
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('the service is not running');
      const reader = StoreReader.open(join(dir, 'acesync.db'));
      try {
        for (const c of ['Admin', ...lab.contexts]) {
          const adopted = reader
            .decisions('ace-a', c, 100)
            .filter((d) => d.rule === 'baseline-adopted' && (d.kind === 'state' || d.kind === 'note'));
          expect(adopted).toHaveLength(1);
          expect(adopted[0]!.reason).toMatch(
            /^baseline adopted by CLI \(user .+\): rechecked offline \(state was already in-sync\)$/,
          );
        }
        expect(reader.decisions('ace-b', 'VC_APP', 100).filter((d) => d.rule === 'baseline-adopted')).toEqual([]);
      } finally {
        reader.close();
      }
      // A selection that names nothing known is a failure with a clear line, not a crash.
      const none = await runCli(['baseline', 'adopt', '--config', cfgFile, '--context', 'VC_NOPE', '--reason', 'x'], {
        env,
      });
      expect(none.code).toBe(1);
      expect(none.stderr).toContain('ACESYNC_NOT_FOUND: no context matches the selection');
      const usage = await runCli(['baseline', 'adopt', '--config', cfgFile, '--all'], { env });
      expect(usage.code).toBe(2);
      expect(usage.stderr).toContain('--reason TEXT is required');
    },
  );

  it(
    'first_audit: ask with the http strategy: first uploads go to a person, nothing reaches ANM',
    { timeout: 90_000 },
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'acesync-first-day-'));
      current.dir = dir;
      const lab = await startLab({
        syslogPort: await freeUdpPort(),
        snmpPort: await freeUdpPort(),
        snmpEnabled: false,
        httpEnabled: false,
        storePath: join(dir, 'acesync.db'),
        rulesPath: RULES,
        baseDir: dir,
        timings: { auditIntervalMs: 60_000, startupSpreadMs: 0, settleMs: 200, jobBackoffMs: 200, tickMs: 50 },
        logLevel: 'silent',
        overrides: { engine: { first_audit: 'ask' } },
      });
      current.lab = lab;
      const app = buildApp({ loaded: lab.loaded, env: lab.env, logger: silentLogger });
      current.app = app;
      await app.start();
      const targets = DEVICES.flatMap((device) => ['Admin', ...lab.contexts].map((context) => ({ device, context })));
      await until(
        'every first upload waits for a person',
        () => targets.every((t) => app.store.context(t.device, t.context)?.lastUploadOutcome === 'waiting-operator'),
        30_000,
      );
      for (const t of targets) expect(app.store.context(t.device, t.context)?.sync).toBe('stale');
      expect(lab.anm.state.history).toEqual([]);
      const alert = await until("the pair's procedure alert", () =>
        app.notifier.alerts.firing().find((a) => a.alertname === 'manual-procedure'),
      );
      expect(alert.annotations.description).toContain('acesync baseline adopt --device ace-a --device ace-b');
    },
  );
});
