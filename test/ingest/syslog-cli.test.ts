/** End to end through the built command line: `acesync start --print-events` receiving real syslog. */
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, startCli, waitStarted, type Running } from '../helpers/cli.js';
import { NOISE, relevant, udpSender } from './syslog-helpers.js';

const running: Running[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const r of running.splice(0)) await r.stop();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tempConfig(): string {
  const dir = mkdtempSync(join(tmpdir(), 'acesync-cli-'));
  dirs.push(dir);
  const file = join(dir, 'acesync.yaml');
  writeFileSync(
    file,
    [
      'syslog:',
      '  udp: { host: 127.0.0.1, port: 0 }',
      '  tcp: { enabled: true, host: 127.0.0.1, port: 0 }',
      'snmp: { enabled: false }',
      'http: { enabled: false, port: 0 }',
      `store: { path: ${JSON.stringify(join(dir, 'acesync.db'))} }`,
      `rules: ${JSON.stringify(join(ROOT, 'rules'))}`,
      'devices:',
      '  - name: ace-a',
      '    host: 192.0.2.10',
      '    sources: [127.0.0.1]',
      '    contexts: [{ name: ctx1 }]',
      '',
    ].join('\n'),
  );
  return file;
}

describe('acesync start --print-events', () => {
  it('prints an attributed event for a syslog line sent to the bound UDP port', async () => {
    const r = startCli(['start', '--config', tempConfig(), '--print-events']);
    running.push(r);
    const listeners = await waitStarted(r);
    const udp = listeners.find((l) => l.transport === 'udp');
    const tcp = listeners.find((l) => l.transport === 'tcp');
    expect(udp?.port).toBeGreaterThan(0);
    expect(tcp?.port).toBeGreaterThan(0);

    const s = await udpSender('127.0.0.1');
    try {
      await s.send(NOISE, udp!.port);
      await s.send(relevant('e2e'), udp!.port);
      const e = await r.waitForEvent((x) => x.command === 'rserver host re2e');
      expect(e).toMatchObject({
        kind: 'config-change',
        device: 'ace-a',
        context: 'ctx1',
        source: '127.0.0.1',
        transport: 'udp',
      });
      expect(typeof e.receivedAt).toBe('number');
      // Noise is counted, not printed.
      expect(r.stdout.some((l) => l.includes('302022'))).toBe(false);
    } finally {
      s.close();
    }
    expect(await r.stop()).toBe(0);
  });
});
