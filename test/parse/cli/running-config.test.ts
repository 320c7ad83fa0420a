import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import {
  configHash,
  hashRunningConfig,
  normaliseRunningConfig,
  stripRunningConfigHeader,
} from '../../../src/parse/cli/running-config.js';

const RAW =
  'Generating configuration....\r\n\r\nlogging enable   \r\nlogging trap 6\r\n\r\n\r\nrserver host R1\r\n  ip address 10.1.1.1\t\r\n  inservice\r\n\r\n';

describe('running-config normalisation', () => {
  it('strips the header, CR, trailing spaces and folds blank runs', () => {
    expect(normaliseRunningConfig(RAW)).toBe(
      'logging enable\nlogging trap 6\n\nrserver host R1\n  ip address 10.1.1.1\n  inservice',
    );
  });

  it('is idempotent and makes equivalent captures hash the same', () => {
    const once = normaliseRunningConfig(RAW);
    expect(normaliseRunningConfig(once)).toBe(once);
    const lf = RAW.replace(/\r\n/g, '\n').replace('Generating configuration....\n\n', '');
    expect(hashRunningConfig(lf).hash).toBe(hashRunningConfig(RAW).hash);
    expect(configHash(once)).toBe(createHash('sha256').update(once).digest('hex'));
  });

  it('drops volatile lines: syslog printed into the terminal, IOS banners, a trailing end', () => {
    const noisy = [
      'Generating configuration....',
      '',
      'logging enable',
      "<165>Jan 01 2026 10:00:00 C1: %ACE-5-111008: User 'x' executed the 'y' command.",
      '%ACE-3-251010: Health probe failed for server 10.1.1.1 on port 80, server reply timeout',
      '! Last configuration change at 10:00:00 UTC Thu Jan 1 2026 by admin',
      'logging trap 6',
      'ntp clock-period 17179869',
      'end',
    ].join('\n');
    expect(normaliseRunningConfig(noisy)).toBe('logging enable\nlogging trap 6');
  });

  it('takes operator patterns on top of the defaults', () => {
    const text = 'logging enable\nbanner motd built 2026-01-01\nlogging trap 6';
    expect(normaliseRunningConfig(text, { volatile: [/^banner motd built/] })).toBe('logging enable\nlogging trap 6');
    expect(hashRunningConfig(text).hash).not.toBe(hashRunningConfig(text, { volatile: [/^banner/] }).hash);
  });

  it('a real change changes the hash', () => {
    expect(hashRunningConfig('logging trap 6').hash).not.toBe(hashRunningConfig('logging trap 5').hash);
  });

  it('stripRunningConfigHeader keeps the body as printed', () => {
    expect(stripRunningConfigHeader('\nGenerating configuration....\n\n\nfoo\n  bar\n')).toBe('foo\n  bar\n');
    expect(stripRunningConfigHeader('foo')).toBe('foo');
  });
});
