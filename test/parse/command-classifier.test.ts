import { describe, expect, it } from 'vitest';
import { abbreviates, classifyCommand, NON_MUTATING } from '../../src/parse/command-classifier.js';

describe('classifyCommand', () => {
  const cases: Array<[string, string]> = [
    // configuration lines: changes
    ['serverfarm host SF_WEB', 'config-change'],
    ['  rserver host R1  ', 'config-change'],
    ['no inservice', 'config-change'],
    ['interface vlan 100', 'config-change'],
    ['ft group 1', 'config-change'],
    ['crypto authgroup AG1', 'config-change'],
    // exec commands that change running-config or startup state
    ['copy disk0:vc.cfg running-config', 'config-change'],
    ['copy startup-config running-config', 'config-change'],
    ['copy ftp://10.1.1.1/a.cfg run', 'config-change'],
    ['copy running-config', 'config-change'],
    ['write erase', 'config-change'],
    ['checkpoint rollback CP1', 'config-change'],
    ['reload', 'config-change'],
    ['invoke context VC_WEB', 'config-change'],
    ['configure memory', 'config-change'],
    ['no shutdown', 'config-change'],
    // logging
    ['logging enable', 'logging-change'],
    ['no logging enable', 'logging-change'],
    ['logging trap 6', 'logging-change'],
    ['logg host 10.1.1.5 udp/514', 'logging-change'],
    ['LOGGING standby', 'logging-change'],
    // crypto
    ['crypto import sftp 10.1.1.9 u /c.pem c.pem', 'crypto-change'],
    ['cry imp tftp 10.1.1.9 c.pem c.pem', 'crypto-change'],
    ['crypto delete c.pem', 'crypto-change'],
    ['crypto generate csr CSR1 k.pem', 'crypto-change'],
    ['crypto chaingroup CG1', 'crypto-change'],
    ['no crypto chaingroup CG1', 'crypto-change'],
    ['crypto csr-params CSR1', 'crypto-change'],
    ['crypto export c.pem ftp 10.1.1.9 u /c.pem', 'noise'],
    ['crypto verify k.pem c.pem', 'noise'],
    // HA
    ['ft switchover', 'ha-state'],
    ['ft switchover 2 force', 'ha-state'],
    // non-mutating exec commands
    ['changeto VC_WEB', 'noise'],
    ['terminal length 0', 'noise'],
    ['term len 0', 'noise'],
    ['configure terminal', 'noise'],
    ['conf t', 'noise'],
    ['configure', 'noise'],
    ['exit', 'noise'],
    ['end', 'noise'],
    ['show running-config', 'noise'],
    ['sh run', 'noise'],
    ['do show running-config', 'noise'],
    ['do copy running-config startup-config', 'noise'],
    ['do copy disk0:x.cfg running-config', 'config-change'],
    ['copy running-config startup-config', 'noise'],
    ['copy running-config disk0:backup.cfg', 'noise'],
    ['write memory', 'noise'],
    ['wr mem', 'noise'],
    ['write memory all', 'noise'],
    ['write terminal', 'noise'],
    ['ping 10.1.1.1', 'noise'],
    ['traceroute 10.1.1.1', 'noise'],
    ['clear counters', 'noise'],
    ['clear logging', 'noise'],
    ['dir disk0:', 'noise'],
    ['more disk0:a.txt', 'noise'],
    ['debug ip', 'noise'],
    ['no debug all', 'noise'],
    ['invoke context VC_WEB show running-config', 'noise'],
    ['checkpoint create CP1', 'noise'],
    ['checkpoint delete CP1', 'noise'],
    ['', 'noise'],
    ['do', 'noise'],
  ];
  it.each(cases)('%j -> %s', (cmd, kind) => {
    expect(classifyCommand(cmd).kind).toBe(kind);
  });

  it('names the context created or removed, keeping its case', () => {
    expect(classifyCommand('context VC_New')).toStrictEqual({
      kind: 'context-lifecycle',
      context: 'VC_New',
      change: 'added',
    });
    expect(classifyCommand('no context VC_New')).toStrictEqual({
      kind: 'context-lifecycle',
      context: 'VC_New',
      change: 'removed',
    });
    expect(classifyCommand('cont Admin2')).toStrictEqual({
      kind: 'context-lifecycle',
      context: 'Admin2',
      change: 'added',
    });
    // `context` alone is not a lifecycle change we can name
    expect(classifyCommand('context').kind).toBe('config-change');
  });

  it('reads the FT group of a switchover', () => {
    expect(classifyCommand('ft switchover 3')).toStrictEqual({ kind: 'ha-state', ftGroup: 3 });
    expect(classifyCommand('ft switchover all')).toStrictEqual({ kind: 'ha-state' });
  });

  it('does not take ambiguous or over-long abbreviations', () => {
    expect(classifyCommand('s run').kind).toBe('config-change'); // `s` is not unambiguously `show`
    expect(classifyCommand('log host 1.2.3.4').kind).toBe('config-change'); // `log` could be `login`
    expect(classifyCommand('showx').kind).toBe('config-change');
    expect(abbreviates('sh', 'show', 2)).toBe(true);
    expect(abbreviates('s', 'show', 2)).toBe(false);
    expect(abbreviates('shows', 'show', 2)).toBe(false);
  });

  it('documents every non-mutating rule', () => {
    for (const r of NON_MUTATING) {
      expect(r.why.length).toBeGreaterThan(5);
      expect(r.min).toBeGreaterThan(1);
      expect(r.min).toBeLessThanOrEqual(r.keyword.length);
    }
  });
});
