/** The pure half of discovery on hand-made snapshots: pairing rules, address conflicts, what is reported. */
import { describe, expect, it } from 'vitest';
import { validateConfig } from '../../src/config/load.js';
import { renderDiscoveredConfig } from '../../src/config/render-yaml.js';
import { parseYaml } from '../../src/config/yaml-source.js';
import { analyseDiscovery } from '../../src/devices/discovery/analyse.js';
import type { DeviceSnapshot } from '../../src/devices/discovery/collect.js';

const ft = (mine: string, peer: string, group = 'ft group 2\n  peer 1\n  associate-context VC_WEB\n  inservice') =>
  `ft interface vlan 999\n  ip address ${mine} 255.255.255.252\n  peer ip address ${peer} 255.255.255.252\nft peer 1\n  ft-interface vlan 999\n${group}\n`;

function snap(host: string, hostname: string, contexts: Record<string, string>, state = 'ACTIVE'): DeviceSnapshot {
  return {
    ok: true,
    target: { host, port: 22, username: 'admin', legacyAlgorithms: false },
    hostname,
    hostKeySha256: 'SHA256:abc',
    loginContext: 'Admin',
    contexts: Object.entries(contexts).map(([name, runningConfig]) => ({ name, runningConfig })),
    ftGroups: [{ group: 2, myState: state, contexts: ['VC_WEB'], fields: {} }],
    ftPeers: [],
    refused: [],
  };
}

const now = new Date('2026-12-01T00:00:00Z');

describe('analyseDiscovery', () => {
  it('pairs by reversed FT addresses, and reports a peer that was not discovered', () => {
    const a = snap('192.0.2.1', 'dc1-a', { Admin: ft('10.0.0.1', '10.0.0.2'), VC_WEB: '' });
    const b = snap('192.0.2.2', 'dc1-b', { Admin: ft('10.0.0.2', '10.0.0.1'), VC_WEB: '' }, 'STANDBY_HOT');
    const lone = snap('192.0.2.9', 'dc2-a', { Admin: ft('10.9.0.1', '10.9.0.2') });
    const r = analyseDiscovery([a, b, lone], { passwordEnv: 'PW', now });
    expect(r.config.devices.map((d) => [d.name, d.peer])).toEqual([
      ['dc1-a', 'dc1-b'],
      ['dc1-b', 'dc1-a'],
      ['dc2-a', undefined],
    ]);
    expect(r.report).toContainEqual({
      level: 'warn',
      device: 'dc2-a',
      text: "its FT peer 10.9.0.2 is not among the devices discovered: add --ssh for the peer's management address",
    });
    expect(r.config.devices[0]!.contexts.find((c) => c.name === 'VC_WEB')!.ftGroup).toBe(2);
  });

  it('two candidates with the same FT addresses are inconclusive, not guessed', () => {
    const a = snap('192.0.2.1', 'x-a', { Admin: ft('10.0.0.1', '10.0.0.2') });
    const b1 = snap('192.0.2.2', 'x-b', { Admin: ft('10.0.0.2', '10.0.0.1') });
    const b2 = snap('192.0.2.3', 'x-c', { Admin: ft('10.0.0.2', '10.0.0.1') });
    const r = analyseDiscovery([a, b1, b2], { now });
    expect(r.report.some((l) => l.device === 'x-a' && /inconclusive HA peer: x-b, x-c/.test(l.text))).toBe(true);
    expect(r.config.devices.find((d) => d.name === 'x-a')!.peer).toBeUndefined();
  });

  it('an address two contexts claim is left out of both (the loader would refuse it), and the file still loads', () => {
    const itf = 'interface vlan 100\n  ip address 198.51.100.5 255.255.255.0\n';
    const a = snap('192.0.2.1', 'dup', {
      Admin: '',
      VC_ONE: itf,
      VC_TWO: itf + 'interface vlan 200\n  ip address 198.51.101.5 255.255.255.0\n',
    });
    const r = analyseDiscovery([a], { passwordEnv: 'PW', now });
    const ctx = (n: string) => r.config.devices[0]!.contexts.find((c) => c.name === n)!;
    expect(ctx('VC_ONE').sources).toEqual([]);
    expect(ctx('VC_TWO').sources).toEqual(['198.51.101.5']);
    expect(
      r.report.some((l) => /address 198\.51\.100\.5 is configured on dup\/VC_ONE and dup\/VC_TWO/.test(l.text)),
    ).toBe(true);
    const text = renderDiscoveredConfig(r.config);
    expect(() => validateConfig(parseYaml('(t)', text, 'ACESYNC_CONFIG_INVALID'))).not.toThrow();
  });

  it('expected logging hosts are the ones most contexts use; the others are reported per context', () => {
    const log = (h: string) => `logging enable\nlogging trap 5\nlogging host ${h} udp/514\n`;
    const a = snap('192.0.2.1', 'lg', { Admin: log('192.0.2.10'), VC_A: log('192.0.2.10'), VC_B: log('192.0.2.99') });
    const r = analyseDiscovery([a], { now });
    expect(r.config.expectedLoggingHosts).toEqual(['192.0.2.10']);
    expect(r.report).toContainEqual({
      level: 'warn',
      device: 'lg',
      context: 'VC_B',
      text: 'does not log to 192.0.2.10: the first audit will report logging drift',
    });
  });

  it('a device that could not be read is one error line and no device in the config', () => {
    const r = analyseDiscovery(
      [
        {
          ok: false,
          target: { host: '192.0.2.7', port: 22, username: 'u', legacyAlgorithms: false },
          reason: 'auth',
          error: 'authentication failed',
        },
      ],
      { now },
    );
    expect(r.config.devices).toEqual([]);
    expect(r.report).toEqual([
      {
        level: 'error',
        device: '192.0.2.7:22',
        text: 'login refused (wrong user or password?): authentication failed',
      },
    ]);
  });
});
