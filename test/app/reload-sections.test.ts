/**
 * Reload appliers on a real buildApp (real file, sockets on loopback, SQLite): `poller.enabled` starts the audit
 * scheduler, `engine.jobs.workers` starts the job runner, `snmp.enabled` binds the trap listener, and turning
 * SNMP off again frees its port.
 */
import { createSocket } from 'node:dgram';
import { connect } from 'node:net';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { buildApp, type App } from '../../src/app/app.js';
import { configReloader } from '../../src/app/reload.js';
import { loadConfigFile } from '../../src/config/load.js';
import { silentLogger } from '../../src/core/log.js';
import { freeTcpPort, freeUdpPort, until } from '../helpers/wait.js';
import { tempDir } from '../engine/helpers.js';

let app: App | undefined;
afterEach(async () => {
  await app?.stop();
  app = undefined;
});

async function udpFree(port: number): Promise<boolean> {
  const s = createSocket('udp4');
  try {
    await new Promise<void>((res, rej) => {
      s.once('error', rej);
      s.bind({ port, address: '127.0.0.1', exclusive: true }, () => res());
    });
    return true;
  } catch {
    return false;
  } finally {
    s.close();
  }
}

describe('reload appliers', () => {
  it(
    'starts the scheduler and the workers, binds and frees the SNMP listener, adds syslog TCP',
    { timeout: 60_000 },
    async () => {
      const dir = tempDir('acesync-reload-sections-');
      const file = join(dir, 'acesync.yaml');
      const snmpPort = await freeUdpPort();
      const sshPort = await freeTcpPort();
      const tcpPort = await freeTcpPort();
      const yaml = (o: { poller: boolean; workers: boolean; snmp: boolean; tcp?: boolean }): string =>
        [
          `syslog: { udp: { host: 127.0.0.1, port: 0 }, tcp: { enabled: ${o.tcp ?? false}, host: 127.0.0.1, port: ${tcpPort} } }`,
          `snmp: { enabled: ${o.snmp}, host: 127.0.0.1, port: ${snmpPort} }`,
          'http: { enabled: false }',
          `poller: { enabled: ${o.poller}, interval_ms: 1000, connect_attempts: 1 }`,
          'store: { path: ./state.db }',
          `engine: { watch_rules: false, jobs: { workers: ${o.workers}, backoff_base_ms: 60000 } }`,
          'devices:',
          `  - { name: ace-a, host: 127.0.0.1, ssh: { port: ${sshPort}, connect_timeout_ms: 2000 }, contexts: [{ name: VC_WEB }] }`,
          '',
        ].join('\n');
      writeFileSync(file, yaml({ poller: false, workers: false, snmp: false }));
      const loaded = loadConfigFile(file, {});
      app = buildApp({ loaded, logger: silentLogger, env: {} });
      const reloader = configReloader(app, loaded, {});
      await app.start();
      const a = app;
      const audits = () => a.jobs.list({ type: 'audit', device: 'ace-a' });
      expect(audits()).toEqual([]);

      // 1. The poller on: the scheduler requests the device's first audit (spread over interval_ms); SNMP on.
      writeFileSync(file, yaml({ poller: true, workers: false, snmp: true }));
      const r1 = await reloader.reload('test');
      expect(r1).toMatchObject({ ok: true, listenersRebuilt: ['listener:snmp'], restartNeeded: [] });
      expect(r1.applied).toEqual(expect.arrayContaining(['snmp.enabled', 'poller.enabled']));
      const scheduled = await until('a scheduled audit', () => audits().find((j) => j.state === 'pending'));
      expect(scheduled.attempts).toBe(0);
      expect(await udpFree(snmpPort)).toBe(false);
      expect(app.listeners.flatMap((l) => l.addresses())).toContainEqual(
        expect.objectContaining({ transport: 'snmp', port: snmpPort }),
      );

      // 2. Workers on: the pending audit runs (SSH to a closed loopback port fails; the job is retried later).
      writeFileSync(file, yaml({ poller: true, workers: true, snmp: true }));
      const r2 = await reloader.reload('test');
      expect(r2.applied).toEqual(['engine.jobs.workers']);
      await until('the audit attempted', () => a.jobs.get(scheduled.id)!.attempts > 0);

      // 3. SNMP off: its port is free again.
      writeFileSync(file, yaml({ poller: true, workers: true, snmp: false }));
      const r3 = await reloader.reload('test');
      expect(r3).toMatchObject({ ok: true, listenersRebuilt: ['listener:snmp'] });
      expect(await udpFree(snmpPort)).toBe(true);

      // 4. Syslog over TCP on: the syslog listener is rebuilt with both transports; a connection is accepted.
      writeFileSync(file, yaml({ poller: true, workers: true, snmp: false, tcp: true }));
      const r4 = await reloader.reload('test');
      expect(r4).toMatchObject({ ok: true, listenersRebuilt: ['listener:syslog'], applied: ['syslog.tcp.enabled'] });
      expect(app.listeners.flatMap((l) => l.addresses()).map((x) => x.transport)).toEqual(['udp', 'tcp']);
      const sock = connect(tcpPort, '127.0.0.1');
      await new Promise<void>((res, rej) => sock.once('connect', () => res()).once('error', rej));
      sock.destroy();
    },
  );
});
