import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AceSimulator } from '../../../src/sim/ace/simulator.js';
import { CliSession } from '../../../src/sim/ace/cli.js';
import { parseFtGroups } from '../../../src/parse/cli/ft-group.js';
import { parseShowContext } from '../../../src/parse/cli/show-context.js';
import { parseCryptoFiles, pemDerSha256 } from '../../../src/parse/cli/crypto.js';
import { mintSelfSigned } from '../../../src/sim/ace/x509.js';
import { pairSpec } from '../../devices/fixture.js';

let sim: AceSimulator;

beforeAll(async () => {
  const spec = pairSpec(9); // syslog to a discard port: these tests look at the CLI only
  spec.devices[0]!.users.push({ username: 'webop', password: 'x', context: 'C1' });
  spec.devices[0]!.lock_standby_config = false;
  spec.devices[1]!.lock_standby_config = true;
  sim = await AceSimulator.start(spec, { noSsh: true });
});
afterAll(async () => {
  await sim?.stop();
});

function admin(device = 'ace-a'): CliSession {
  const dev = sim.device(device);
  return new CliSession(dev, dev.users[0]!);
}

describe('simulated ACE CLI', () => {
  it('shows prompts for exec, configuration and sub-modes', () => {
    const cli = admin();
    expect(cli.prompt()).toBe('ace-a/Admin# ');
    cli.line('changeto C1');
    expect(cli.prompt()).toBe('ace-a/C1# ');
    expect(cli.line('conf t')).toMatch(/Enter configuration commands/);
    expect(cli.prompt()).toBe('ace-a/C1(config)# ');
    cli.line('interface vlan 100');
    expect(cli.prompt()).toBe('ace-a/C1(config-if)# ');
    cli.line('  ip address 10.1.100.2 255.255.255.0');
    cli.line('exit');
    expect(cli.prompt()).toBe('ace-a/C1(config)# ');
    cli.line('policy-map multi-match PM');
    cli.line('  class VIP');
    expect(cli.prompt()).toBe('ace-a/C1(config-pmap-c)# ');
    cli.line('    loadbalance vip inservice');
    cli.line('end');
    expect(cli.prompt()).toBe('ace-a/C1# ');
    const cfg = sim.getRunningConfig('ace-a', 'C1');
    expect(cfg).toContain('interface vlan 100\n  ip address 10.1.100.2 255.255.255.0');
    expect(cfg).toContain('policy-map multi-match PM\n  class VIP\n    loadbalance vip inservice');
    // The standby got it through auto-sync.
    expect(sim.getRunningConfig('ace-b', 'C1')).toContain('loadbalance vip inservice');
    sim.configure('ace-a', 'C1', ['no interface vlan 100', 'no policy-map multi-match PM']);
    expect(sim.getRunningConfig('ace-a', 'C1')).not.toMatch(/vlan 100|PM/);
  });

  it('leaves a sub-mode when an unindented top-level command is typed', () => {
    const cli = admin();
    cli.line('changeto C2');
    cli.line('configure terminal');
    cli.line('rserver host R7');
    expect(cli.prompt()).toContain('(config-rserver)');
    cli.line('logging trap 7');
    expect(cli.prompt()).toBe('ace-a/C2(config)# ');
    cli.line('end');
    const cfg = sim.getRunningConfig('ace-a', 'C2');
    expect(cfg).toMatch(/^logging trap 7$/m);
    expect(cfg).not.toMatch(/^logging trap 6$/m); // single-valued: replaced
    expect(cfg).not.toMatch(/^ {2}logging/m);
    sim.configure('ace-a', 'C2', ['logging trap 6', 'no rserver host R7']);
  });

  it('keeps member lines in their block and leaves it for a new top-level block', () => {
    // Typed as a person types: no indentation.
    sim.configure('ace-a', 'C2', [
      'serverfarm host SF9',
      'probe P9',
      'rserver R9',
      'inservice',
      'exit',
      'predictor leastconns',
      'rserver host R10',
      'ip address 10.0.0.10',
    ]);
    const cfg = sim.getRunningConfig('ace-a', 'C2');
    expect(cfg).toContain('serverfarm host SF9\n  probe P9\n  rserver R9\n    inservice\n  predictor leastconns');
    expect(cfg).toContain('rserver host R10\n  ip address 10.0.0.10');
    sim.configure('ace-a', 'C2', ['no serverfarm host SF9', 'no rserver host R10']);
    expect(sim.getRunningConfig('ace-a', 'C2')).not.toMatch(/SF9|R10/);
  });

  it('marks invalid commands and accepts unique abbreviations', () => {
    const cli = admin();
    const bad = cli.line('shw run');
    expect(bad).toBe(`${' '.repeat('ace-a/Admin# '.length)}^\n% Invalid command at '^' marker.\n`);
    const bad2 = cli.line('show bogus');
    expect(bad2.split('\n')[0]!.indexOf('^')).toBe('ace-a/Admin# show '.length);
    expect(cli.line('sh run')).toMatch(/^Generating configuration\.\.\.\.\n\nhostname ace-a\n/);
    expect(cli.line('c')).toMatch(/Ambiguous/); // configure, changeto, crypto, copy
    cli.line('conf t');
    expect(cli.line('frobnicate 1')).toMatch(/% Invalid command at '\^' marker\./);
    expect(cli.line('do show running-config | include ^hostname')).toBe('hostname ace-a\n');
    cli.line('end');
  });

  it('lets only Admin users change context, and only Admin invoke into others', () => {
    const dev = sim.device('ace-a');
    const web = new CliSession(
      dev,
      dev.users.find((u) => u.username === 'webop')!,
    );
    expect(web.prompt()).toBe('ace-a/C1# ');
    expect(web.line('changeto C2')).toMatch(/Permission denied/);
    expect(web.prompt()).toBe('ace-a/C1# ');
    expect(parseShowContext(web.line('show context')).map((c) => c.name)).toEqual(['C1']);
    const cli = admin();
    expect(cli.line('changeto NOPE')).toMatch(/does not exist/);
    expect(parseShowContext(cli.line('show context')).map((c) => c.name)).toEqual(['Admin', 'C1', 'C2']);
    expect(cli.line('invoke context C2 show running-config')).toContain('rserver host APP1');
    expect(cli.prompt()).toBe('ace-a/Admin# ');
  });

  it('shows FT groups per context and all of them from Admin', () => {
    const cli = admin();
    const all = parseFtGroups(cli.line('show ft group detail'));
    expect(all.map((g) => [g.group, g.myState, g.peerState, g.contexts])).toEqual([
      [1, 'ACTIVE', 'STANDBY_HOT', ['Admin']],
      [2, 'ACTIVE', 'STANDBY_HOT', ['C1']],
      [3, 'ACTIVE', 'STANDBY_HOT', ['C2']],
    ]);
    cli.line('changeto C1');
    const mine = parseFtGroups(cli.line('sh ft gr st'));
    expect(mine.map((g) => g.group)).toEqual([2]);
    expect(mine[0]!.runningSync).toBe('Running configuration sync has completed');
  });

  it('imports, lists, exports, generates and deletes crypto files', () => {
    const cli = admin();
    cli.line('changeto C2');
    const { cert } = mintSelfSigned('api.example.test');
    expect(cli.line('crypto import terminal api.crt')).toMatch(/Enter PEM formatted data/);
    expect(cli.prompt()).toBe('');
    for (const l of cert.trim().split('\n')) cli.line(l);
    cli.line('');
    expect(cli.prompt()).toBe('ace-a/C2# ');
    cli.line('crypto generate key non-exportable 1024 api.key');
    const files = parseCryptoFiles(cli.line('show crypto files'));
    expect(files.map((f) => [f.name, f.kind, f.exportable])).toEqual([
      ['api.crt', 'cert', true],
      ['api.key', 'key', false],
    ]);
    expect(pemDerSha256(cli.line('crypto export api.crt terminal'))).toBe(pemDerSha256(cert));
    expect(cli.line('crypto export api.key terminal')).toMatch(/^Error: .*not exportable/);
    expect(cli.line('show crypto certificate api.crt')).toContain('Subject: CN=api.example.test');
    expect(cli.line('show crypto key api.key')).toContain('1024 bit RSA key pair');
    cli.line('crypto delete api.crt');
    cli.line('crypto delete api.key');
    expect(parseCryptoFiles(cli.line('show crypto files'))).toEqual([]);
    expect(cli.line('crypto delete api.crt')).toMatch(/not found/);
  });

  it('locks configuration mode on a standby with auto-sync when asked to', () => {
    const cli = admin('ace-b');
    cli.line('changeto C1');
    expect(cli.line('configure terminal')).toMatch(/locked on the standby/);
    expect(cli.prompt()).toBe('ace-b/C1# ');
  });

  it('filters output with | include / exclude / begin', () => {
    const cli = admin();
    cli.line('changeto C1');
    expect(cli.line('show running-config | include ^logging host')).toBe('logging host 127.0.0.1 udp/9\n');
    expect(cli.line('show running-config | exclude .')).not.toMatch(/\S/);
    expect(cli.line('show running-config | exclude logging')).not.toMatch(/logging/);
    expect(cli.line('show running-config | begin ^serverfarm').split('\n')[0]).toBe('serverfarm host SF-WEB');
  });
});
