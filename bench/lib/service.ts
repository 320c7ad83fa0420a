/**
 * The whole service in this process, as `acesync start` builds it (buildApp: listeners, event queue, processor
 * with the bundled rules, SQLite store, job queue and workers), from a configuration object, for benches that
 * measure it end to end against the ACE simulator.
 */
import { createSocket } from 'node:dgram';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildApp, type App } from '../../src/app/app.js';
import { configSchema } from '../../src/config/schema.js';
import { PRIORITY } from '../../src/core/events.js';
import { silentLogger } from '../../src/core/log.js';

export const RULES = resolve(fileURLToPath(new URL('../../rules', import.meta.url)));

export interface Service {
  app: App;
  dir: string;
  /** Audit jobs pending or running. */
  activeAudits(): number;
  /** Ask for a full audit of each device the way the audit scheduler does (same job, same priority). */
  requestAudits(devices: string[], reason: string): void;
  stop(): Promise<void>;
}

export async function freeUdpPort(): Promise<number> {
  const s = createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
  const port = s.address().port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/**
 * Build and start the service. Its own audit scheduler is stopped once started: the bench asks for the audits
 * it measures (through the same job queue, with the scheduler's job and priority), so no startup audit spread
 * over the first 30 s lands in the middle of a measurement.
 */
export async function startService(
  object: Record<string, unknown>,
  env: NodeJS.ProcessEnv,
  dir = mkdtempSync(join(os.tmpdir(), 'acesync-bench-svc-')),
): Promise<Service> {
  const config = configSchema.parse({ log: { level: 'silent' }, ...object });
  const app = buildApp({ loaded: { config, baseDir: dir }, env: { ...process.env, ...env }, logger: silentLogger });
  await app.start();
  app.actions.scheduler.stop();
  const count = (state: 'pending' | 'running'): number =>
    app.jobs.list({ type: 'audit', state, limit: 100_000 }).length;
  return {
    app,
    dir,
    activeAudits: () => count('pending') + count('running'),
    requestAudits(devices, reason) {
      for (const device of devices)
        app.jobs.enqueue({ type: 'audit', device, priority: PRIORITY.scheduled, payload: { reasons: [reason] } });
      app.actions.runner.kick();
    },
    async stop() {
      await app.stop().catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Poll `fn` every `everyMs` until it returns true; throw naming `what` after `ms`. */
export async function waitFor(what: string, fn: () => boolean, ms: number, everyMs = 50): Promise<void> {
  const end = Date.now() + ms;
  while (!fn()) {
    if (Date.now() > end) throw new Error(`timed out after ${ms / 1000} s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
