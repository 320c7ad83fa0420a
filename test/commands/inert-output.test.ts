/**
 * Inert output, byte by byte on the built CLI's real stdout: device-sourced ESC, BEL, CSI,
 * OSC (window title), C1, DEL, U+2028 and raw newlines, fed as real syslog lines, never
 * reach the terminal raw; they show as visible escapes (human output) or as JSON escapes
 * that parse back to the same text.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, runCli } from '../helpers/cli.js';
import { change, harness, tempDir, writeRulesDir } from '../engine/helpers.js';
import { inert, inertJson, inertStrings } from '../../src/core/inert.js';

/** OSC window title, BEL, clear screen, cursor up, C1 CSI, DEL, line separator, bidi override. */
const HOSTILE = 'banner motd \u001b]0;pwned\u0007\u001b[2J\u001b[1A\u009b2K\u007f\u2028\u202e';
const SHOWN = 'banner motd \\x1b]0;pwned\\x07\\x1b[2J\\x1b[1A\\x9b2K\\x7f\\u2028\\u202e';
const LINE = `<189>Mar  1 2026 10:00:00 ace2: %ACE-5-111008: User 'oper1' executed the '${HOSTILE}' command.`;

/** Bytes a terminal acts on: C0 but LF, DEL, C1 (UTF-8 C2 80..9F), U+2028/2029, bidi controls. */
function unsafeBytes(out: Buffer): number[] {
  const bad: number[] = [];
  for (let i = 0; i < out.length; i++) {
    const b = out[i]!;
    if ((b < 0x20 && b !== 0x0a) || b === 0x7f) bad.push(i);
    else if (b === 0xc2 && out[i + 1]! >= 0x80 && out[i + 1]! <= 0x9f) bad.push(i);
    else if (b === 0xe2 && out[i + 1] === 0x80 && [0xa8, 0xa9, 0xaa, 0xab, 0xac, 0xad, 0xae].includes(out[i + 2]!))
      bad.push(i);
    else if (b === 0xe2 && out[i + 1] === 0x81 && out[i + 2]! >= 0xa6 && out[i + 2]! <= 0xa9) bad.push(i);
  }
  return bad;
}

const bytes = (s: string): Buffer => Buffer.from(s, 'utf8');

describe('inert helpers', () => {
  it('escape what terminals act on, visibly, and leave printable text alone', () => {
    expect(inert(HOSTILE)).toBe(SHOWN);
    expect(inert('a\nb\r\tc\u0000')).toBe('a\\nb\\r\\tc\\x00');
    expect(inert('VC_WEB ü € 日本')).toBe('VC_WEB ü € 日本');
    const j = inertJson({ c: HOSTILE });
    expect(unsafeBytes(bytes(j))).toEqual([]);
    expect(JSON.parse(j)).toEqual({ c: HOSTILE });
    expect(inertStrings({ a: [HOSTILE, 1, null], [HOSTILE]: true })).toEqual({ a: [SHOWN, 1, null], [SHOWN]: true });
  });
});

describe('every CLI output is inert', () => {
  it('parse: JSON lines on stdout carry no raw control bytes and parse back to the device text', async () => {
    const r = await runCli(['parse'], { input: LINE + '\n' });
    expect(r.code, r.stderr).toBe(0);
    expect(unsafeBytes(bytes(r.stdout))).toEqual([]);
    const e = JSON.parse(r.stdout.trim()) as { kind: string; command: string };
    expect(e).toMatchObject({ kind: 'config-change', command: HOSTILE });
  });

  it('replay and explain (human and --json) over a database written from the same syslog line', async () => {
    const dir = tempDir('acesync-inert-');
    const log = join(dir, 'hostile.log');
    writeFileSync(log, `10.0.2.2 ${LINE}\n`);
    const db = join(dir, 'state.db');
    const config = join(ROOT, 'samples/replay/acesync.yaml');
    const replay = await runCli(['replay', '--config', config, '--db', db, '--all', log], { timeoutMs: 30_000 });
    expect(replay.code, replay.stderr).toBe(0);
    expect(unsafeBytes(bytes(replay.stdout))).toEqual([]);
    // The rules' reason templates already blank control characters; nothing raw either way.
    expect(replay.stdout).toContain("oper1 ran 'banner motd");

    const human = await runCli(['explain', 'ace2', 'VC_APP', '--db', db]);
    expect(human.code, human.stderr).toBe(0);
    expect(unsafeBytes(bytes(human.stdout))).toEqual([]);
    expect(human.stdout).toContain(SHOWN);

    const json = await runCli(['explain', 'ace2', 'VC_APP', '--db', db, '--json']);
    expect(json.code).toBe(0);
    expect(unsafeBytes(bytes(json.stdout))).toEqual([]);
    expect(json.stdout).toContain('\\u009b2K\\u007f\\u2028\\u202e');
    expect(JSON.stringify(JSON.parse(json.stdout))).toContain(JSON.stringify(HOSTILE).slice(1, -1));
  });

  it('explain: a raw newline inside a device field cannot forge an output line', async () => {
    const db = join(tempDir('acesync-inert-'), 'state.db');
    const h = harness({ path: db });
    h.feed(change('ace2', 'VC_WEB', 'x\nFORGED: ace2/VC_WEB: in-sync\r\u001b[1A', 'oper1\u0007'));
    h.close();
    const r = await runCli(['explain', 'ace2', 'VC_WEB', '--db', db]);
    expect(r.code, r.stderr).toBe(0);
    expect(unsafeBytes(bytes(r.stdout))).toEqual([]);
    expect(r.stdout.split('\n').some((l) => l.startsWith('FORGED'))).toBe(false);
    expect(r.stdout).toContain('x\\nFORGED: ace2/VC_WEB: in-sync\\r\\x1b[1A');
    expect(r.stdout).toContain('oper1\\x07');
  });

  it('rules check: a key quoted back from a rule file shows its escape sequence as text', async () => {
    const dir = writeRulesDir({ 'r.yaml': 'rules:\n  - name: x\n    "on\\e]0;pwned\\a\\u009b2J": config-change\n' });
    const r = await runCli(['rules', 'check', dir]);
    expect(r.code).toBe(2);
    expect(unsafeBytes(bytes(r.stderr))).toEqual([]);
    expect(r.stderr).toContain("unknown key 'on\\x1b]0;pwned\\x07\\x9b2J'");
  });
});
