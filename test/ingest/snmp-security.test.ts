import { spawn, execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configSchema } from '../../src/config/schema.js';
import { FileProblemsError } from '../../src/core/errors.js';
import { desUsers, engineId, resolveUsers } from '../../src/ingest/snmp-security.js';
import { CLI, ROOT } from '../helpers/cli.js';

const snmpCfg = (snmp: Record<string, unknown>) => configSchema.parse({ snmp }).snmp;

describe('SNMPv3 users from the configuration', () => {
  it('maps levels and protocols to net-snmp users, keys from the environment', () => {
    const cfg = snmpCfg({
      users: [
        { name: 'n', level: 'noAuthNoPriv' },
        { name: 'a', level: 'authNoPriv', auth_protocol: 'md5', auth_key_env: 'K1' },
        {
          name: 'p',
          level: 'authPriv',
          auth_protocol: 'sha',
          auth_key_env: 'K1',
          priv_protocol: 'des',
          priv_key_env: 'K2',
        },
      ],
    });
    const users = resolveUsers(cfg, { K1: 'auth-secret-1', K2: 'priv-secret-2' });
    expect(users).toEqual([
      { name: 'n', level: 1 },
      { name: 'a', level: 2, authProtocol: '2', authKey: 'auth-secret-1' },
      { name: 'p', level: 3, authProtocol: '3', authKey: 'auth-secret-1', privProtocol: '2', privKey: 'priv-secret-2' },
    ]);
    expect(desUsers(cfg)).toEqual(['p']);
  });

  it('an unset or short key is a configuration problem naming the key, never showing the value', () => {
    const cfg = snmpCfg({ users: [{ name: 'a', level: 'authNoPriv', auth_protocol: 'sha', auth_key_env: 'K1' }] });
    expect(() => resolveUsers(cfg, {})).toThrow(FileProblemsError);
    try {
      resolveUsers(cfg, { K1: 'k3y!' });
      expect.unreachable();
    } catch (err) {
      expect((err as FileProblemsError).problems[0]).toMatchObject({ path: 'snmp.users[0].auth_key_env' });
      expect((err as Error).message).not.toContain('k3y!');
    }
  });

  it('rejects duplicate user names and odd-length engine IDs at load', () => {
    expect(() =>
      snmpCfg({
        users: [
          { name: 'x', level: 'noAuthNoPriv' },
          { name: 'x', level: 'noAuthNoPriv' },
        ],
      }),
    ).toThrow(/listed twice/);
    expect(() => snmpCfg({ engine_id: '8000b98380a' })).toThrow();
  });
});

describe('engine ID', () => {
  it('the configured one wins; otherwise stable per host and port', () => {
    expect(engineId(snmpCfg({ engine_id: '8000B98380AABBCCDD' }))).toEqual({
      id: '8000b98380aabbccdd',
      generated: false,
    });
    const a = engineId(snmpCfg({ port: 5162 }), 'host-a');
    expect(a.generated).toBe(true);
    expect(a.id).toMatch(/^8000b98380[0-9a-f]{24}$/);
    expect(engineId(snmpCfg({ port: 5162 }), 'host-a').id).toBe(a.id);
    expect(engineId(snmpCfg({ port: 5163 }), 'host-a').id).not.toBe(a.id);
    expect(engineId(snmpCfg({ port: 5162 }), 'host-b').id).not.toBe(a.id);
  });
});

describe("DES and Node's legacy OpenSSL provider", () => {
  const probe =
    "const c=require('crypto');try{c.createDecipheriv('des-cbc',Buffer.alloc(8),Buffer.alloc(8));console.log('des')}catch{console.log('no-des')}";
  it('DES-CBC works with --openssl-legacy-provider (as the bin and npm start run it) and not without', () => {
    expect(execFileSync(process.execPath, ['--openssl-legacy-provider', '-e', probe]).toString().trim()).toBe('des');
    // Node 20 on OpenSSL 3: without the flag DES is gone, which is why the flag is needed.
    expect(
      execFileSync(process.execPath, ['-e', probe], { env: { ...process.env, NODE_OPTIONS: '' } })
        .toString()
        .trim(),
    ).toBe('no-des');
  });

  async function startupLog(argv: string[]): Promise<string> {
    const dir = mkdtempSync(join(tmpdir(), 'acesync-snmp-des-'));
    const file = join(dir, 'acesync.yaml');
    writeFileSync(
      file,
      [
        `rules: ${join(ROOT, 'rules')}`,
        "store: { path: ':memory:' }",
        'http: { enabled: false }',
        'poller: { enabled: false }',
        'syslog: { udp: { enabled: false }, tcp: { enabled: false } }',
        'snmp:',
        '  host: 127.0.0.1',
        '  port: 0',
        '  users: [{ name: d, level: authPriv, auth_protocol: sha, auth_key_env: T_A, priv_protocol: des, priv_key_env: T_P }]',
      ].join('\n'),
    );
    const child = spawn(argv[0]!, [...argv.slice(1), 'start', '--config', file], {
      env: { ...process.env, NODE_OPTIONS: '', T_A: 'auth-key-123', T_P: 'priv-key-123' },
    });
    let err = '';
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    while (!err.includes('"acesync started"') && child.exitCode === null) await new Promise((r) => setTimeout(r, 50));
    child.kill('SIGTERM');
    await once(child, 'exit');
    clearTimeout(timer);
    return err;
  }

  it('the bin (shebang) enables it: no DES warning; plain `node dist/cli.js` logs how to fix it', async () => {
    const viaShebang = await startupLog([CLI]);
    expect(viaShebang).toContain('"acesync started"');
    expect(viaShebang).not.toContain('DES privacy');
    const plain = await startupLog([process.execPath, CLI]);
    expect(plain).toContain('"acesync started"');
    expect(plain).toMatch(/DES privacy are configured but this Node has no DES.*openssl-legacy-provider/);
  });
});
