import { describe, expect, it } from 'vitest';
import { isCertainNoise } from '../../src/parse/fast-path.js';
import { isRelevantId, RELEVANT_ID_LIST } from '../../src/parse/relevant-ids.js';
import { HANDLERS, parseAceBody } from '../../src/parse/ace-catalogue.js';
import { parseSyslog } from '../../src/parse/syslog.js';

const b = (s: string): Buffer => Buffer.from(s, 'utf8');

describe('isCertainNoise', () => {
  it('is true for irrelevant ACE ids in any envelope', () => {
    for (const line of [
      '%ACE-6-302022: Built TCP connection 0x1 for a to b',
      '<134>Oct 17 19:48:58 cisco.ace.test.com %ACE-6-302022: Built',
      'Apr 29 2010 03:15:34 pvg1-ace02: %ACE-3-251008: Health probe failed',
      '<166>1 2026-01-12T10:11:13Z relay ace - - - %ACE-6-302023:Teardown',
      '%ACE-7-111009 User x executed cmd: show run',
      '%ACE-4-106023',
      '%ACE-3-728001: init',
      '%ACE-6-727000'.replace('727000', '726999'),
    ]) {
      expect(isCertainNoise(b(line)), line).toBe(true);
    }
  });

  it('is false for every relevant id and the whole 727xxx block', () => {
    for (const id of [...RELEVANT_ID_LIST, 727000, 727001, 727012, 727023, 727500, 727999]) {
      expect(isCertainNoise(b(`<165>%ACE-5-${id}: text`)), String(id)).toBe(false);
    }
  });

  it('is false for anything it cannot be sure about', () => {
    for (const line of [
      '',
      'hello world',
      '%ACE-',
      '%ACE-6-30202',
      '%ACE-6-3020221: seven digits',
      '%ACE-8-302022: bad severity',
      '%ACE-6_302022: bad separator',
      '%ace-6-302022: lower case',
      '%ACE-6-302022: quoting %ACE-5-111008: inside',
      "<165>1 - h a - - [x m=\"%ACE-6-302022\"] %ACE-5-111008: User 'a' executed the 'x' command.",
    ]) {
      expect(isCertainNoise(b(line)), line).toBe(false);
    }
  });

  it('reads bytes, not text: invalid UTF-8 around the header does not matter', () => {
    const line = Buffer.concat([Buffer.from([0xff, 0xe2, 0x28]), b('%ACE-6-302022: x'), Buffer.from([0xc3])]);
    expect(isCertainNoise(line)).toBe(true);
    expect(parseSyslog(line.toString('utf8')).kind).toBe('noise');
  });
});

describe('relevant ids, catalogue and fast path agree', () => {
  it('every handler id is relevant and every listed relevant id has a handler', () => {
    for (const id of Object.keys(HANDLERS)) expect(isRelevantId(Number(id)), id).toBe(true);
    for (const id of RELEVANT_ID_LIST) expect(HANDLERS[String(id)], String(id)).toBeDefined();
  });

  it('for every six-digit id: fast path noise <=> catalogue noise', () => {
    // Exhaustive over the id space; the text is neutral so only the id decides.
    const disagreements: string[] = [];
    const buf = Buffer.from('%ACE-5-000000: x', 'latin1');
    for (let n = 0; n <= 999_999; n++) {
      const id = String(n).padStart(6, '0');
      buf.write(id, 7, 'latin1');
      const fast = isCertainNoise(buf);
      const relevant = isRelevantId(n);
      if (fast === relevant) disagreements.push(id);
    }
    expect(disagreements).toEqual([]);
    // And the catalogue turns every relevant id into a non-noise kind for a neutral text,
    // except where the text decides (111008 with a command is classified by the command).
    for (let n = 0; n <= 999_999; n++) {
      if (!isRelevantId(n)) continue;
      const e = parseAceBody(5, String(n), 'x');
      expect(e.kind, String(n)).not.toBe('noise');
    }
    expect(parseAceBody(5, '302022', 'x').kind).toBe('noise');
  });
});
