/**
 * The service wiring (src/app.ts), in process: real UDP syslog in, the processor deciding,
 * the tick loop firing settle windows, and a database that can no longer be written
 * stopping the service through onFatal.
 */
import { createSocket } from 'node:dgram';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { buildApp, type App } from '../../src/app/app.js';
import { configSchema } from '../../src/config/schema.js';
import type { AcesyncError } from '../../src/core/errors.js';
import { silentLogger } from '../../src/core/log.js';
import { DEFAULT_RULES, tempDir } from './helpers.js';

let app: App | undefined;
afterEach(async () => {
  await app?.stop();
  app = undefined;
});

async function until<T>(fn: () => T | undefined, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

function send(port: number, line: string): Promise<void> {
  const s = createSocket('udp4');
  return new Promise<void>((res, rej) =>
    s.send(line, port, '127.0.0.1', (err) => {
      s.close();
      if (err) rej(err);
      else res();
    }),
  );
}

describe('buildApp', () => {
  it('decides on live syslog, fires timers from its loop, and stops on an unwritable database', async () => {
    const dir = tempDir('acesync-app-');
    const config = configSchema.parse({
      rules: DEFAULT_RULES,
      store: { path: join(dir, 'state.db') },
      syslog: { udp: { host: '127.0.0.1', port: 0 }, tcp: { enabled: false } },
      snmp: { enabled: false },
      http: { enabled: false },
      engine: { default_settle_ms: 300, tick_interval_ms: 20, watch_rules: false, jobs: { workers: false } },
      devices: [
        { name: 'ace1', host: '192.0.2.1', peer: 'ace2', contexts: [{ name: 'VC_WEB', sources: ['127.0.0.1'] }] },
        { name: 'ace2', host: '192.0.2.2', peer: 'ace1', contexts: [{ name: 'VC_WEB' }] },
      ],
    });
    app = buildApp({ loaded: { config, baseDir: dir, file: join(dir, 'acesync.yaml') }, logger: silentLogger });
    const fatal: AcesyncError[] = [];
    app.onFatal((e) => fatal.push(e));
    await app.start();
    const udp = app.listeners.flatMap((l) => l.addresses()).find((a) => a.transport === 'udp')!;
    await send(
      udp.port,
      "<189>Mar  1 2026 10:00:00 ace1: %ACE-5-111008: User 'admin' executed the 'rserver host r1' command.",
    );
    await until(() => app!.store.context('ace2', 'VC_WEB')?.sync === 'suspect');
    const jobs = await until(() => {
      const j = app!.jobs.list({ type: 'audit', state: 'pending' });
      return j.length === 2 ? j : undefined;
    });
    expect(jobs.map((j) => j.device).sort()).toEqual(['ace1', 'ace2']);
    expect(app.processor.stats.stored).toBe(1);

    app.store.db.pragma('query_only = ON');
    await send(
      udp.port,
      "<189>Mar  1 2026 10:00:05 ace1: %ACE-5-111008: User 'admin' executed the 'rserver host r2' command.",
    );
    await until(() => fatal.length > 0);
    expect(fatal[0]!.code).toBe('ACESYNC_STORE_WRITE');
    expect(fatal[0]!.message).toMatch(/read-only/);
  });
});
