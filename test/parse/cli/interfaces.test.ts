import { describe, expect, it } from 'vitest';
import { parseFtPeers } from '../../../src/parse/cli/ft-group.js';
import { ftPeerAddresses, inSubnet, parseFtConfig, parseInterfaces } from '../../../src/parse/cli/interfaces.js';
import { stripRunningConfigHeader } from '../../../src/parse/cli/running-config.js';

/** An Admin running-config of an ACE 4710 in a pair (reference 4.2, 4.5; ANM's pairing rules, anm.md 1.1). */
const ADMIN = stripRunningConfigHeader(`Generating configuration....

logging enable
logging trap 5
logging host 192.0.2.10 udp/514

hostname ace-dc1-a
interface vlan 10
  description management
  ip address 192.0.2.1 255.255.255.0
  peer ip address 192.0.2.2 255.255.255.0
  alias 192.0.2.3 255.255.255.0
  service-policy input REMOTE_MGMT
  no shutdown

interface vlan 20
  ip address 198.51.100.1/25
  shutdown

ft interface vlan 999
  ip address 10.255.255.1 255.255.255.252
  peer ip address 10.255.255.2 255.255.255.252
  no shutdown

ft peer 1
  heartbeat interval 300
  heartbeat count 10
  ft-interface vlan 999
  query-interface vlan 10

ft group 1
  peer 1
  priority 150
  peer priority 50
  associate-context Admin
  inservice
ft group 2
  peer 1
  priority 150
  peer priority 50
  associate-context VC_WEB
  inservice

context VC_WEB
  allocate-interface vlan 100
`);

describe('parseInterfaces', () => {
  it('reads own, peer and alias addresses per interface, masks in both notations', () => {
    const itfs = parseInterfaces(ADMIN);
    expect(itfs.map((i) => i.name)).toEqual(['vlan 10', 'vlan 20']);
    expect(itfs[0]).toEqual({
      name: 'vlan 10',
      vlan: 10,
      addresses: [{ ip: '192.0.2.1', mask: '255.255.255.0' }],
      peerAddresses: [{ ip: '192.0.2.2', mask: '255.255.255.0' }],
      aliases: [{ ip: '192.0.2.3', mask: '255.255.255.0' }],
      shutdown: false,
    });
    expect(itfs[1]).toMatchObject({ addresses: [{ ip: '198.51.100.1', mask: '255.255.255.128' }], shutdown: true });
  });

  it('does not take ft interface blocks or rserver addresses for interfaces', () => {
    const cfg =
      'rserver host WEB1\n  ip address 10.10.20.11\n  inservice\nft interface vlan 999\n  ip address 1.1.1.1 255.0.0.0\n';
    expect(parseInterfaces(cfg)).toEqual([]);
  });

  it('skips what is not an address', () => {
    const itfs = parseInterfaces('interface vlan 5\n  ip address dhcp\n  ip address 999.1.1.1 255.0.0.0\n');
    expect(itfs[0]!.addresses).toEqual([]);
  });
});

describe('parseFtConfig', () => {
  it('reads the FT interface, peer and groups of an Admin config', () => {
    const ft = parseFtConfig(ADMIN);
    expect(ft.interfaces).toEqual([
      {
        vlan: 999,
        address: { ip: '10.255.255.1', mask: '255.255.255.252' },
        peerAddress: { ip: '10.255.255.2', mask: '255.255.255.252' },
      },
    ]);
    expect(ft.peers).toEqual([{ id: 1, ftVlan: 999, queryVlan: 10 }]);
    expect(ft.groups).toEqual([
      { id: 1, peer: 1, priority: 150, peerPriority: 50, contexts: ['Admin'], inservice: true },
      { id: 2, peer: 1, priority: 150, peerPriority: 50, contexts: ['VC_WEB'], inservice: true },
    ]);
  });
});

describe('ftPeerAddresses (show ft peer detail)', () => {
  it('reads the addresses of a real-shaped record', () => {
    const out = `Peer Id                      : 1
State                        : FSM_PEER_STATE_COMPATIBLE
Maintenance mode             : MAINT_MODE_OFF
FT Vlan                      : 999
FT Vlan IF State             : UP
My IP Addr                   : 10.255.255.1
Peer IP Addr                 : 10.255.255.2
Query Vlan                   : 10
Query Vlan IF State          : UP
Peer Query IP Addr           : 192.0.2.2
Heartbeat Interval           : 300
Heartbeat Count              : 10
Tx Packets                   : 1288
Rx Packets                   : 1287
SRG Compatibility            : COMPATIBLE
License Compatibility        : COMPATIBLE
FT Groups                    : 2
`;
    const [p] = parseFtPeers(out);
    expect(ftPeerAddresses(p!)).toEqual({
      localIp: '10.255.255.1',
      peerIp: '10.255.255.2',
      peerQueryIp: '192.0.2.2',
      ftVlan: 999,
    });
  });

  it('ignores the 0.0.0.0 of an unconfigured peer and other spellings still parse', () => {
    const [a] = parseFtPeers('Peer Id : 1\nPeer IP : 0.0.0.0\nLocal IP : 10.0.0.1\n');
    expect(ftPeerAddresses(a!)).toEqual({ localIp: '10.0.0.1' });
    const [b] = parseFtPeers('Peer Id : 1\nPeer IP Address : 10.0.0.2\n');
    expect(ftPeerAddresses(b!)).toEqual({ peerIp: '10.0.0.2' });
  });
});

describe('inSubnet', () => {
  it('compares by mask; no mask means the address itself', () => {
    expect(inSubnet('192.0.2.77', { ip: '192.0.2.1', mask: '255.255.255.0' })).toBe(true);
    expect(inSubnet('192.0.3.1', { ip: '192.0.2.1', mask: '255.255.255.0' })).toBe(false);
    expect(inSubnet('10.0.0.1', { ip: '10.0.0.1' })).toBe(true);
    expect(inSubnet('10.0.0.2', { ip: '10.0.0.1' })).toBe(false);
  });
});
