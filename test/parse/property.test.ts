/**
 * Property-style checks with a seeded PRNG (reproducible: the seed is in the test name).
 * 1. Parsing never throws on random or mutated input, and always yields a known kind.
 * 2. Every relevant sample keeps its kind and fields under every envelope variation, and the
 *    fast path never calls it noise; every noise sample stays noise and the fast path says so.
 * 3. On mutated lines the fast path only answers true where the parser says noise.
 */
import { describe, expect, it } from 'vitest';
import { parseSyslog } from '../../src/parse/syslog.js';
import { isCertainNoise } from '../../src/parse/fast-path.js';
import { WIRE_KINDS } from '../../src/core/events.js';
import { prng } from './prng.js';

const KINDS = new Set<string>(WIRE_KINDS);

const RELEVANT: Array<[string, string]> = [
  ["%ACE-5-111008: User 'admin' executed the 'serverfarm host SF_WEB' command.", 'config-change'],
  ["%ACE-5-111008: User 'admin' executed the 'no logging enable' command.", 'logging-change'],
  ["%ACE-5-111008: User 'admin' executed the 'crypto import ftp 10.1.1.9 u /c.pem c.pem' command.", 'crypto-change'],
  ["%ACE-5-111008: User 'admin' executed the 'context VC_NEW' command.", 'context-lifecycle'],
  ["%ACE-5-111008: User 'admin' executed the 'ft switchover 1' command.", 'ha-state'],
  ['%ACE-5-199006: Orderly reload started at 10:00:00 by admin. Reload reason: upgrade', 'device-restart'],
  ['%ACE-3-253010: Configuration failure: Certificate in file web.pem', 'crypto-change'],
  ['%ACE-5-504001: Security context VC_NEW was added to the system', 'context-lifecycle'],
  ['%ACE-5-504002: Security context VC_OLD was removed from the system', 'context-lifecycle'],
  ['%ACE-3-727005: ace-a: HA: Config replication failed for context VC_WEB. Error : Missing file web.pem', 'ha-state'],
  ['%ACE-3-727010: ace-a: HA: Data replication failed for context VC_WEB. Error code 3', 'ha-state'],
  ['%ACE-3-727011: HA: Configuration replication for context VC_WEB will not happen. Error: x', 'ha-state'],
  ['%ACE-4-727012: ace-a: HA: FT Group 1 changed state to FSM_FT_STATE_ACTIVE. Reason: Peer down.', 'ha-state'],
  ['%ACE-4-727016: ace-a: HA: Replication for context VC_WEB has started. Status - ok.', 'ha-state'],
  ['%ACE-3-728016: HA data receive failure (type 3)', 'ha-state'],
  ['%ACE-3-728017: Internal communications error (ha) -- type 5', 'ha-state'],
  ['%ACE-5-728029: HA state for FtGroup 1 changed from STANDBY_HOT to ACTIVE State 0.', 'ha-state'],
  ['%ACE-4-728030: Silently discarding HA data: x', 'ha-state'],
];

const NOISE = [
  '%ACE-6-302022: Built TCP connection 0x1618 for vlan303:A/4928 (10.35.1.83/4928) to vlan600:B/80 (B/80)',
  '%ACE-6-302023: Teardown TCP connection 0x1618 for vlan303:A/4928 to vlan600:B/80 duration 0:00:01 bytes 52 FIN',
  '%ACE-4-106023: Deny tcp src vlan303:10.1.2.3/4100 dst vlan600:10.9.8.7/22 by access-group "ALL"',
  '%ACE-3-251010: Health probe failed for server 10.33.81.227 on port 8082, connection refused by server',
  "%ACE-7-111009: User 'admin' executed cmd: show running-config",
  '%ACE-4-442002: Health probe P detected R (interface vlan600) in serverfarm SF changed state to DOWN',
];

/** Envelope variations: each maps an ACE body to a full line. */
const ENVELOPES: Array<[string, (body: string) => string]> = [
  ['bare', (x) => x],
  ['PRI', (x) => `<166>${x}`],
  ['PRI+TS+devid', (x) => `<166>Jan 12 2026 10:11:12 ace-a: ${x}`],
  ['TS colon', (x) => `Jan  2 2026 10:11:12: ${x}`],
  ['devid', (x) => `ace-a: ${x}`],
  ['devid ASA style', (x) => `<166>ace-a : ${x}`],
  ['devid no space', (x) => `<166>VC_WEB:${x}`],
  ['relay 3164', (x) => `<166>Jan 12 10:11:12 relay.example.net ${x}`],
  ['relay 3164 + devid', (x) => `<166>Jan 12 10:11:12 relay ace-a: ${x}`],
  ['relay 3164 + TS + devid', (x) => `Jan 12 10:11:13 10.1.1.1 Jan 12 2026 10:11:12 ace-a: ${x}`],
  ['RFC 5424', (x) => `<166>1 2026-01-12T10:11:12.003Z relay ace - - - ${x}`],
  ['RFC 5424 SD + BOM', (x) => `<166>1 2026-01-12T10:11:12+02:00 relay ace 1 M [a b="c\\"]"] \ufeff${x}`],
  ['Cisco seq + star', (x) => `<190>421370: 421366: *Jan 12 2026 10:11:12 ace-a: ${x}`],
  ['no space after colon', (x) => x.replace(/^(%ACE-\d-\d{6}): /, '$1:')],
  ['no colon', (x) => x.replace(/^(%ACE-\d-\d{6}): /, '$1 ')],
  ['CRLF', (x) => `<166>${x}\r\n`],
  ['leading space', (x) => `  <166>${x}`],
];

describe('envelope variations keep the kind', () => {
  for (const [envName, wrap] of ENVELOPES) {
    it(`relevant samples, ${envName}`, () => {
      for (const [body, kind] of RELEVANT) {
        const plain = parseSyslog(body);
        const line = wrap(body);
        const e = parseSyslog(line);
        expect(e.kind, line).toBe(kind);
        // Fields from the body do not depend on the envelope.
        for (const f of [
          'id',
          'user',
          'command',
          'context',
          'ftGroup',
          'state',
          'prevState',
          'peerId',
          'error',
          'change',
        ] as const) {
          expect(e[f], `${f} in ${line}`).toStrictEqual(plain[f]);
        }
        expect(isCertainNoise(Buffer.from(line, 'utf8')), line).toBe(false);
      }
    });
    it(`noise samples, ${envName}`, () => {
      for (const body of NOISE) {
        const line = wrap(body);
        expect(parseSyslog(line).kind, line).toBe('noise');
        expect(isCertainNoise(Buffer.from(line, 'utf8')), line).toBe(true);
      }
    });
  }
});

const ALPHABET = [
  '%',
  'A',
  'C',
  'E',
  '-',
  ':',
  ' ',
  '<',
  '>',
  '1',
  '5',
  '7',
  '0',
  '\u0000',
  '\ufffd',
  '[',
  ']',
  '"',
  '\\',
  "'",
  '\r',
  '\n',
  'T',
  'Z',
  '.',
];

function mutate(r: ReturnType<typeof prng>, s: string): string {
  let out = s;
  const n = 1 + r.int(4);
  for (let k = 0; k < n; k++) {
    const at = r.int(out.length + 1);
    switch (r.int(5)) {
      case 0: // delete a span
        out = out.slice(0, at) + out.slice(at + 1 + r.int(8));
        break;
      case 1: // insert a character
        out = out.slice(0, at) + r.pick(ALPHABET) + out.slice(at);
        break;
      case 2: // replace a character
        out = out.slice(0, at) + r.pick(ALPHABET) + out.slice(at + 1);
        break;
      case 3: // duplicate a span
        out = out.slice(0, at) + out.slice(at, at + r.int(20)) + out.slice(at);
        break;
      default: // truncate
        out = out.slice(0, at);
    }
  }
  return out;
}

describe('never throws', () => {
  const SEED = 0xace5;
  it(`random bytes (seed ${SEED})`, () => {
    const r = prng(SEED);
    for (let i = 0; i < 3000; i++) {
      const len = r.int(300);
      const buf = Buffer.alloc(len);
      for (let k = 0; k < len; k++) buf[k] = r.int(256);
      // Sprinkle header pieces so the interesting paths are reached too.
      const raw = (r.int(2) ? '%ACE-' : '') + buf.toString(r.int(2) ? 'utf8' : 'latin1');
      const e = parseSyslog(raw);
      expect(KINDS.has(e.kind)).toBe(true);
      if (isCertainNoise(Buffer.from(raw, 'utf8'))) expect(e.kind).toBe('noise');
    }
  });

  it(`mutated real lines (seed ${SEED + 1}): fast path true implies parser noise`, () => {
    const r = prng(SEED + 1);
    const bodies = [...RELEVANT.map(([b]) => b), ...NOISE];
    for (let i = 0; i < 6000; i++) {
      const [, wrap] = r.pick(ENVELOPES);
      const raw = mutate(r, wrap(r.pick(bodies)));
      const e = parseSyslog(raw);
      expect(KINDS.has(e.kind)).toBe(true);
      expect(Object.values(e)).not.toContain(undefined);
      if (e.kind === 'malformed') expect(typeof e.error).toBe('string');
      if (isCertainNoise(Buffer.from(raw, 'utf8'))) expect(e.kind, raw).toBe('noise');
    }
  });
});
