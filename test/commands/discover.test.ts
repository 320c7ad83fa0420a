/**
 * `acesync discover` against a simulated HA pair over real SSH (and the ANM simulator over
 * real HTTP): the printed configuration loads through the real config loader as it is, and
 * what could not be read is a report line, not an abort.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfigText } from '../../src/config/load.js';
import { AceSimulator } from '../../src/sim/ace/simulator.js';
import type { SimSpecInput } from '../../src/sim/ace/spec.js';
import { simAnmConfigSchema } from '../../src/sim/anm/config.js';
import { startAnmSimulator, type AnmSimulator } from '../../src/sim/anm/server.js';
import { Inventory } from '../../src/inventory/inventory.js';
import { runCli } from '../helpers/cli.js';
import { freeTcpPort, until } from '../helpers/wait.js';
import { buildApp } from '../../src/app/app.js';
import { silentLogger } from '../../src/core/log.js';
import { PRIORITY } from '../../src/store/job-queue.js';

const PW = 'disc-secret';
const ENV = { DISC_PW: PW, WRONG_PW: 'nope', ANM_PW: 'anm-pw' };

const ft = (mine: string, peer: string): string =>
  [
    'ft interface vlan 999',
    `  ip address ${mine} 255.255.255.252`,
    `  peer ip address ${peer} 255.255.255.252`,
    '  no shutdown',
    'ft peer 1',
    '  heartbeat interval 300',
    '  heartbeat count 10',
    '  ft-interface vlan 999',
  ].join('\n');

const ADMIN_ITF =
  'interface vlan 10\n  ip address 127.0.60.1 255.255.255.0\n  peer ip address 127.0.61.1 255.255.255.0\n';
const WEB = [
  'interface vlan 100',
  '  ip address 127.0.60.2 255.255.255.0',
  '  alias 127.0.60.254 255.255.255.0',
  '  peer ip address 127.0.61.2 255.255.255.0',
  '  no shutdown',
  'rserver host WEB1',
  '  ip address 10.10.20.11',
  '  inservice',
].join('\n');

function spec(): SimSpecInput {
  const logging = { hosts: [{ ip: '127.0.0.1', port: 5514 }], trap: 6, device_id: 'context-name' as const };
  const users = [{ username: 'admin', password: PW }];
  return {
    devices: [
      {
        name: 'ace-a',
        peer: 'ace-b',
        role: 'active',
        ssh: { host: '127.0.0.1' },
        users,
        contexts: [
          { name: 'Admin', ft_group: 1, logging, config: `${ft('10.255.255.1', '10.255.255.2')}\n${ADMIN_ITF}` },
          { name: 'VC_WEB', ft_group: 2, logging, config: WEB },
          // No interface and no device-id: nothing to attribute its messages by.
          { name: 'VC_APP', ft_group: 3, logging: { hosts: [{ ip: '127.0.0.1', port: 5514 }], trap: 6 } },
        ],
      },
      {
        name: 'ace-b',
        peer: 'ace-a',
        ssh: { host: '127.0.0.2' },
        users,
        contexts: [
          { name: 'Admin', ft_group: 1, logging, config: ft('10.255.255.2', '10.255.255.1') },
          { name: 'VC_WEB', ft_group: 2 },
          { name: 'VC_APP', ft_group: 3 },
        ],
      },
    ],
  };
}

let sim: AceSimulator;
let anm: AnmSimulator;
let dir: string;
const target = (d: string): string => {
  const e = sim.endpoint(d);
  return `admin@${e.host}:${e.port}`;
};

beforeAll(async () => {
  sim = await AceSimulator.start(spec());
  anm = await startAnmSimulator({
    config: simAnmConfigSchema.parse({
      users: [{ username: 'acesync', password: ENV.ANM_PW }],
      devices: [
        { name: 'ace-a', address: '127.0.0.1', contexts: ['Admin', 'VC_WEB', 'VC_APP'], ssh: { password: 'x' } },
        // ANM has not imported ace-b's VC_APP.
        { name: 'ace-b', address: '127.0.0.2', contexts: ['Admin', 'VC_WEB'], ssh: { password: 'x' } },
      ],
    }),
    fetchRunningConfig: async () => '',
  });
  dir = mkdtempSync(join(tmpdir(), 'acesync-discover-'));
});
afterAll(async () => {
  await sim?.stop();
  await anm?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('acesync discover (simulated pair, real SSH)', () => {
  it('prints a config that loads as it is: pair, FT groups, sources, logging hosts, pinned host keys', async () => {
    const r = await runCli(
      ['discover', '--ssh', target('ace-a'), '--ssh', target('ace-b'), '--password-env', 'DISC_PW'],
      {
        env: ENV,
      },
    );
    expect(r.stderr).toContain('2 of 2 devices read');
    expect(r.code).toBe(0);
    expect(r.stdout).not.toContain(PW);
    expect(r.stderr).not.toContain(PW);
    const loaded = loadConfigText(r.stdout, join(dir, 'printed.yaml'), { ...process.env, ...ENV });
    const c = loaded.config;
    expect(c.devices.map((d) => [d.name, d.peer])).toEqual([
      ['ace-a', 'ace-b'],
      ['ace-b', 'ace-a'],
    ]);
    const a = c.devices[0]!;
    const b = c.devices[1]!;
    expect(a.ssh).toMatchObject({ port: sim.endpoint('ace-a').port, username: 'admin', password_env: 'DISC_PW' });
    expect(a.ssh.host_key_sha256?.replace(/=+$/, '')).toBe(sim.endpoint('ace-a').hostKeySha256.replace(/=+$/, ''));
    expect(a.contexts.map((x) => [x.name, x.ft_group])).toEqual([
      ['Admin', 1],
      ['VC_WEB', 2],
      ['VC_APP', 3],
    ]);
    // Own addresses; the alias is never a source; the standby's come from `peer ip address` (replicated config).
    expect(a.contexts.find((x) => x.name === 'VC_WEB')!.sources).toEqual(['127.0.60.2']);
    expect(b.contexts.find((x) => x.name === 'VC_WEB')!.sources).toEqual(['127.0.61.2']);
    expect(a.contexts.find((x) => x.name === 'Admin')!.sources).toEqual(['127.0.60.1']);
    expect(b.contexts.find((x) => x.name === 'Admin')!.sources).toEqual(['127.0.61.1']);
    expect(c.poller.expected_logging.hosts).toEqual(['127.0.0.1']);
    expect(new Inventory(c.devices).pairs).toHaveLength(1);
    // What it could not decide is in the report and at the top of the file.
    expect(r.stderr).toMatch(/WARN\s+ace-a\/VC_APP: no usable source address/);
    expect(r.stdout).toMatch(/REVIEW, discovery could not decide:\n#\s+- ace-a\/VC_APP: no usable source address/);
    expect(r.stdout).not.toContain('anm:\n  enabled');
  });

  it('marks what ANM knows (SOAP listDeviceIds) and writes the anm section', async () => {
    const r = await runCli(
      [
        'discover',
        '--ssh',
        target('ace-a'),
        '--ssh',
        target('ace-b'),
        '--password-env',
        'DISC_PW',
        '--anm-url',
        anm.url,
        '--anm-user',
        'acesync',
        '--anm-password-env',
        'ANM_PW',
      ],
      { env: ENV },
    );
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/WARN\s+ace-b\/VC_APP: ANM does not know this context/);
    expect(r.stderr).not.toMatch(/ace-a\/VC_WEB: ANM does not know/);
    expect(r.stdout).toContain('# ANM: known to ANM');
    expect(r.stdout + r.stderr).not.toContain(ENV.ANM_PW);
    const c = loadConfigText(r.stdout, join(dir, 'anm.yaml'), { ...process.env, ...ENV }).config;
    expect(c.anm).toMatchObject({ enabled: true, url: anm.url, username: 'acesync', password_env: 'ANM_PW' });
    expect(c.anm.strategy.type).toBe('manual');
  });

  it('reports an unreachable device and a refused login on their own lines, and still covers the rest', async () => {
    const dead = await freeTcpPort();
    const r = await runCli(
      ['discover', '--ssh', target('ace-a'), '--ssh', `admin@127.0.0.1:${dead}`, '--password-env', 'DISC_PW'],
      { env: ENV },
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`ERROR 127\\.0\\.0\\.1:${dead}: cannot connect`));
    expect(r.stderr).toContain('1 of 2 devices read');
    const c = loadConfigText(r.stdout, join(dir, 'partial.yaml'), { ...process.env, ...ENV }).config;
    expect(c.devices.map((d) => d.name)).toEqual(['ace-a']);
    // Its peer was not given: said so, and no peer: written.
    expect(r.stderr).toMatch(/ace-a: its FT peer 10\.255\.255\.2 is not among the devices discovered/);
    expect(c.devices[0]!.peer).toBeUndefined();

    const bad = await runCli(['discover', '--ssh', target('ace-b'), '--password-env', 'WRONG_PW'], { env: ENV });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/ERROR 127\.0\.0\.2:\d+: login refused/);
    expect(bad.stderr).toContain('no configuration written');
    expect(bad.stdout).toBe('');
    expect(bad.stderr).not.toContain('nope');
  });

  it('--write never overwrites without --force, and writes the same loadable file', async () => {
    const file = join(dir, 'acesync.yaml');
    writeFileSync(file, 'keep: me\n');
    const args = [
      'discover',
      '--ssh',
      target('ace-a'),
      '--ssh',
      target('ace-b'),
      '--password-env',
      'DISC_PW',
      '--write',
      file,
    ];
    const refused = await runCli(args, { env: ENV });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('not overwritten (add --force');
    expect(readFileSync(file, 'utf8')).toBe('keep: me\n');
    const ok = await runCli([...args, '--force'], { env: ENV });
    expect(ok.code).toBe(0);
    expect(ok.stdout).toBe('');
    const c = loadConfigText(readFileSync(file, 'utf8'), file, { ...process.env, ...ENV }).config;
    expect(c.devices).toHaveLength(2);
    expect(existsSync(c.rules)).toBe(true);
  });

  it('usage and secrets: exit 2 with a clear message, nothing printed', async () => {
    const none = await runCli(['discover'], { env: ENV });
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('nothing to discover');
    const unset = await runCli(['discover', '--ssh', target('ace-a'), '--password-env', 'NOT_SET_ANYWHERE'], {
      env: ENV,
    });
    expect(unset.code).toBe(2);
    expect(unset.stderr).toContain('environment variable NOT_SET_ANYWHERE is not set');
    const badTarget = await runCli(['discover', '--ssh', 'no-user-here', '--password-env', 'DISC_PW'], { env: ENV });
    expect(badTarget.code).toBe(2);
    expect(badTarget.stderr).toContain('expected USER@HOST[:PORT]');
    const badUrl = await runCli(
      [
        'discover',
        '--ssh',
        target('ace-a'),
        '--password-env',
        'DISC_PW',
        '--anm-url',
        'ftp://x',
        '--anm-user',
        'u',
        '--anm-password-env',
        'ANM_PW',
      ],
      { env: ENV },
    );
    expect(badUrl.code).toBe(2);
    expect(badUrl.stderr).toContain('ANM settings: url: expected an http(s) URL');
    const help = await runCli(['discover', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('--ssh USER@HOST[:PORT]');
  });

  it('reads many devices from a small YAML file, with file:line problems', async () => {
    const list = join(dir, 'devices.yaml');
    writeFileSync(list, `password_env: DISC_PW\ndevices:\n  - ssh: ${target('ace-a')}\n  - ssh: ${target('ace-b')}\n`);
    const r = await runCli(['discover', '--devices', list], { env: ENV });
    expect(r.code).toBe(0);
    expect(loadConfigText(r.stdout, join(dir, 'm.yaml'), { ...process.env, ...ENV }).config.devices).toHaveLength(2);
    const broken = join(dir, 'broken.yaml');
    writeFileSync(broken, 'devices:\n  - ssh: admin@1.2.3.4\n    colour: blue\n');
    const b = await runCli(['discover', '--devices', broken], { env: ENV });
    expect(b.code).toBe(2);
    expect(b.stderr).toMatch(/broken\.yaml:3:\d+ devices\[0\]/);
  });
});

describe('discover, then start with what it wrote', () => {
  it('the service loads the written file and audits every discovered context over SSH', async () => {
    const file = join(dir, 'start.yaml');
    const r = await runCli(
      ['discover', '--ssh', target('ace-a'), '--ssh', target('ace-b'), '--password-env', 'DISC_PW', '--write', file],
      { env: ENV },
    );
    expect(r.code).toBe(0);
    // Only the listeners move off the shared default ports (other tests run beside this one).
    const text = readFileSync(file, 'utf8').replace(
      '  udp:\n    port: 5514',
      '  udp:\n    host: 127.0.0.1\n    port: 0',
    );
    const patched = `${text}\nsnmp:\n  enabled: false\nhttp:\n  enabled: false\nengine:\n  watch_rules: false\n`;
    writeFileSync(file, patched);
    const loaded = loadConfigText(patched, file, { ...process.env, ...ENV });
    const app = buildApp({ loaded, logger: silentLogger, env: { ...process.env, ...ENV } });
    await app.start();
    try {
      for (const device of app.inventory.devices.keys())
        app.jobs.enqueue({ type: 'audit', device, priority: PRIORITY.rule, payload: { reasons: ['first day'] } });
      app.actions.runner.kick();
      const audited = await until(
        'every discovered context audited',
        () => {
          const cs = app.store.contexts();
          return cs.length === 6 && cs.every((c) => c.lastAuditAt !== undefined) ? cs : undefined;
        },
        20_000,
      );
      expect(
        audited.map((c) => `${c.device}/${c.context}:${c.lastAuditOutcome === 'error' ? 'error' : 'read'}`).sort(),
      ).toEqual([
        'ace-a/Admin:read',
        'ace-a/VC_APP:read',
        'ace-a/VC_WEB:read',
        'ace-b/Admin:read',
        'ace-b/VC_APP:read',
        'ace-b/VC_WEB:read',
      ]);
    } finally {
      await app.stop();
    }
  });
});
