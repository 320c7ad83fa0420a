/**
 * Logs: level names (not numbers) in JSON, a human format on a terminal or with
 * --log-format pretty, --log-level; the receive-buffer warning's figures.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { prettyLine } from '../../src/core/log.js';
import { recvBufferReport } from '../../src/ingest/recv-buffer.js';
import { UdpSyslogReceiver } from '../../src/ingest/syslog-udp.js';
import { CLI, NODE_FLAGS, runCli, startCli } from '../helpers/cli.js';
import { tempDir } from '../engine/helpers.js';

function config(): string {
  const dir = tempDir('acesync-log-');
  const file = join(dir, 'acesync.yaml');
  writeFileSync(
    file,
    [
      'syslog: { udp: { host: 127.0.0.1, port: 0 }, tcp: { enabled: false } }',
      'snmp: { enabled: false }',
      'http: { enabled: false }',
      'poller: { enabled: false }',
      'anm: { enabled: false }',
      'store: { path: ./s.db }',
      'devices: [{ name: a, host: 192.0.2.1 }]',
      '',
    ].join('\n'),
  );
  return file;
}

describe('acesync start logs', () => {
  it('JSON lines with level names; --log-level debug shows debug records', { timeout: 30_000 }, async () => {
    const r = startCli(['start', '--config', config(), '--log-level', 'debug']);
    try {
      const started = await r.waitForLog((l) => l.msg === 'acesync started');
      expect(started.level).toBe('info');
      await r.waitForLog((l) => l.level === 'debug');
      for (const line of r.stderr) expect(line).not.toMatch(/"level":\d/);
    } finally {
      expect(await r.stop('SIGTERM')).toBe(0);
    }
  });

  it('--log-level warn hides the info records', { timeout: 30_000 }, async () => {
    const r = await runCli(['start', '--config', config(), '--log-level', 'warn'], { timeoutMs: 4_000 });
    expect(r.stderr).not.toContain('acesync started');
    const bad = await runCli(['start', '--config', config(), '--log-level', 'loud']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--log-level must be one of fatal, error, warn, info, debug, trace, silent');
  });

  it('--log-format pretty prints one human line per record', { timeout: 30_000 }, async () => {
    const r = startCli(['start', '--config', config(), '--log-format', 'pretty']);
    try {
      await until(() => r.stderr.some((l) => / INFO {2}acesync started {2}listeners=/.test(l)));
      expect(r.stderr.every((l) => /^\d\d:\d\d:\d\d\.\d{3} [A-Z]+ +\S/.test(l))).toBe(true);
    } finally {
      expect(await r.stop('SIGTERM')).toBe(0);
    }
  });

  it('is pretty by default when stderr is a terminal (script(1) gives it a pty)', { timeout: 30_000 }, () => {
    const script = spawnSync('script', ['--version']);
    if (script.error) {
      if (process.env.CI === 'true') throw new Error('script(1) (util-linux) is required in CI');
      return;
    }
    const cmd = [process.execPath, ...NODE_FLAGS, CLI, 'start', '--config', config(), '--log-level', 'info']
      .map((a) => `'${a}'`)
      .join(' ');
    // `timeout` stops it with SIGTERM once it has started (the output is all we need).
    const out = spawnSync('script', ['-qefc', `timeout -s TERM 4 ${cmd}`, '/dev/null'], { encoding: 'utf8' });
    expect(out.stdout).toMatch(/\d\d:\d\d:\d\d\.\d{3} INFO {2}acesync started/);
    expect(out.stdout).not.toContain('"msg"');
  });
});

async function until(pred: () => boolean, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('prettyLine', () => {
  it('shows fields, and escapes control characters from devices (no terminal escapes)', () => {
    const line = prettyLine(
      JSON.stringify({
        level: 'warn',
        time: '2026-01-01T10:11:12.345Z',
        msg: 'bad \u001b[31mred',
        device: 'a b',
        n: 3,
      }),
    );
    expect(line).toBe('10:11:12.345 WARN  bad \\x1b[31mred  device="a b" n=3\n');
    expect(line).not.toContain('\u001b');
  });
});

describe('receive-buffer warning', () => {
  const rmemMax = Number(readFileSync('/proc/sys/net/core/rmem_max', 'utf8').trim());

  it('states requested, granted and the rmem_max that capped it', () => {
    const r = recvBufferReport('syslog UDP', 2 * rmemMax, 2 * rmemMax, rmemMax, 'linux');
    expect(r.granted).toBe(rmemMax);
    expect(r.message).toBe(
      `syslog UDP receive buffer: requested ${2 * rmemMax} bytes, granted ${rmemMax}: capped by net.core.rmem_max = ${rmemMax}; raise it (sysctl -w net.core.rmem_max=${2 * rmemMax}) to absorb longer stalls`,
    );
    // Granted in full: no warning, whatever the kernel reports (twice the size).
    expect(recvBufferReport('x', 1 << 16, 1 << 17, rmemMax, 'linux').message).toBeUndefined();
  });

  it('a real socket asking for twice rmem_max is granted rmem_max, and says so', async () => {
    const records: Array<Record<string, unknown>> = [];
    const logger = pino(
      { level: 'info' },
      new Writable({
        write(chunk: Buffer, _e, cb) {
          records.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
          cb();
        },
      }),
    );
    const rx = new UdpSyslogReceiver({
      host: '127.0.0.1',
      port: 0,
      recvBufferBytes: 2 * rmemMax,
      logger,
      onMessage: () => undefined,
    });
    await rx.start();
    await rx.stop();
    await new Promise((r) => setImmediate(r));
    const warn = records.find((r) => typeof r.msg === 'string' && r.msg.includes('receive buffer'));
    expect(warn).toMatchObject({ requested: 2 * rmemMax, granted: rmemMax, rmemMax });
    expect(warn!.msg).toContain(`granted ${rmemMax}: capped by net.core.rmem_max = ${rmemMax}`);
  });
});
