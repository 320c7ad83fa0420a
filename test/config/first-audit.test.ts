import { describe, expect, it } from 'vitest';
import { configSchema } from '../../src/config/schema.js';
import { firstAuditMode } from '../../src/config/sections/engine.js';

const mode = (obj: Record<string, unknown>) => {
  const c = configSchema.parse(obj);
  return firstAuditMode(c.engine, c.anm);
};

describe('engine.first_audit', () => {
  it('defaults to ask with the manual strategy, also when ANM is not configured', () => {
    expect(mode({})).toBe('ask');
    expect(mode({ anm: { enabled: true, strategy: { type: 'manual' } } })).toBe('ask');
  });
  it('defaults to upload with the http and command strategies', () => {
    expect(
      mode({
        anm: {
          enabled: true,
          url: 'https://anm.example',
          username: 'u',
          password_env: 'P',
          strategy: { type: 'http' },
        },
      }),
    ).toBe('upload');
    expect(mode({ anm: { enabled: true, strategy: { type: 'command', argv: ['/bin/true'] } } })).toBe('upload');
  });
  it('a configured value wins, and a wrong one is refused', () => {
    expect(mode({ engine: { first_audit: 'adopt' } })).toBe('adopt');
    expect(mode({ engine: { first_audit: 'upload' } })).toBe('upload');
    expect(() => configSchema.parse({ engine: { first_audit: 'maybe' } })).toThrow(/first_audit/);
  });
});
