import { describe, expect, it } from 'vitest';
import { loggingDrift, noDrift } from '../../src/devices/logging-drift.js';
import { parseLoggingConfig } from '../../src/parse/cli/logging.js';

const EXP = {
  hosts: ['10.0.0.5', '10.0.0.6'],
  min_trap_level: 5,
  required_messages: ['111008', '727012'],
  standby: false,
};

describe('loggingDrift', () => {
  it('is clean when everything required is there', () => {
    const d = loggingDrift(
      parseLoggingConfig(
        'logging enable\nlogging trap 6\nlogging host 10.0.0.5 udp/514\nlogging host 10.0.0.6 udp/514',
      ),
      EXP,
    );
    expect(d).toEqual({ missing: [] });
    expect(noDrift(d)).toBe(true);
  });

  it('names the missing lines', () => {
    expect(loggingDrift(parseLoggingConfig('logging host 10.0.0.5 udp/514'), EXP)).toEqual({
      missing: ['logging enable', 'logging host 10.0.0.6', 'logging trap 5'],
    });
  });

  it('names the lines that silence acesync', () => {
    const d = loggingDrift(
      parseLoggingConfig(
        'logging enable\nlogging trap 3\nlogging host 10.0.0.5\nlogging host 10.0.0.6\nno logging message 111008\nlogging message 727012 level 7\nlogging fastpath',
      ),
      { ...EXP, standby: true },
    );
    expect(d.missing).toEqual(['logging trap 5', 'logging standby']);
    expect(d.harmful).toEqual([
      'logging trap 3',
      'logging fastpath',
      'no logging message 111008',
      'logging message 727012 level 7',
    ]);
    expect(noDrift(d)).toBe(false);
  });
});
