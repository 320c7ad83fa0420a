/**
 * End to end: the built `acesync start --print-events` (npm run build first) receiving real
 * packets from Debian's snmptrap/snmpinform (v1, v2c, informs, SNMPv3 at every security
 * level, DES included, which needs the legacy OpenSSL provider the bin enables) and
 * hostile ones, asserting the printed events and the log lines on stderr.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, startCli, waitStarted, type Running } from '../helpers/cli.js';
import { garbageDatagrams, v2cMessage } from '../fixtures/traps/packets.js';
import { sendRaw, sleep, snmpTool } from './snmp-tools.js';

const ENGINE_ID = '8000b98380aabbccddeeff001122334455';
const KEYS = {
  ACESYNC_T_MD5_AUTH: 'md5-auth-key-1',
  ACESYNC_T_SHA_AUTH: 'sha-auth-key-2',
  ACESYNC_T_DES_AUTH: 'des-auth-key-3',
  ACESYNC_T_DES_PRIV: 'des-priv-key-4',
  ACESYNC_T_AES_AUTH: 'aes-auth-key-5',
  ACESYNC_T_AES_PRIV: 'aes-priv-key-6',
};
// Each rejection case comes from its own loopback address so each gets its own log line
// (rejections are logged once per source per minute).
const SOURCES = Array.from({ length: 10 }, (_, i) => `127.0.0.${i + 1}`);

const CONFIG = `
rules: ${join(ROOT, 'rules')}
store: { path: ':memory:' }
http: { enabled: false }
poller: { enabled: false }
syslog:
  udp: { enabled: false, port: 0 }
  tcp: { enabled: false, port: 0 }
snmp:
  host: 127.0.0.1
  port: 0
  communities: [acePublic]
  engine_id: ${ENGINE_ID}
  users:
    - { name: noauth, level: noAuthNoPriv }
    - { name: md5user, level: authNoPriv, auth_protocol: md5, auth_key_env: ACESYNC_T_MD5_AUTH }
    - { name: shauser, level: authNoPriv, auth_protocol: sha, auth_key_env: ACESYNC_T_SHA_AUTH }
    - { name: desuser, level: authPriv, auth_protocol: sha, auth_key_env: ACESYNC_T_DES_AUTH, priv_protocol: des, priv_key_env: ACESYNC_T_DES_PRIV }
    - { name: aesuser, level: authPriv, auth_protocol: sha, auth_key_env: ACESYNC_T_AES_AUTH, priv_protocol: aes, priv_key_env: ACESYNC_T_AES_PRIV }
devices:
  - name: ace-a
    host: 10.0.0.1
    peer: ace-b
    sources: [${SOURCES.join(', ')}]
    contexts:
      - { name: VC_WEB, ft_group: 1 }
  - name: ace-b
    host: 10.0.0.2
    peer: ace-a
`;

let cli: Running;
let target: string;
let marker = 0;

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'acesync-snmp-cli-'));
  const file = join(dir, 'acesync.yaml');
  writeFileSync(file, CONFIG);
  cli = startCli(['start', '--config', file, '--print-events'], { env: KEYS });
  const listeners = await waitStarted(cli);
  const snmp = listeners.find((l) => l.transport === 'snmp')!;
  target = `udp:127.0.0.1:${snmp.port}`;
});

afterAll(async () => {
  const code = await cli?.stop();
  expect(code).toBe(0);
});

/** A unique uptime per trap so each test finds its own event. */
function nextMarker(): string {
  marker += 1;
  return String(1000 + marker);
}
const byUptime = (m: string) => (e: Record<string, unknown>) =>
  (e.varbinds as Array<{ oid: string; value: unknown }> | undefined)?.[0]?.value === Number(m);

const CLOG = '1.3.6.1.4.1.9.9.41';
const CLOG_TRAP = `${CLOG}.2.0.1`;
const clogVarbinds = (id: string, text: string): string[] => [
  `${CLOG}.1.2.3.1.2.9`,
  's',
  'ACE',
  `${CLOG}.1.2.3.1.3.9`,
  'i',
  '6',
  `${CLOG}.1.2.3.1.4.9`,
  's',
  id,
  `${CLOG}.1.2.3.1.5.9`,
  's',
  text,
  `${CLOG}.1.1.6.0`,
  'i',
  '5',
  `${CLOG}.1.1.7.0`,
  's',
  'VC_WEB',
];

describe('acesync start receives real SNMP notifications', () => {
  it('logs the engine ID v3 informs are acknowledged with', async () => {
    const log = await cli.waitForLog((l) => String(l.msg).startsWith('SNMP receiver listening'));
    expect(log.engineId).toBe(ENGINE_ID);
    expect(JSON.stringify(cli.stderr)).not.toContain(KEYS.ACESYNC_T_AES_PRIV);
  });

  it('SNMPv1: cmVirtContextAdded (enterprise 1.3.6.1.4.1.9.9.472, specific 1)', async () => {
    const r = await snmpTool('snmptrap', [
      '-v',
      '1',
      '-c',
      'acePublic',
      target,
      '1.3.6.1.4.1.9.9.472',
      '127.0.0.1',
      '6',
      '1',
      '',
      '1.3.6.1.4.1.9.9.472.1.3.1',
      's',
      'VC_NEW',
    ]);
    expect(r.code).toBe(0);
    const e = await cli.waitForEvent((e) => e.notification === 'cmVirtContextAdded');
    expect(e).toMatchObject({
      kind: 'context-lifecycle',
      change: 'added',
      context: 'VC_NEW',
      device: 'ace-a',
      transport: 'snmp',
      trapOid: '1.3.6.1.4.1.9.9.472.0.1',
      data: { snmpVersion: 'v1' },
    });
  });

  it('SNMPv2c: clrRedundancyStateChange to active, FT group from the instance', async () => {
    const m = nextMarker();
    const r = await snmpTool('snmptrap', [
      '-v',
      '2c',
      '-c',
      'acePublic',
      target,
      m,
      '1.3.6.1.4.1.9.9.650.0.1',
      '1.3.6.1.4.1.9.9.650.1.1.3.1.6.22.1',
      'i',
      '5',
      '1.3.6.1.4.1.9.9.650.1.1.3.1.2.22.1',
      'u',
      '2',
    ]);
    expect(r.code).toBe(0);
    const e = await cli.waitForEvent(byUptime(m));
    expect(e).toMatchObject({
      kind: 'ha-state',
      state: 'ACTIVE',
      ftGroup: 1,
      peerId: 2,
      notification: 'clrRedundancyStateChange',
      device: 'ace-a',
      data: { snmpVersion: 'v2c' },
    });
  });

  it('SNMPv2c: clogMessageGenerated carrying 727012 is the failover event syslog would give', async () => {
    const m = nextMarker();
    const r = await snmpTool('snmptrap', [
      '-v',
      '2c',
      '-c',
      'acePublic',
      target,
      m,
      CLOG_TRAP,
      ...clogVarbinds(
        '727012',
        'ace-a: HA: FT Group 1 changed state to FSM_FT_STATE_ACTIVE. Reason: peer unreachable.',
      ),
    ]);
    expect(r.code).toBe(0);
    const e = await cli.waitForEvent(byUptime(m));
    expect(e).toMatchObject({
      kind: 'ha-state',
      id: '727012',
      severity: 5,
      ftGroup: 1,
      state: 'ACTIVE',
      originContext: 'VC_WEB',
      device: 'ace-a',
      notification: 'clogMessageGenerated',
    });
  });

  it('SNMPv2c: clogMessageGenerated carrying 111008 is a config change with user and command', async () => {
    const m = nextMarker();
    const r = await snmpTool('snmptrap', [
      '-v',
      '2c',
      '-c',
      'acePublic',
      target,
      m,
      CLOG_TRAP,
      ...clogVarbinds('111008', "User 'admin' executed the 'rserver host RS1' command."),
    ]);
    expect(r.code).toBe(0);
    const e = await cli.waitForEvent(byUptime(m));
    expect(e).toMatchObject({
      kind: 'config-change',
      id: '111008',
      user: 'admin',
      command: 'rserver host RS1',
      context: 'VC_WEB',
      originContext: 'VC_WEB',
    });
  });

  it('SNMPv2c inform is acknowledged (snmpinform exits 0) and delivered', async () => {
    const m = nextMarker();
    const r = await snmpTool('snmpinform', [
      '-v',
      '2c',
      '-c',
      'acePublic',
      '-r',
      '1',
      '-t',
      '3',
      target,
      m,
      '1.3.6.1.6.3.1.1.5.4',
      '1.3.6.1.2.1.2.2.1.1.7',
      'i',
      '7',
      '1.3.6.1.2.1.2.2.1.2.7',
      's',
      'vlan100',
    ]);
    expect(r.code).toBe(0);
    const e = await cli.waitForEvent(byUptime(m));
    expect(e).toMatchObject({
      kind: 'link-state',
      state: 'UP',
      interface: 'vlan100',
      data: { pdu: 'inform', snmpVersion: 'v2c' },
    });
  });

  const v3cases: Array<[string, string[]]> = [
    ['noAuthNoPriv', ['-l', 'noAuthNoPriv', '-u', 'noauth']],
    ['authNoPriv MD5', ['-l', 'authNoPriv', '-u', 'md5user', '-a', 'MD5', '-A', KEYS.ACESYNC_T_MD5_AUTH]],
    ['authNoPriv SHA', ['-l', 'authNoPriv', '-u', 'shauser', '-a', 'SHA', '-A', KEYS.ACESYNC_T_SHA_AUTH]],
    [
      'authPriv SHA+DES',
      [
        '-l',
        'authPriv',
        '-u',
        'desuser',
        '-a',
        'SHA',
        '-A',
        KEYS.ACESYNC_T_DES_AUTH,
        '-x',
        'DES',
        '-X',
        KEYS.ACESYNC_T_DES_PRIV,
      ],
    ],
    [
      'authPriv SHA+AES',
      [
        '-l',
        'authPriv',
        '-u',
        'aesuser',
        '-a',
        'SHA',
        '-A',
        KEYS.ACESYNC_T_AES_AUTH,
        '-x',
        'AES',
        '-X',
        KEYS.ACESYNC_T_AES_PRIV,
      ],
    ],
  ];
  for (const [name, sec] of v3cases) {
    it(`SNMPv3 trap, ${name}`, async () => {
      const m = nextMarker();
      const r = await snmpTool('snmptrap', ['-v', '3', ...sec, target, m, '1.3.6.1.6.3.1.1.5.1']);
      expect(r.code).toBe(0);
      const e = await cli.waitForEvent(byUptime(m));
      expect(e).toMatchObject({
        kind: 'device-restart',
        reason: 'coldStart',
        device: 'ace-a',
        data: { snmpVersion: 'v3', securityName: sec[3] },
      });
    });
  }

  it('SNMPv3 informs are acknowledged: engine discovery (AES) and a pinned engine ID (DES)', async () => {
    const m1 = nextMarker();
    const aes = await snmpTool('snmpinform', [
      '-v',
      '3',
      ...v3cases[4]![1],
      '-r',
      '1',
      '-t',
      '3',
      target,
      m1,
      '1.3.6.1.6.3.1.1.5.1',
    ]);
    expect(aes.code).toBe(0);
    expect(await cli.waitForEvent(byUptime(m1))).toMatchObject({
      kind: 'device-restart',
      data: { pdu: 'inform', snmpVersion: 'v3', securityName: 'aesuser' },
    });
    // As an ACE is configured: the receiver's engine ID given, no discovery.
    const m2 = nextMarker();
    const des = await snmpTool('snmpinform', [
      '-v',
      '3',
      ...v3cases[3]![1],
      '-e',
      `0x${ENGINE_ID}`,
      '-r',
      '1',
      '-t',
      '3',
      target,
      m2,
      '1.3.6.1.6.3.1.1.5.1',
    ]);
    expect(des.code).toBe(0);
    expect(await cli.waitForEvent(byUptime(m2))).toMatchObject({ data: { pdu: 'inform', securityName: 'desuser' } });
  });

  it('rejects wrong community, unknown user, wrong keys, truncated and garbage packets; stays up; logs each source once', async () => {
    const eventsBefore = cli.stdout.length;
    const from = (i: number) => `--clientaddr=${SOURCES[i]}`;
    const cases: Array<[string, Promise<unknown>]> = [
      [
        'unknown-community',
        snmpTool('snmptrap', [from(1), '-v', '2c', '-c', 'wrongCommunity42', target, '', '1.3.6.1.6.3.1.1.5.1']),
      ],
      [
        'unknown-user',
        snmpTool('snmptrap', [
          from(2),
          '-v',
          '3',
          '-l',
          'noAuthNoPriv',
          '-u',
          'mallory',
          target,
          '',
          '1.3.6.1.6.3.1.1.5.1',
        ]),
      ],
      [
        'bad-digest',
        snmpTool('snmptrap', [
          from(3),
          '-v',
          '3',
          '-l',
          'authNoPriv',
          '-u',
          'md5user',
          '-a',
          'MD5',
          '-A',
          'not-the-md5-key',
          target,
          '',
          '1.3.6.1.6.3.1.1.5.1',
        ]),
      ],
      [
        'undecryptable',
        snmpTool('snmptrap', [
          from(4),
          '-v',
          '3',
          '-l',
          'authPriv',
          '-u',
          'aesuser',
          '-a',
          'SHA',
          '-A',
          KEYS.ACESYNC_T_AES_AUTH,
          '-x',
          'AES',
          '-X',
          'not-the-aes-key',
          target,
          '',
          '1.3.6.1.6.3.1.1.5.1',
        ]),
      ],
      [
        'malformed',
        sendRaw(
          Number(target.split(':')[2]),
          v2cMessage('acePublic', '1.3.6.1.6.3.1.1.5.1').subarray(0, 30),
          SOURCES[5],
        ),
      ],
      ['malformed', sendRaw(Number(target.split(':')[2]), garbageDatagrams(Buffer.alloc(0))[0]!.data, SOURCES[6])],
    ];
    await Promise.all(cases.map(([, p]) => p));
    for (const [i, [reason]] of cases.entries()) {
      const log = await cli.waitForLog((l) => l.msg === 'SNMP notification rejected' && l.source === SOURCES[i + 1]);
      expect(log.reason).toBe(reason);
    }
    // An unknown user gets a v3 inform refused with a USM report, counted too.
    const inf = await snmpTool('snmpinform', [
      from(7),
      '-v',
      '3',
      '-l',
      'authNoPriv',
      '-u',
      'eve',
      '-a',
      'SHA',
      '-A',
      'whatever-key',
      '-r',
      '0',
      '-t',
      '1',
      target,
      '',
      '1.3.6.1.6.3.1.1.5.1',
    ]);
    expect(inf.code).not.toBe(0);
    expect(
      (await cli.waitForLog((l) => l.msg === 'SNMP notification rejected' && l.source === SOURCES[7])).reason,
    ).toBe('unknown-user');

    await sleep(200);
    expect(cli.child.exitCode).toBeNull();
    expect(cli.stdout.length).toBe(eventsBefore);
    const stderr = cli.stderr.join('\n');
    for (const secret of ['wrongCommunity42', 'not-the-md5-key', 'not-the-aes-key', 'acePublic'])
      expect(stderr).not.toContain(secret);

    // Still receiving.
    const m = nextMarker();
    expect((await snmpTool('snmptrap', ['-v', '2c', '-c', 'acePublic', target, m, '1.3.6.1.6.3.1.1.5.5'])).code).toBe(
      0,
    );
    expect(await cli.waitForEvent(byUptime(m))).toMatchObject({
      kind: 'auth-failure',
      notification: 'authenticationFailure',
    });
  });
});
