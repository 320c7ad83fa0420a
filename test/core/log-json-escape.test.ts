/**
 * The JSON log lines of `acesync start` (the built CLI, npm run build first) carry no raw C0/C1 control, DEL,
 * U+2028 or U+2029 from a device: a hostile syslog line sent over a real UDP socket is logged (`malformed syslog
 * message`, with its raw text) with those characters as \u escapes, so a line-splitting log shipper or a log
 * viewer sees one line and no terminal escape, and JSON.parse gives the exact text back.
 */
import { spawn } from 'node:child_process';
import dgram from 'node:dgram';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { escapeJsonLine } from '../../src/core/log.js';
import { tempDir } from '../engine/helpers.js';
import { CLI, NODE_FLAGS, ROOT } from '../helpers/cli.js';
import { until } from '../helpers/wait.js';

const HOSTILE = 'hostile \u0085NEL \u2028LS \u2029PS \u001b[31mred\u001b[0m \u009b2J \u007f end';
/** What a line-splitting shipper or viewer may treat as a line end, and what drives a terminal. */
const UNSAFE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029]/;

describe('JSON logs escape device controls', () => {
  it('escapeJsonLine is lossless and leaves clean lines alone', () => {
    const line = JSON.stringify({ msg: HOSTILE }) + '\n';
    const out = escapeJsonLine(line);
    expect(out.slice(0, -1)).not.toMatch(UNSAFE);
    expect(JSON.parse(out)).toEqual({ msg: HOSTILE });
    const clean = '{"msg":"plain é ✓"}\n';
    expect(escapeJsonLine(clean)).toBe(clean);
  });

  it('a hostile syslog line over real UDP is logged on one escaped JSON line', { timeout: 30_000 }, async () => {
    const dir = tempDir('acesync-log-escape-');
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
        'devices: [{ name: a, host: 192.0.2.1, sources: [127.0.0.1] }]',
        '',
      ].join('\n'),
    );
    // Raw bytes of stderr, not a line splitter's view of them: the test splits them itself.
    const child = spawn(process.execPath, [...NODE_FLAGS, CLI, 'start', '--config', file], {
      cwd: ROOT,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const chunks: Buffer[] = [];
    child.stderr.on('data', (c: Buffer) => chunks.push(c));
    const text = (): string => Buffer.concat(chunks).toString('utf8');
    try {
      await until('acesync started', () => text().includes('"msg":"acesync started"'), 15_000);
      const started = JSON.parse(
        text()
          .split('\n')
          .find((l) => l.includes('"acesync started"'))!,
      ) as {
        listeners: Array<{ transport: string; port: number }>;
      };
      const port = started.listeners.find((l) => l.transport === 'udp')!.port;
      const sock = dgram.createSocket('udp4');
      await new Promise<void>((res, rej) =>
        sock.send(Buffer.from(HOSTILE, 'utf8'), port, '127.0.0.1', (e) => (e ? rej(e) : res())),
      );
      sock.close();
      await until('the malformed line logged', () => text().includes('malformed syslog message'), 10_000);
      const all = text();
      // The log stream as a strict shipper reads it: every line break it might honour splits.
      const lines = all.split(/\r\n|[\n\r\u0085\u2028\u2029]/).filter((l) => l.length > 0);
      for (const l of lines) {
        expect(l).not.toMatch(UNSAFE);
        expect(() => JSON.parse(l), l).not.toThrow();
      }
      const rec = lines
        .map((l) => JSON.parse(l) as Record<string, unknown>)
        .find((r) => r.msg === 'malformed syslog message')!;
      expect(rec.raw).toBe(HOSTILE);
      expect(all).toContain('\\u0085NEL \\u2028LS \\u2029PS \\u001b[31mred');
    } finally {
      child.kill('SIGTERM');
      await once(child, 'exit');
    }
  });
});
