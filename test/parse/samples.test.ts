/** The sample captures in samples/syslog parse as their README says, with no malformed line. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseSyslog } from '../../src/parse/syslog.js';
import { isCertainNoise } from '../../src/parse/fast-path.js';

const EXPECTED: Record<string, Record<string, number>> = {
  'config-change-active.log': { 'config-change': 6, noise: 5 },
  'config-change-standby.log': { 'config-change': 3, noise: 3 },
  'logging-removed.log': { 'logging-change': 4, noise: 1 },
  'failover-727012.log': { 'ha-state': 11 },
  'standby-cold.log': { 'ha-state': 5 },
  'context-added.log': { 'context-lifecycle': 4, 'config-change': 2, noise: 1 },
  'crypto-import.log': { 'crypto-change': 4, 'config-change': 1 },
  'noise-flood.log': { noise: 80 },
  'envelope-variants.log': { 'config-change': 11 },
};

describe('samples/syslog', () => {
  it.each(Object.entries(EXPECTED))('%s', (file, kinds) => {
    const text = readFileSync(new URL(`../../samples/syslog/${file}`, import.meta.url), 'utf8');
    const counts: Record<string, number> = {};
    for (const line of text.split('\n').filter((l) => l.length > 0)) {
      const e = parseSyslog(line);
      counts[e.kind] = (counts[e.kind] ?? 0) + 1;
      if (e.kind !== 'noise') expect(isCertainNoise(Buffer.from(line))).toBe(false);
    }
    expect(counts).toEqual(kinds);
  });

  it('the failover sample carries the fields rules need', () => {
    const text = readFileSync(new URL('../../samples/syslog/failover-727012.log', import.meta.url), 'utf8');
    const failovers = text
      .split('\n')
      .filter(Boolean)
      .map((l) => parseSyslog(l))
      .filter((e) => e.id === '727012');
    expect(failovers.map((e) => [e.deviceId, e.ftGroup, e.state])).toEqual([
      ['ace-b', 1, 'ACTIVE'],
      ['ace-b', 2, 'ACTIVE'],
      ['ace-a', 1, 'STANDBY_CONFIG'],
      ['ace-a', 1, 'STANDBY_BULK'],
      ['ace-a', 1, 'STANDBY_HOT'],
    ]);
  });
});
