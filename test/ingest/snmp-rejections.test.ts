import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { pino } from 'pino';
import snmp from 'net-snmp';
import { ManualClock } from '../../src/core/clock.js';
import {
  classifyReceiverError,
  outcomeOf,
  reasonOfReport,
  rejectedUser,
  RejectionLog,
} from '../../src/ingest/snmp-rejections.js';

function capture() {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const l of chunk.toString().split('\n')) if (l) lines.push(JSON.parse(l) as Record<string, unknown>);
      cb();
    },
  });
  return { lines, logger: pino({ level: 'info' }, stream) };
}

describe('classifyReceiverError: net-snmp errors -> reasons', () => {
  // ProcessingError (garbage datagrams) is not exported: the receiver tests send real garbage.
  const ProcessingError = class extends Error {
    override name = 'ProcessingError';
  };
  // The error classes net-snmp itself exports, with the messages it produces (index.js 3.29.2).
  const { RequestFailedError, ResponseInvalidError, RequestInvalidError } = snmp as unknown as Record<
    string,
    new (...a: unknown[]) => Error
  >;
  it('maps each rejection', () => {
    expect(
      classifyReceiverError(new RequestFailedError!('Local community not found for message with community wrong')),
    ).toBe('unknown-community');
    expect(classifyReceiverError(new RequestFailedError!('Local user not found for message with user bob'))).toBe(
      'unknown-user',
    );
    expect(
      classifyReceiverError(
        new RequestFailedError!('Local user alice requires authentication but message does not provide it'),
      ),
    ).toBe('auth-required');
    expect(
      classifyReceiverError(
        new RequestFailedError!('Local user alice requires privacy but message does not provide it'),
      ),
    ).toBe('priv-required');
    expect(classifyReceiverError(new ResponseInvalidError!('Failed to decrypt PDU', 4))).toBe('undecryptable');
    expect(classifyReceiverError(new ResponseInvalidError!('Authentication digest x does not match', 5))).toBe(
      'bad-digest',
    );
    expect(classifyReceiverError(new ProcessingError('Failure to process incoming message'))).toBe('malformed');
    expect(classifyReceiverError(new RequestInvalidError!('Unexpected PDU type 160'))).toBe('unexpected-pdu');
    expect(classifyReceiverError(new Error('?'))).toBe('receiver-error');
    expect(classifyReceiverError('string')).toBe('receiver-error');
  });

  it('outcomes and USM reports', () => {
    expect(outcomeOf('bad-digest')).toBe('rejected-auth');
    expect(outcomeOf('unknown-community')).toBe('rejected-auth');
    expect(outcomeOf('malformed')).toBe('malformed');
    expect(outcomeOf('unknown-source')).toBe('dropped-unknown-source');
    expect(reasonOfReport('1.3.6.1.6.3.15.1.1.3.0')).toBe('unknown-user');
    expect(reasonOfReport('1.3.6.1.6.3.15.1.1.4.0')).toBeUndefined(); // engine discovery is normal
  });

  it('extracts the rejected user name, bounded and printable', () => {
    expect(rejectedUser(new Error('Local user not found for message with user bob'))).toBe('bob');
    expect(rejectedUser(new Error('Local user alice requires privacy but message does not provide it'))).toBe('alice');
    expect(rejectedUser(new Error('Local user not found for message with user ' + 'z'.repeat(500)))!.length).toBe(64);
  });
});

describe('RejectionLog', () => {
  it('logs once per source per interval, counts everything, and reports what it held back', () => {
    const clock = new ManualClock();
    const { lines, logger } = capture();
    const log = new RejectionLog({ logger, clock, intervalMs: 60_000 });
    for (let i = 0; i < 50; i++) log.record('10.0.0.1', 'unknown-community');
    log.record('10.0.0.2', 'bad-digest');
    logger.flush();
    expect(lines.filter((l) => l.source === '10.0.0.1')).toHaveLength(1);
    expect(lines.filter((l) => l.source === '10.0.0.2')).toHaveLength(1);
    clock.advance(59_000);
    log.record('10.0.0.1', 'undecryptable');
    expect(lines.filter((l) => l.source === '10.0.0.1')).toHaveLength(1);
    clock.advance(2_000);
    log.record('10.0.0.1', 'undecryptable');
    const last = lines.filter((l) => l.source === '10.0.0.1').at(-1)!;
    expect(lines.filter((l) => l.source === '10.0.0.1')).toHaveLength(2);
    expect(last.since_last_log).toEqual({ 'unknown-community': 49, undecryptable: 2 });
    expect(log.breakdown()).toEqual(
      expect.arrayContaining([
        { source: '10.0.0.1', reason: 'unknown-community', count: 50 },
        { source: '10.0.0.1', reason: 'undecryptable', count: 2 },
        { source: '10.0.0.2', reason: 'bad-digest', count: 1 },
      ]),
    );
    expect(log.total()).toBe(53);
  });

  it('bounds the sources it tracks', () => {
    const { logger } = capture();
    const log = new RejectionLog({ logger, clock: new ManualClock(), intervalMs: 60_000, maxSources: 10 });
    for (let i = 0; i < 1000; i++) log.record(`10.1.${i >> 8}.${i & 255}`, 'malformed');
    const sources = new Set(log.breakdown().map((b) => b.source));
    expect(sources.size).toBeLessThanOrEqual(11);
    expect(sources.has('other')).toBe(true);
    expect(log.total('malformed')).toBe(1000);
  });
});

describe('RejectionLog: the global cap', () => {
  it('5,000 spoofed sources give 10 lines and, after the window, one summary naming the rest', () => {
    const { lines, logger } = capture();
    const clock = new ManualClock(1_000_000);
    const log = new RejectionLog({ logger, clock, intervalMs: 60_000 });
    for (let i = 0; i < 5_000; i++) log.record(`198.51.${i >> 8}.${i & 255}`, 'unknown-community');
    expect(lines.filter((l) => l.msg === 'SNMP notification rejected')).toHaveLength(10);
    expect(log.total('unknown-community')).toBe(5_000);
    // Nothing more until the window is over, however long the flood.
    log.flush();
    clock.advance(59_999);
    log.flush();
    expect(lines).toHaveLength(10);
    clock.advance(1);
    log.flush();
    expect(lines).toHaveLength(11);
    const summary = lines[10]!;
    expect(summary.msg).toBe(
      '4990 more SNMP notifications rejected (unknown-community) from 1024+ sources in the last 60 s (log lines capped)',
    );
    expect(summary).toMatchObject({ reason: 'unknown-community', rejected: 4990, sources: 1024 });
    // A new window: a source the cap held back logs again, with what it sent meanwhile.
    log.record('198.51.0.20', 'bad-digest');
    expect(lines).toHaveLength(12);
    expect(lines[11]).toMatchObject({
      source: '198.51.0.20',
      reason: 'bad-digest',
      since_last_log: { 'unknown-community': 1, 'bad-digest': 1 },
    });
  });
});
