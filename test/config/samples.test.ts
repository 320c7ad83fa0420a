import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { loadConfigText } from '../../src/config/load.js';
import { ROOT } from '../helpers/cli.js';

describe('samples/acesync.yaml', () => {
  it('is a valid configuration once its secrets are set', () => {
    const file = resolve(ROOT, 'samples/acesync.yaml');
    const env = {
      ACE_PASSWORD: 'x',
      ANM_PASSWORD: 'y',
      SNMP_AUTH_KEY: 'authkey123',
      SNMP_PRIV_KEY: 'privkey123',
      ACESYNC_TOKEN: 't',
    };
    const { config } = loadConfigText(readFileSync(file, 'utf8'), file, env);
    expect(config.devices.map((d) => d.name)).toEqual(['ace-dc1-a', 'ace-dc1-b']);
    expect(config.anm.enabled).toBe(true);
    expect(config.snmp.users[0]!.level).toBe('authPriv');
  });
});
