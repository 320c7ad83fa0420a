/**
 * The lifecycle runner (src/app/component.ts) and buildApp's use of it: order, reverse stop, rollback of a failed
 * start over real sockets and a real database file.
 */
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { buildApp, type App } from '../../src/app/app.js';
import { Lifecycle, type Component } from '../../src/app/component.js';
import { configSchema } from '../../src/config/schema.js';
import { pino } from 'pino';
import { silentLogger } from '../../src/core/log.js';
import { DEFAULT_RULES, tempDir } from '../engine/helpers.js';
import { freeUdpPort } from '../helpers/wait.js';
import { Writable } from 'node:stream';
import { createSocket } from 'node:dgram';

function recorder(names: string[], log: string[], failStart?: string, failStop?: string): Component[] {
  return names.map((name) => ({
    name,
    start: async () => {
      await Promise.resolve();
      if (name === failStart) throw new Error(`${name} cannot start`);
      log.push(`start ${name}`);
    },
    stop: () => {
      if (name === failStop) throw new Error(`${name} cannot stop`);
      log.push(`stop ${name}`);
    },
  }));
}

describe('Lifecycle', () => {
  it('starts in order, stops in reverse, and a second stop does nothing', async () => {
    const log: string[] = [];
    const l = new Lifecycle(recorder(['a', 'b', 'c'], log), silentLogger);
    expect(l.names).toEqual(['a', 'b', 'c']);
    await l.start();
    expect(l.running).toEqual(['a', 'b', 'c']);
    await l.stop();
    await l.stop();
    expect(log).toEqual(['start a', 'start b', 'start c', 'stop c', 'stop b', 'stop a']);
    expect(l.running).toEqual([]);
  });

  it('a failing start stops those already started, in reverse, and rethrows', async () => {
    const log: string[] = [];
    const l = new Lifecycle(recorder(['a', 'b', 'c', 'd'], log, 'c'), silentLogger);
    await expect(l.start()).rejects.toThrow('c cannot start');
    expect(log).toEqual(['start a', 'start b', 'stop b', 'stop a']);
    expect(l.running).toEqual([]);
  });

  it('a failing stop does not keep the others from stopping; the failure is rethrown at the end', async () => {
    const log: string[] = [];
    const l = new Lifecycle(recorder(['a', 'b', 'c'], log, undefined, 'b'), silentLogger);
    await l.start();
    await expect(l.stop()).rejects.toThrow('b cannot stop');
    expect(log).toEqual(['start a', 'start b', 'start c', 'stop c', 'stop a']);
  });

  it('logs each step with its name and duration', async () => {
    const lines: Array<{ component?: string; ms?: number; msg: string }> = [];
    const sink = new Writable({
      write(chunk, _enc, cb) {
        for (const l of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(l));
        cb();
      },
    });
    const logger = pino({ level: 'debug' }, sink);
    const l = new Lifecycle(recorder(['x', 'y'], []), logger);
    await l.start();
    await l.stop();
    const steps = lines.filter((x) => x.component !== undefined).map((x) => `${x.msg} ${x.component}`);
    expect(steps).toEqual(['component started x', 'component started y', 'component stopped y', 'component stopped x']);
    expect(lines.every((x) => x.component === undefined || typeof x.ms === 'number')).toBe(true);
  });

  it('refuses two components with one name', () => {
    expect(() => new Lifecycle(recorder(['a', 'a'], []), silentLogger)).toThrow(/two components/);
  });
});

describe('buildApp lifecycle', () => {
  let app: App | undefined;
  let blocker: Server | undefined;
  afterEach(async () => {
    await app?.stop();
    app = undefined;
    await new Promise<void>((r) => (blocker ? blocker.close(() => r()) : r()));
    blocker = undefined;
  });

  it('when the web server cannot bind, the listeners already bound are released and the database closed', async () => {
    blocker = createServer();
    await new Promise<void>((r) => blocker!.listen(0, '127.0.0.1', () => r()));
    const httpPort = (blocker.address() as { port: number }).port;
    const syslogPort = await freeUdpPort();
    const dir = tempDir('acesync-lifecycle-');
    const config = configSchema.parse({
      rules: DEFAULT_RULES,
      store: { path: join(dir, 'state.db') },
      syslog: { udp: { host: '127.0.0.1', port: syslogPort }, tcp: { enabled: false } },
      snmp: { enabled: false },
      http: { host: '127.0.0.1', port: httpPort },
      engine: { watch_rules: false, jobs: { workers: false } },
      devices: [{ name: 'ace1', host: '192.0.2.1', contexts: [{ name: 'VC_WEB', sources: ['127.0.0.1'] }] }],
    });
    app = buildApp({ loaded: { config, baseDir: dir, file: join(dir, 'acesync.yaml') }, logger: silentLogger });
    expect(app.components.indexOf('listener:syslog')).toBeLessThan(app.components.indexOf('web'));
    expect(app.components[0]).toBe('store');
    expect(app.components.at(-1)).toBe('ready');
    await expect(app.start()).rejects.toThrow();
    expect(app.store.closed).toBe(true);
    // The syslog port was bound by the listener and is free again.
    const probe = createSocket('udp4');
    await new Promise<void>((res, rej) => {
      probe.once('error', rej);
      probe.bind(syslogPort, '127.0.0.1', () => res());
    });
    await new Promise<void>((r) => probe.close(() => r()));
    await app.stop(); // nothing left to stop
  });

  it('stop without start closes the database buildApp opened', async () => {
    const dir = tempDir('acesync-lifecycle-');
    const config = configSchema.parse({
      rules: DEFAULT_RULES,
      store: { path: join(dir, 'state.db') },
      syslog: { udp: { enabled: false }, tcp: { enabled: false } },
      snmp: { enabled: false },
      http: { enabled: false },
      engine: { watch_rules: false, jobs: { workers: false } },
      devices: [{ name: 'ace1', host: '192.0.2.1', contexts: [{ name: 'VC_WEB' }] }],
    });
    app = buildApp({ loaded: { config, baseDir: dir, file: join(dir, 'acesync.yaml') }, logger: silentLogger });
    expect(app.store.closed).toBe(false);
    expect(app.components).not.toContain('web');
    await app.stop();
    expect(app.store.closed).toBe(true);
  });
});
