/** Relay matching (CIDR) and origin resolution: pure, on an inventory built from a real config. */
import { describe, expect, it } from 'vitest';
import { configSchema } from '../../src/config/schema.js';
import { cidrContains, parseCidr } from '../../src/core/cidr.js';
import { Inventory } from '../../src/inventory/inventory.js';
import { Relays, relayOrigin } from '../../src/inventory/relays.js';
import { parseSyslog } from '../../src/parse/syslog.js';

const config = configSchema.parse({
  syslog: { relays: ['10.9.0.0/24', { address: '10.8.0.5', origin: ['hostname'] }, '2001:db8:77::/48'] },
  snmp: { enabled: false },
  devices: [
    {
      name: 'ace-a',
      host: '10.0.0.1',
      peer: 'ace-b',
      sources: ['127.0.72.11'],
      contexts: [
        { name: 'VC_WEB', sources: ['127.0.72.12'] },
        { name: 'VC_ONLY_A', sources: ['127.0.72.14'] },
      ],
    },
    {
      name: 'ace-b',
      host: '10.0.0.2',
      peer: 'ace-a',
      sources: ['127.0.73.11'],
      contexts: [{ name: 'VC_WEB', sources: ['127.0.73.12'] }],
    },
  ],
});
const inv = Inventory.fromConfig(config);
const relays = new Relays(config.syslog.relays);
const LINE = "%ACE-5-111008: User 'admin' executed the 'rserver host X' command.";

describe('CIDR', () => {
  it('matches IPv4 and IPv6 blocks, IPv4-mapped addresses as IPv4, and refuses junk', () => {
    const c = parseCidr('10.9.0.0/24')!;
    expect(cidrContains(c, '10.9.0.77')).toBe(true);
    expect(cidrContains(c, '10.9.1.1')).toBe(false);
    expect(cidrContains(c, '::ffff:10.9.0.3')).toBe(true);
    expect(cidrContains(parseCidr('2001:db8::/32')!, '2001:db8:ffff::1')).toBe(true);
    expect(cidrContains(parseCidr('2001:db8::/32')!, '2001:db9::1')).toBe(false);
    expect(cidrContains(parseCidr('10.8.0.5')!, '10.8.0.5')).toBe(true);
    expect(cidrContains(parseCidr('10.8.0.5')!, '10.8.0.6')).toBe(false);
    for (const bad of ['10.0.0.0/33', '10.0.0/8', 'relay1', '10.0.0.1/8/2', '::1/129', ''])
      expect(parseCidr(bad), bad).toBeUndefined();
  });

  it('the config refuses a relay that is neither an address nor a block', () => {
    const r = configSchema.safeParse({ syslog: { relays: ['relay1.example.net'] } });
    expect(r.success).toBe(false);
  });
});

describe('relay origin', () => {
  const from = (relay: string, raw: string) => relayOrigin(parseSyslog(raw), relays.match(relay)!, inv);

  it('only configured relays match', () => {
    expect(relays.match('10.9.0.200')?.spec).toBe('10.9.0.0/24');
    expect(relays.match('10.8.0.5')?.spec).toBe('10.8.0.5');
    expect(relays.match('2001:db8:77::9')?.spec).toBe('2001:db8:77::/48');
    expect(relays.match('127.0.72.12')).toBeUndefined();
  });

  it('RFC 5424 [origin ip] comes first, then HOSTNAME, then the device-id', () => {
    const sd = `<165>1 2026-12-02T19:07:27Z 127.0.72.12 VC_WEB - - [origin ip="127.0.73.12"] ${LINE}`;
    expect(from('10.9.0.1', sd)).toEqual({ address: '127.0.73.12', via: 'sd-origin' });
    const host = `<165>1 2026-12-02T19:07:27Z 127.0.72.12 VC_WEB - - - ${LINE}`;
    expect(from('10.9.0.1', host)).toEqual({ address: '127.0.72.12', via: 'hostname' });
    // HOSTNAME names a device by its name: its own (Admin) source.
    expect(from('10.9.0.1', `<165>Dec  2 19:07:27 ace-b ${LINE}`)).toEqual({ address: '127.0.73.11', via: 'hostname' });
    // HOSTNAME unknown: a context name found on one device only decides; one on both peers does not.
    expect(from('10.9.0.1', `<165>Dec  2 19:07:27 somehost VC_ONLY_A: ${LINE}`)).toEqual({
      address: '127.0.72.14',
      via: 'device-id',
    });
    expect(from('10.9.0.1', `<165>Dec  2 19:07:27 somehost VC_WEB: ${LINE}`)).toBeUndefined();
  });

  it('a relay trusts only the fields configured for it', () => {
    const sd = `<165>1 2026-12-02T19:07:27Z 127.0.72.12 VC_WEB - - [origin ip="127.0.73.12"] ${LINE}`;
    // 10.8.0.5 trusts HOSTNAME only: the SD origin is ignored.
    expect(from('10.8.0.5', sd)).toEqual({ address: '127.0.72.12', via: 'hostname' });
    expect(from('10.8.0.5', `<165>Dec  2 19:07:27 somehost VC_ONLY_A: ${LINE}`)).toBeUndefined();
  });

  it('an origin that is not in the inventory is no origin', () => {
    expect(from('10.9.0.1', `<165>Dec  2 19:07:27 127.0.99.99 ${LINE}`)).toBeUndefined();
    expect(from('10.9.0.1', `<165>1 2026-12-02T19:07:27Z - - - - [origin ip="10.66.0.1"] ${LINE}`)).toBeUndefined();
  });
});

describe('relayed timestamps', () => {
  it('RFC 5424 stamps keep their zone (as UTC); traditional stamps are dated in the receive year', () => {
    expect(parseSyslog(`<165>1 2026-12-02T20:07:27.5+01:00 r %ACE-5-111008 - - - x`).timestamp).toBe(
      '2026-12-02T19:07:27',
    );
    const now = Date.UTC(2026, 11, 3, 12, 0, 0);
    expect(parseSyslog(`<165>Dec  2 19:07:27 r ${LINE}`, { now }).timestamp).toBe('2026-12-02T19:07:27');
    // Received on 2 January: a 31 December stamp is last year's.
    const jan = Date.UTC(2027, 0, 2, 0, 5, 0);
    expect(parseSyslog(`<165>Dec 31 23:59:50 r ${LINE}`, { now: jan }).timestamp).toBe('2026-12-31T23:59:50');
    // Without a receive time, a yearless stamp stays undated.
    expect(parseSyslog(`<165>Dec  2 19:07:27 r ${LINE}`).timestamp).toBeUndefined();
    // The ACE's own stamp (with its year) still wins over the relay's.
    expect(parseSyslog(`<165>Dec  2 19:07:27 r Nov 30 2025 01:02:03: ${LINE}`, { now }).timestamp).toBe(
      '2025-11-30T01:02:03',
    );
  });
});
