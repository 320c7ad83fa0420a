/**
 * Web fixtures: a real Store on a temporary SQLite file, the real Processor with the default
 * rules (test/rules/helpers.ts harness), the real server built by buildWebServer, and a
 * notifier over the same database. Data is written by pushing events through the processor.
 */
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Config } from '../../src/config/schema.js';
import { IngestCounters } from '../../src/ingest/types.js';
import { silentLogger, type Logger } from '../../src/core/log.js';
import { Notifier } from '../../src/notify/notifier.js';
import { buildWebServer } from '../../src/web/server.js';
import { change, harness, runAudits, tempDir, testConfig, type Harness } from '../engine/helpers.js';

export const TOKEN = 'tok-3f9a1c77e2b04d5e-secret';
export const TOKEN_ENV = 'ACESYNC_TEST_TOKEN';

export interface WebFixture extends Harness {
  app: FastifyInstance;
  dir: string;
  dbPath: string;
  env: NodeJS.ProcessEnv;
  counters: IngestCounters;
  notifier: Notifier;
  auth: { authorization: string };
  shutdown(): Promise<void>;
}

export interface WebFixtureOptions {
  /** null: the token variable is unset. */
  token?: string | null;
  config?: Record<string, unknown>;
  ready?: boolean;
  liveIntervalMs?: number;
  dir?: string;
  /** Extra environment (secrets the test wants to look for). */
  env?: NodeJS.ProcessEnv;
  logger?: Logger;
}

export async function webFixture(o: WebFixtureOptions = {}): Promise<WebFixture> {
  const dir = o.dir ?? tempDir('acesync-web-');
  const dbPath = join(dir, 'acesync.db');
  const config: Config = testConfig({ http: { token_env: TOKEN_ENV }, ...o.config });
  const h = harness({ path: dbPath, config });
  const env: NodeJS.ProcessEnv = { ...o.env, ...(o.token === null ? {} : { [TOKEN_ENV]: o.token ?? TOKEN }) };
  const logger = o.logger ?? silentLogger;
  const counters = new IngestCounters();
  const notifier = new Notifier({
    store: h.store,
    webhooks: config.webhooks,
    clock: h.clock,
    logger,
    externalUrl: 'http://127.0.0.1:8080',
    env,
    random: () => 0.5,
  });
  const app = buildWebServer({
    store: h.store,
    processor: h.processor,
    inventory: h.inventory,
    counters,
    config,
    logger,
    clock: h.clock,
    notifier,
    env,
    liveIntervalMs: o.liveIntervalMs ?? 100,
    readiness: () => ({
      ready: o.ready ?? true,
      checks: { rules: true, listeners: o.ready === false ? 'syslog udp not bound' : true },
    }),
  });
  await app.ready();
  return {
    ...h,
    app,
    dir,
    dbPath,
    env,
    counters,
    notifier,
    auth: { authorization: `Bearer ${TOKEN}` },
    async shutdown() {
      await notifier.stop();
      await app.close();
      h.close();
    },
  };
}

/** A config change on ace1/VC_WEB: suspect on both peers, audited after the settle window. */
export function makeSuspect(f: Harness, command = 'rserver host web1'): void {
  f.feed(change('ace1', 'VC_WEB', command));
}

/** Drive VC_WEB through suspect -> stale (audit differs; upload queued) -> syncing -> in-sync. */
export function driveToInSync(f: Harness): void {
  makeSuspect(f);
  f.advance(6_000);
  runAudits(f, 'differs');
  const uploads = f.store.jobs.claim({ types: ['upload'], limit: 100, perDevice: 100 });
  for (const j of uploads) {
    f.feed({
      kind: 'upload-result',
      transport: 'action',
      device: j.device,
      context: j.context,
      data: { outcome: 'ok', strategy: 'command', jobId: j.id },
    });
    f.store.recordAnmCopy(j.device, j.context, `h-${j.device}-${j.context}`);
    f.store.jobs.complete(j.id, { outcome: 'ok' });
  }
  runAudits(f, 'in-sync');
}
