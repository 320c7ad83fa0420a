/**
 * A webhook receiver that is down when an alert fires: acesync (in-process, real UDP
 * syslog, real SQLite, real HTTP) keeps the notification in its outbox and retries with
 * backoff while the port refuses connections; once a receiver listens there, the same
 * notification (the same bytes) is delivered, exactly once.
 */
import { createSocket } from 'node:dgram';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildApp, type App } from '../../src/app/app.js';
import { configSchema } from '../../src/config/schema.js';
import { silentLogger } from '../../src/core/log.js';
import { freeTcpPort, RULES, TempDirs, until } from './helpers.js';

const dirs = new TempDirs();
let app: App | undefined;
let receiver: Server | undefined;
afterAll(async () => {
  await app?.stop();
  if (receiver) {
    receiver.closeAllConnections();
    await new Promise<void>((r) => receiver!.close(() => r()));
  }
  dirs.removeAll();
});

describe('webhook receiver down', () => {
  it(
    'the alert waits in the outbox, is retried with backoff, and is delivered once the receiver is back',
    { timeout: 40_000 },
    async () => {
      const dir = dirs.make('acesync-hook-');
      const port = await freeTcpPort();
      const config = configSchema.parse({
        syslog: { udp: { host: '127.0.0.1', port: 0 }, tcp: { enabled: false } },
        snmp: { enabled: false },
        http: { enabled: false },
        store: { path: join(dir, 'acesync.db') },
        rules: RULES,
        poller: { enabled: false },
        anm: { enabled: false },
        // No SSH: the audits the rules ask for are queued, not run.
        engine: { watch_rules: false, tick_interval_ms: 50, jobs: { workers: false } },
        devices: [{ name: 'ace-w', host: '127.0.0.1', contexts: [{ name: 'VC_W', sources: ['127.0.0.1'] }] }],
        webhooks: [
          {
            name: 'ops',
            url: `http://127.0.0.1:${port}/hook`,
            group_wait_ms: 100,
            group_interval_ms: 1_000,
            backoff_base_ms: 200,
            backoff_max_ms: 1_000,
            timeout_ms: 1_000,
            max_attempts: 30,
          },
        ],
      });
      app = buildApp({ loaded: { config, baseDir: dir }, logger: silentLogger });
      await app.start();
      const udp = app.listeners.flatMap((l) => l.addresses()).find((a) => a.transport === 'udp')!;
      const sock = createSocket('udp4');
      await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
      sock.send(
        "<165>Nov 25 2026 10:00:00 VC_W: %ACE-5-111008: User 'admin' executed the 'no logging enable' command.",
        udp.port,
        '127.0.0.1',
      );
      const outbox = app.notifier.outbox;
      await until('an alert raised and its delivery attempted and refused twice', () => {
        const d = outbox.deliveries({ webhook: 'ops' })[0];
        return d !== undefined && d.status === 'pending' && d.attempts >= 2;
      });
      sock.close();
      const waiting = outbox.deliveries({ webhook: 'ops' })[0]!;
      expect(waiting.lastError).toMatch(/refused|ECONNREFUSED|fetch failed|connect/i);
      expect(waiting.body).toContain('no logging enable');

      // The receiver comes back on the same port.
      const got: Array<{ body: string }> = [];
      receiver = createServer((req, res) => {
        let body = '';
        req.on('data', (c: Buffer) => (body += c.toString('utf8')));
        req.on('end', () => {
          got.push({ body });
          res.writeHead(200).end('ok');
        });
      });
      await new Promise<void>((r) => receiver!.listen(port, '127.0.0.1', () => r()));
      await until('the notification delivered', () => outbox.delivery(waiting.id)?.status === 'sent', 20_000);
      const sent = outbox.delivery(waiting.id)!;
      expect(sent.attempts).toBeGreaterThanOrEqual(3);
      expect(got).toHaveLength(1);
      // The same bytes that waited in the outbox.
      expect(got[0]!.body).toBe(waiting.body);
      const payload = JSON.parse(got[0]!.body) as {
        status: string;
        alerts: Array<{ labels: Record<string, string>; annotations: Record<string, string> }>;
      };
      expect(payload.status).toBe('firing');
      expect(
        payload.alerts.some(
          (a) => a.labels.device === 'ace-w' && /no logging enable/.test(a.annotations.summary ?? ''),
        ),
      ).toBe(true);
      // Nothing sent twice afterwards.
      await new Promise((r) => setTimeout(r, 500));
      expect(got).toHaveLength(1);
    },
  );
});
