import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { parseShowContext } from '../../../src/parse/cli/show-context.js';
import { parseCryptoFiles, pemDerSha256 } from '../../../src/parse/cli/crypto.js';
import { messageReachesHosts, parseLoggingConfig, parseShowLogging } from '../../../src/parse/cli/logging.js';
import { commandError, extractOutput, promptAtEnd } from '../../../src/parse/cli/prompt.js';

describe('show context', () => {
  it('reads each block (Netshot form "Name: X , Id: n")', () => {
    const out =
      'Number of Contexts = 2\n\nName: Admin , Id: 0\nConfig count: 12\nDescription: \nResource-class: default\nVlans: Vlan10, Vlan20\n\nName: VC_WEB , Id: 3\nResource-class: gold\n';
    expect(parseShowContext(out)).toEqual([
      { name: 'Admin', id: 0, vlans: ['Vlan10', 'Vlan20'], configCount: 12, description: '', resourceClass: 'default' },
      { name: 'VC_WEB', id: 3, vlans: [], resourceClass: 'gold' },
    ]);
  });
});

describe('crypto', () => {
  it('parses the files table', () => {
    const out = [
      'Filename                                 File  File    Expor      Key/',
      '                                         Size  Type    table      Cert',
      '-----------------------------------------------------------------------',
      'web.crt                                  1245  PEM     Yes        CERT',
      'web.key                                  887   PEM     No         KEY',
      'garbage line',
    ].join('\n');
    expect(parseCryptoFiles(out)).toEqual([
      { name: 'web.crt', size: 1245, format: 'PEM', exportable: true, kind: 'cert' },
      { name: 'web.key', size: 887, format: 'PEM', exportable: false, kind: 'key' },
    ]);
  });

  it('fingerprints the DER inside PEM armour, whatever the wrapping', () => {
    const der = Buffer.from(Array.from({ length: 300 }, (_, i) => (i * 7) % 256));
    const b64 = der.toString('base64');
    const pem64 = `-----BEGIN CERTIFICATE-----\n${b64.replace(/(.{64})/g, '$1\n')}\n-----END CERTIFICATE-----`;
    const pem76 = `noise before\r\n-----BEGIN CERTIFICATE-----\r\n${b64.replace(/(.{76})/g, '$1\r\n')}\r\n-----END CERTIFICATE-----\r\n`;
    const want = createHash('sha256').update(der).digest('hex');
    expect(pemDerSha256(pem64)).toBe(want);
    expect(pemDerSha256(pem76)).toBe(want);
    expect(pemDerSha256('Error: File not found')).toBeUndefined();
  });
});

describe('logging settings', () => {
  const cfg = [
    'logging enable',
    'logging timestamp',
    'logging trap informational',
    'logging facility 17',
    'logging device-id context-name',
    'logging host 10.1.1.5 udp/514 format emblem',
    'logging host 10.1.1.6 tcp/1470',
    'logging host 10.1.1.7',
    'no logging message 302022',
    'logging message 111008 level 7',
    'interface vlan 10',
    '  logging enable',
  ].join('\n');

  it('reads the top-level logging lines', () => {
    const s = parseLoggingConfig(cfg);
    expect(s).toMatchObject({
      enabled: true,
      timestamp: true,
      trap: 6,
      facility: 17,
      deviceId: { kind: 'context-name' },
      disabledMessages: ['302022'],
      messageLevels: { '111008': 7 },
    });
    expect(s.hosts.map((h) => [h.ip, h.protocol, h.port, h.emblem])).toEqual([
      ['10.1.1.5', 'udp', 514, true],
      ['10.1.1.6', 'tcp', 1470, false],
      ['10.1.1.7', 'udp', 514, false],
    ]);
  });

  it('decides whether a message reaches the hosts', () => {
    const s = parseLoggingConfig(cfg);
    expect(messageReachesHosts(s, '111008', 5)).toBe(false); // re-levelled to 7 > trap 6
    expect(messageReachesHosts(s, '727012', 6)).toBe(true);
    expect(messageReachesHosts(s, '302022', 6)).toBe(false);
    expect(messageReachesHosts(parseLoggingConfig('logging trap 7'), '111008', 5)).toBe(false); // not enabled
    expect(messageReachesHosts(parseLoggingConfig('logging enable'), '111008', 5)).toBe(false); // no trap level
  });

  it('reads show logging loosely', () => {
    expect(
      parseShowLogging(
        'Syslog logging: enabled\n    Facility: 20\n    Trap logging: level informational\n        Logging to 10.1.1.5 udp/514\n',
      ),
    ).toEqual({
      enabled: true,
      facility: 20,
      trapLevel: 6,
      hosts: ['10.1.1.5'],
    });
  });
});

describe('prompts', () => {
  it('finds exec, config and sub-mode prompts at the end of a buffer only', () => {
    expect(promptAtEnd('foo\nace-1/Admin# ')).toEqual({ hostname: 'ace-1', context: 'Admin', mode: undefined });
    expect(promptAtEnd('x\nace-1/VC_WEB(config-if)# ')).toEqual({
      hostname: 'ace-1',
      context: 'VC_WEB',
      mode: 'config-if',
    });
    expect(promptAtEnd('ace-1/Admin# \nmore output')).toBeUndefined();
    expect(promptAtEnd('x\nother/Admin# ', 'ace-1')).toBeUndefined();
  });

  it('extracts output between the echo and the prompt, and spots device errors', () => {
    expect(extractOutput('show x\nline1\nline2\nace/Admin# ', 'show x')).toBe('line1\nline2');
    expect(extractOutput('line1\nace/Admin# ', 'show x')).toBe('line1');
    expect(commandError("             ^\n% Invalid command at '^' marker.\n")).toBe("% Invalid command at '^' marker.");
    expect(commandError('Error: File not found\n')).toBe('Error: File not found');
    expect(commandError('logging enable\n% not an error here\n')).toBeUndefined();
  });
});
