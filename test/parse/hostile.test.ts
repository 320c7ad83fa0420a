/** Hostile and broken input: the parser must never throw and must say something sensible. */
import { describe, expect, it } from 'vitest';
import { parseSyslog, parseAceBody } from '../../src/parse/syslog.js';
import { isCertainNoise } from '../../src/parse/fast-path.js';
import { WIRE_KINDS, type AceEvent } from '../../src/core/events.js';
import { LIMITS } from '../../src/parse/limits.js';

const KINDS = new Set<string>(WIRE_KINDS);

function check(raw: string): AceEvent {
  const e = parseSyslog(raw);
  expect(KINDS.has(e.kind)).toBe(true);
  expect(Object.values(e)).not.toContain(undefined);
  expect(() => JSON.stringify(e)).not.toThrow();
  return e;
}

describe('hostile input', () => {
  it('binary junk is malformed', () => {
    const bytes = Buffer.alloc(2048);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 131 + 7) & 0xff;
    const e = check(bytes.toString('latin1'));
    expect(e.kind).toBe('malformed');
    expect(e.error).toBe('no %ACE- message');
    expect(check('\u0000\u0001\u0002\u0003').kind).toBe('malformed');
  });

  it('empty and blank lines are malformed with a reason', () => {
    expect(check('')).toStrictEqual({ kind: 'malformed', error: 'empty line', raw: '' });
    expect(check(' \t\r\n').error).toBe('empty line');
  });

  it('non-ACE syslog is malformed, not noise', () => {
    const e = check('<13>Jan 12 10:11:12 host sshd[1]: Accepted password for root');
    expect(e).toMatchObject({ kind: 'malformed', error: 'no %ACE- message' });
  });

  it('truncated headers are malformed; a truncated body keeps its id', () => {
    expect(check('%ACE-').error).toBe('truncated %ACE- header');
    expect(check('<165>%ACE-5-1110').error).toBe('truncated %ACE- header');
    expect(check('%ACE-9-111008: bad severity').error).toBe('invalid %ACE- header');
    expect(check('%ACE-5-1110080: seven digits').error).toBe('invalid %ACE- header');
    expect(check('%ACE-5-111008')).toMatchObject({ kind: 'config-change', id: '111008', severity: 5 });
    expect(check('%ACE-4-727012: ace-a: HA: FT Gro')).toMatchObject({ kind: 'ha-state', id: '727012' });
    expect(check('%ACE-6-302022: Built TCP conn')).toMatchObject({ kind: 'noise', id: '302022' });
  });

  it('invalid UTF-8 decodes to replacement characters and still parses', () => {
    const raw = Buffer.concat([
      Buffer.from("<165>Jan 12 2026 10:11:12 ace-a: %ACE-5-111008: User 'adm"),
      Buffer.from([0xc3, 0x28, 0xff, 0xfe]),
      Buffer.from("n' executed the 'logging trap 7' command."),
    ]).toString('utf8');
    expect(raw).toContain('\ufffd');
    const e = check(raw);
    expect(e).toMatchObject({ kind: 'logging-change', command: 'logging trap 7', deviceId: 'ace-a' });
    expect(e.user).toContain('\ufffd');
  });

  it('64 KiB lines parse, with text and command bounded', () => {
    const big = 'A'.repeat(64 * 1024);
    const noise = check(`<166>%ACE-6-302022: ${big}`);
    expect(noise.kind).toBe('noise');
    expect(noise.text!.length).toBe(LIMITS.text);
    expect(noise.raw!.length).toBeGreaterThan(64 * 1024);

    const cmd = check(`%ACE-5-111008: User '${'u'.repeat(5000)}' executed the 'logging host ${big}' command.`);
    expect(cmd.kind).toBe('logging-change');
    expect(cmd.user!.length).toBe(LIMITS.user);
    expect(cmd.command!.length).toBeLessThanOrEqual(LIMITS.command);

    expect(check(big).kind).toBe('malformed');
    expect(check(`${big} ace-a: %ACE-5-504001: Security context VC1 was added to the system`)).toMatchObject({
      kind: 'context-lifecycle',
      context: 'VC1',
      deviceId: 'ace-a',
    });
  });

  it('long whitespace runs and repeated phrases do not blow up the HA patterns', () => {
    const spaces = ' '.repeat(60_000);
    for (const id of ['727001', '727002', '727005', '727006', '727010', '727012', '728029', '199006']) {
      const e = check(`%ACE-4-${id}: ace-a: HA: ${spaces}x${spaces}Error:${spaces}y${'. Reason: '.repeat(3000)}`);
      expect(e.id).toBe(id);
    }
    const e = check(`%ACE-5-111008: User '${"' executed the '".repeat(4000)}' command.`);
    expect(e.id).toBe('111008');
  });

  it('many %ACE- tokens: the first well-formed header wins', () => {
    const decoys = '%ACE-'.repeat(10_000) + '%ACE-9-000000 ';
    const e = check(
      `${decoys}%ACE-4-727012: HA: FT Group 1 changed state to FSM_FT_STATE_ACTIVE. Reason: x %ACE-6-302022: y`,
    );
    expect(e).toMatchObject({ kind: 'ha-state', id: '727012', ftGroup: 1, state: 'ACTIVE' });
    expect(check('%ACE-'.repeat(20_000)).kind).toBe('malformed');
    expect(isCertainNoise(Buffer.from(`${decoys}%ACE-6-302022: x`))).toBe(false);
  });

  it('lone surrogates, control characters and NULs do not break JSON output', () => {
    const e = check("<165>ace\u0000a: %ACE-5-111008: User '\ud800' executed the 'context VC\u0007X' command.");
    expect(e.kind).toBe('context-lifecycle');
    expect(JSON.parse(JSON.stringify(e)).context).toBe('VC\u0007X');
  });

  it('non-string input does not throw', () => {
    expect(parseSyslog(undefined as unknown as string)).toStrictEqual({ kind: 'malformed', error: 'not a string' });
    expect(parseSyslog(42 as unknown as string).kind).toBe('malformed');
  });

  it('parseAceBody (trap decoder entry) omits an unknown severity and tolerates odd ids', () => {
    expect(parseAceBody(undefined, '504001', 'Security context VC1 was added to the system')).toStrictEqual({
      kind: 'context-lifecycle',
      id: '504001',
      context: 'VC1',
      change: 'added',
      text: 'Security context VC1 was added to the system',
    });
    expect(parseAceBody(9, '727012', '')).toStrictEqual({ kind: 'ha-state', id: '727012' });
    expect(parseAceBody(5, 'abc', 'x')).toStrictEqual({ kind: 'noise', id: 'abc', severity: 5, text: 'x' });
    expect(parseAceBody(5, '11100', 'x').kind).toBe('noise');
  });
});
