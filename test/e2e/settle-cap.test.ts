/**
 * A steady stream of changes must not keep a settle window open for ever: the trailing window of
 * `config-change-marks-suspect` (rules/config-change.yaml, `audit: { settle: default }`) is capped by
 * `engine.max_settle_ms` (a rule's own `max_wait` when it gives one), so the audit runs no later than the cap
 * after the first change, while the changes keep coming. End to end: a simulated ACE pair and ANM on loopback
 * (src/demo/lab.ts), acesync built with buildApp on the bundled rules, real 111008 lines over UDP every 200 ms
 * from the context's own source address for four times the cap, real SSH audits.
 */
import { createSocket, type Socket } from 'node:dgram';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { buildApp, type App } from '../../src/app/app.js';
import { silentLogger } from '../../src/core/log.js';
import { demoSourceAddress } from '../../src/demo/spec.js';
import { startLab, type Lab } from '../../src/demo/lab.js';
import { freeUdpPort, until } from '../helpers/wait.js';

const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const SETTLE_MS = 1_000;
const CAP_MS = 2_000;
const EVERY_MS = 200;
const STREAM_MS = 4 * CAP_MS;
/** Tick granularity, the job runner's pickup and a loaded CI machine. */
const SLACK_MS = 1_500;

let current: { app?: App; lab?: Lab; dir?: string; sock?: Socket } = {};
afterEach(async () => {
  current.sock?.close();
  await current.app?.stop().catch(() => undefined);
  await current.lab?.stop();
  if (current.dir) rmSync(current.dir, { recursive: true, force: true });
  current = {};
});

describe('settle window cap (engine.max_settle_ms)', () => {
  it(
    'a 111008 every 200 ms for 4x the cap: the audit runs within the cap of the first change, during the stream',
    { timeout: 90_000 },
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'acesync-settle-cap-'));
      current.dir = dir;
      const [syslogPort, snmpPort] = [await freeUdpPort(), await freeUdpPort()];
      const lab = await startLab({
        syslogPort,
        snmpPort,
        snmpEnabled: false,
        httpEnabled: false,
        storePath: join(dir, 'acesync.db'),
        rulesPath: join(ROOT, 'rules'),
        baseDir: dir,
        timings: { auditIntervalMs: 600_000, settleMs: SETTLE_MS, jobBackoffMs: 200, tickMs: 50 },
        logLevel: 'silent',
        overrides: { engine: { max_settle_ms: CAP_MS } },
      });
      current.lab = lab;
      const app = buildApp({ loaded: lab.loaded, env: lab.env, logger: silentLogger });
      current.app = app;
      await app.start();
      const targets = ['ace-a', 'ace-b'].map((device) => ({ device, context: 'VC_WEB' }));
      // Seeded first (the startup audits, uploads and confirmations), so nothing else is owed when the stream starts.
      app.actions.scheduler.stop();
      for (const device of ['ace-a', 'ace-b'])
        app.jobs.enqueue({ type: 'audit', device, priority: 0, payload: { reasons: ['test seed'] } });
      app.actions.runner.kick();
      await until(
        'both peers seeded and in sync, nothing pending',
        () =>
          targets.every((t) => app.store.context(t.device, t.context)?.sync === 'in-sync') &&
          app.jobs.counts().pending + app.jobs.counts().running === 0 &&
          !app.store.timers().some((t) => t.kind === 'settle'),
        60_000,
      );

      // VC_WEB of ace-a logs from its own address: bind there so the lines are attributed to it.
      const sock = createSocket('udp4');
      current.sock = sock;
      await new Promise<void>((r) => sock.bind(0, demoSourceAddress(0, 1), () => r()));
      const send = (n: number): Promise<void> =>
        new Promise((res, rej) =>
          sock.send(
            `<189>%ACE-5-111008: User 'admin' executed the 'rserver host STREAM-${n}' command.`,
            syslogPort,
            '127.0.0.1',
            (err) => (err ? rej(err) : res()),
          ),
        );
      const first = Date.now();
      let last = first;
      let n = 0;
      while (Date.now() - first < STREAM_MS) {
        await send(++n);
        last = Date.now();
        await new Promise((r) => setTimeout(r, EVERY_MS));
      }
      // Every line arrived and was decided on (a lost datagram would thin the stream, never make the test pass).
      await until(
        'every line decided on',
        () =>
          app.store
            .decisions({ device: 'ace-a', context: 'VC_WEB', kinds: ['match'], limit: 1000 })
            .filter((d) => d.rule === 'config-change-marks-suspect' && d.at >= first).length === n,
        10_000,
      );
      for (const t of targets) {
        const fired = app.store
          .decisions({ device: t.device, context: t.context, kinds: ['action'], limit: 1000 })
          .filter((d) => d.action === 'audit' && d.at >= first && d.reason?.startsWith('settle window elapsed'))
          .sort((x, y) => x.at - y.at);
        // Without the cap the trailing window would move on with every line and fire only after the stream.
        const during = fired.filter((d) => d.at <= last);
        expect(during.length, `${t.device}: settle windows elapsed during the stream`).toBeGreaterThanOrEqual(2);
        expect(during[0]!.at - first, `${t.device}: first audit asked for`).toBeLessThanOrEqual(CAP_MS + SLACK_MS);
        // The audit asked for at the cap ran during the stream: its job started before the last line was sent.
        const job = app.jobs.get((during[0]!.detail as { job: number }).job)!;
        expect(job.type).toBe('audit');
        await until(`${t.device}: the capped audit done`, () => app.jobs.get(job.id)?.state === 'done', 20_000);
        expect(app.jobs.get(job.id)!.startedAt!).toBeLessThan(last);
      }
      // Once the stream stops, the last window settles and both peers are confirmed in sync.
      await until(
        'both peers confirmed after the stream',
        () =>
          targets.every((t) => app.store.context(t.device, t.context)?.sync === 'in-sync') &&
          !app.store.timers().some((t) => t.kind === 'settle'),
        30_000,
      );
    },
  );
});
