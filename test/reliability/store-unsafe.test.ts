/**
 * Store faults that must never leave a half-state (issue 12, item 5), with the real
 * `acesync start` as a child process (`npm run build` first) and real SQLite files:
 *
 * - an existing 0-byte or non-SQLite database file refuses to start (exit 2) with a
 *   message saying what would be lost; `--init` starts on a new database (a non-SQLite
 *   file is kept beside it, never deleted);
 * - a write failure in the job runner (SQLite's own SQLITE_READONLY, from
 *   `PRAGMA query_only` on the live connection) reaches the app's fatal exit, and no
 *   promise rejection goes unhandled.
 */
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import net from 'node:net';
import { pino } from 'pino';
import { runCli, startCli, waitStarted, type Running } from '../helpers/cli.js';
import { RULES, TempDirs, until } from './helpers.js';
import { buildApp, type App } from '../../src/app/app.js';
import { configSchema } from '../../src/config/schema.js';
import type { AcesyncError } from '../../src/core/errors.js';

const dirs = new TempDirs();
let cli: Running | undefined;
afterEach(async () => {
  await cli?.stop('SIGKILL');
  cli = undefined;
});
afterAll(() => dirs.removeAll());

function configObject(dbPath: string): Record<string, unknown> {
  return {
    log: { level: 'info' },
    syslog: { udp: { host: '127.0.0.1', port: 0 }, tcp: { enabled: false } },
    snmp: { enabled: false },
    http: { enabled: false },
    store: { path: dbPath },
    rules: RULES,
    anm: { enabled: false },
    engine: { watch_rules: false, jobs: { workers: false } },
    devices: [{ name: 'ace-d', host: '127.0.0.1', contexts: [{ name: 'VC_D', sources: ['127.0.0.1'] }] }],
  };
}

function writeConfig(dir: string, dbPath: string): string {
  const file = join(dir, 'acesync.yaml');
  writeFileSync(file, JSON.stringify(configObject(dbPath)));
  return file;
}

const SQLITE = 'SQLite format 3\u0000';

describe('an existing database file that is empty or not SQLite', () => {
  it('0 bytes: exit 2 saying what would be lost, the file untouched; --init starts on a new database', async () => {
    const dir = dirs.make('acesync-empty-db-');
    const dbPath = join(dir, 'acesync.db');
    writeFileSync(dbPath, '');
    const cfg = writeConfig(dir, dbPath);
    const r = await runCli(['start', '--config', cfg], { cwd: dir, timeoutMs: 20_000 });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('ACESYNC_STORE_UNSAFE');
    expect(r.stderr).toContain(dbPath);
    expect(r.stderr).toMatch(/empty \(0 bytes\)/);
    expect(r.stderr).toMatch(/host keys trusted on first use/);
    expect(r.stderr).toMatch(/ANM baseline/);
    expect(r.stderr).toContain('--init');
    expect(statSync(dbPath).size).toBe(0);

    cli = startCli(['start', '--config', cfg, '--init'], { cwd: dir });
    await waitStarted(cli);
    expect(await cli.stop('SIGTERM')).toBe(0);
    cli = undefined;
    expect(readFileSync(dbPath).subarray(0, 16).toString('latin1')).toBe(SQLITE);
    // A second start on the now sound database needs no --init.
    cli = startCli(['start', '--config', cfg], { cwd: dir });
    await waitStarted(cli);
    expect(await cli.stop('SIGTERM')).toBe(0);
    cli = undefined;
  }, 60_000);

  it('not SQLite: exit 2; --init keeps the file beside the new database', async () => {
    const dir = dirs.make('acesync-foreign-db-');
    const dbPath = join(dir, 'acesync.db');
    writeFileSync(dbPath, 'host keys and baselines were here\n'.repeat(100));
    const cfg = writeConfig(dir, dbPath);
    const r = await runCli(['start', '--config', cfg], { cwd: dir, timeoutMs: 20_000 });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('ACESYNC_STORE_UNSAFE');
    expect(r.stderr).toMatch(/is not an SQLite database/);

    cli = startCli(['start', '--config', cfg, '--init'], { cwd: dir });
    await waitStarted(cli);
    expect(await cli.stop('SIGTERM')).toBe(0);
    cli = undefined;
    const aside = readdirSync(dir).filter((f) => f.startsWith('acesync.db.unsafe-'));
    expect(aside).toHaveLength(1);
    expect(readFileSync(join(dir, aside[0]!), 'utf8')).toContain('host keys and baselines were here');
    expect(existsSync(dbPath) && readFileSync(dbPath).subarray(0, 16).toString('latin1')).toBe(SQLITE);
  }, 60_000);
});

describe('a store write failure in the job runner', () => {
  it('reaches the fatal exit (ACESYNC_STORE_WRITE), never an unhandled rejection', async () => {
    const dir = dirs.make('acesync-runner-fault-');
    const obj = configObject(join(dir, 'acesync.db'));
    // Workers on, against an "SSH server" that accepts and never answers: the audit job is in
    // flight when the database turns read-only, and fails (connect timeout) after it, so the
    // runner's recording of its outcome is a write that fails.
    const silent = net.createServer((s) => s.on('error', () => undefined));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', () => r()));
    const sshPort = (silent.address() as net.AddressInfo).port;
    obj.engine = { watch_rules: false, jobs: { workers: true, backoff_base_ms: 10_000 } };
    obj.devices = [
      {
        name: 'ace-d',
        host: '127.0.0.1',
        contexts: [{ name: 'VC_D', sources: ['127.0.0.1'] }],
        ssh: { port: sshPort, password_env: 'ACESYNC_TEST_PW', connect_timeout_ms: 1500 },
      },
    ];
    obj.poller = { interval_ms: 3_600_000, connect_attempts: 1 };
    const logs: Array<Record<string, unknown>> = [];
    const logger = pino({ level: 'info' }, { write: (l: string) => void logs.push(JSON.parse(l)) });
    const unhandled: unknown[] = [];
    const onUnhandled = (r: unknown): void => void unhandled.push(r);
    process.on('unhandledRejection', onUnhandled);
    const app = buildApp({
      loaded: { config: configSchema.parse(obj), baseDir: dir },
      env: { ACESYNC_TEST_PW: 'x' },
      logger,
    });
    try {
      const fatal: AcesyncError[] = [];
      app.onFatal((e) => fatal.push(e));
      await app.start();
      // The database turns read-only under the running service (SQLite refuses every write).
      const { job } = app.jobs.enqueue({
        type: 'audit',
        device: 'ace-d',
        priority: 100,
        payload: { reasons: ['test'] },
      });
      app.actions.runner.kick();
      await until(
        'the audit job running',
        () => app.jobs.list({ state: 'running' }).some((j) => j.id === job.id),
        10_000,
      );
      app.store.db.pragma('query_only = ON');
      const runnerSaid = (): boolean => logs.some((l) => l.msg === 'the job queue cannot be written: stopping');
      await until('the fatal exit, from the runner', () => fatal.length > 0 && runnerSaid(), 20_000);
      // The job's attempt ends (connect timeout) after the database turned read-only.
      await until('the audit attempt over', () => logs.some((l) => /audit failed/.test(String(l.msg))), 10_000);
      expect(fatal[0]!.code).toBe('ACESYNC_STORE_WRITE');
      // Give a stray rejection a turn of the event loop to surface.
      await new Promise((r) => setTimeout(r, 200));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
      app.store.db.pragma('query_only = OFF');
      await app.stop().catch(() => undefined);
      silent.close();
    }
  }, 40_000);
});

describe('store write failures in the notifier and in web actions', () => {
  /** acesync in process, HTTP on, workers off; returns the app, its logs and its fatal errors. */
  async function service(): Promise<{ app: App; logs: Array<Record<string, unknown>>; fatal: AcesyncError[] }> {
    const dir = dirs.make('acesync-writer-fault-');
    const obj = configObject(join(dir, 'acesync.db'));
    obj.http = { enabled: true, host: '127.0.0.1', port: 0, token_env: 'ACESYNC_TEST_TOKEN' };
    const logs: Array<Record<string, unknown>> = [];
    const logger = pino({ level: 'info' }, { write: (l: string) => void logs.push(JSON.parse(l)) });
    const app = buildApp({
      loaded: { config: configSchema.parse(obj), baseDir: dir },
      env: { ACESYNC_TEST_TOKEN: 'tok-store-fault' },
      logger,
    });
    const fatal: AcesyncError[] = [];
    app.onFatal((e) => fatal.push(e));
    await app.start();
    return { app, logs, fatal };
  }

  it('the notifier: an alert it cannot record stops the service (not a log line a minute)', async () => {
    const { app, logs, fatal } = await service();
    try {
      // In one synchronous step: an alert job waits, and the database turns read-only.
      app.jobs.enqueue({
        type: 'alert',
        device: 'ace-d',
        context: 'VC_D',
        dedupe: 'test',
        priority: 100,
        payload: { severity: 'warning', summary: 'test alert', labels: { alertname: 'test' }, rule: 'test' },
      });
      app.store.db.pragma('query_only = ON');
      const said = (): boolean => logs.some((l) => l.msg === 'the notifier cannot write the state database: stopping');
      await until('the fatal exit, from the notifier', () => fatal.length > 0 && said(), 10_000);
      expect(fatal[0]!.code).toBe('ACESYNC_STORE_WRITE');
    } finally {
      app.store.db.pragma('query_only = OFF');
      await app.stop().catch(() => undefined);
    }
  });

  it('a web action: the request gets 503 and the service stops', async () => {
    const { app, logs, fatal } = await service();
    try {
      app.store.db.pragma('query_only = ON');
      const r = await app.web!.inject({
        method: 'POST',
        url: '/api/v1/contexts/ace-d/VC_D/resync',
        headers: { authorization: 'Bearer tok-store-fault' },
        payload: {},
      });
      expect(r.statusCode).toBe(503);
      expect(r.json()).toMatchObject({ code: 'ACESYNC_STORE_WRITE' });
      await until('the fatal exit', () => fatal.length > 0, 5_000);
      expect(fatal[0]!.code).toBe('ACESYNC_STORE_WRITE');
      expect(logs.some((l) => l.msg === 'a request could not write the state database: stopping')).toBe(true);
    } finally {
      app.store.db.pragma('query_only = OFF');
      await app.stop().catch(() => undefined);
    }
  });
});
