/**
 * The error catalogue (src/core/errors.ts) against its uses and its document (fastify's
 * test/internals/errors.test.js pattern): docs/errors.md is exactly what the catalogue renders, every code has a
 * status and a one-line meaning, every code src/ uses is catalogued, and every catalogued code is used (or
 * marked reserved, with a note saying why).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { errorsDoc, ERRORS_DOC } from '../../scripts/docs-errors.js';
import { DeadlineExceeded as DeadlineFromAnm } from '../../src/anm/strategies/common.js';
import { XmlParseError as XmlFromAnm, parseXml } from '../../src/anm/xml.js';
import { renderErrorsDoc } from '../../src/core/errors-doc.js';
import {
  AcesyncError,
  DeadlineExceeded,
  ERROR_CODES,
  ERRORS,
  httpStatusOf,
  isErrorCode,
  XmlParseError,
  type ErrorCode,
} from '../../src/core/errors.js';
import { SSH_FAILURES } from '../../src/devices/ssh-error.js';
import { toApiError } from '../../src/web/http-errors.js';

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '../../src');
const CATALOGUE_FILE = join(SRC, 'core/errors.ts');

function walk(dir: string, out: string[] = []): string[] {
  for (const e of readdirSync(dir)) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (p.endsWith('.ts')) out.push(p);
  }
  return out;
}

/** Source text with the catalogue's own table cut out, so a code listed there does not count as a use. */
function sourceOf(file: string): string {
  const text = readFileSync(file, 'utf8');
  if (file !== CATALOGUE_FILE) return text;
  const a = text.indexOf('export const ERRORS = {');
  const b = text.indexOf('} as const satisfies Record<string, ErrorSpec>');
  expect(a, 'the ERRORS table is found').toBeGreaterThan(0);
  expect(b).toBeGreaterThan(a);
  return text.slice(0, a) + text.slice(b);
}

/**
 * Quoted `'ACESYNC_…'` literals of src/, by code. Environment variable names share the prefix; the lines that
 * name them say so (`env`, `_ENV`), and those are left out.
 */
function literalsInSrc(): Map<string, string[]> {
  const found = new Map<string, string[]>();
  for (const f of walk(SRC))
    for (const [i, line] of sourceOf(f).split('\n').entries()) {
      if (/env/i.test(line)) continue;
      for (const m of line.matchAll(/['"`](ACESYNC_[A-Z0-9_]+)['"`]/g)) {
        const at = `${relative(SRC, f)}:${i + 1}`;
        found.set(m[1]!, [...(found.get(m[1]!) ?? []), at]);
      }
    }
  return found;
}

describe('error catalogue', () => {
  const codes = Object.keys(ERRORS) as ErrorCode[];

  it('docs/errors.md is what the catalogue renders (run `npm run docs:errors` after changing it)', () => {
    expect(readFileSync(ERRORS_DOC, 'utf8')).toBe(errorsDoc());
    for (const c of codes) expect(errorsDoc()).toContain(`| \`${c}\` | ${ERRORS[c].status} |`);
    for (const k of Object.keys(SSH_FAILURES)) expect(errorsDoc()).toContain(`| \`${k}\` |`);
  });

  it('the document changes with the catalogue (the check can fail)', () => {
    const changed = { ...ERRORS, ACESYNC_NOT_FOUND: { status: 410, meaning: 'gone' } };
    expect(renderErrorsDoc(changed, SSH_FAILURES)).not.toBe(errorsDoc());
  });

  it('every code has an HTTP status and a one-line meaning; reserved codes say why', () => {
    expect(codes.length).toBeGreaterThan(20);
    for (const c of codes) {
      const s = ERRORS[c] as { status: number; meaning: string; reserved?: true; note?: string };
      expect(c, 'code format').toMatch(/^ACESYNC_[A-Z0-9_]+$/);
      expect(Number.isInteger(s.status) && s.status >= 400 && s.status <= 599, `${c} status ${s.status}`).toBe(true);
      expect(s.meaning.trim().length, `${c} meaning`).toBeGreaterThan(3);
      expect(s.meaning, `${c} meaning is one line`).not.toMatch(/\n/);
      expect(ERROR_CODES[c]).toBe(s.meaning);
      if (s.reserved) expect(s.note?.trim().length ?? 0, `${c} is reserved without a note`).toBeGreaterThan(10);
    }
  });

  it('every code used in src/ is in the catalogue', () => {
    const used = literalsInSrc();
    expect(used.size).toBeGreaterThan(20);
    const unknown = [...used].filter(([c]) => !isErrorCode(c)).map(([c, at]) => `${c} at ${at.join(', ')}`);
    expect(unknown).toEqual([]);
  });

  it('every code in the catalogue is used in src/ unless it is reserved', () => {
    const used = literalsInSrc();
    const unused = codes.filter((c) => !used.has(c) && !('reserved' in ERRORS[c]));
    expect(unused).toEqual([]);
    const reservedButUsed = codes.filter((c) => used.has(c) && 'reserved' in ERRORS[c]);
    expect(reservedButUsed, 'a code in use is no longer reserved: drop the mark').toEqual([]);
  });

  it('the API answers with the catalogue status of each code', () => {
    for (const c of codes) {
      const r = toApiError(new AcesyncError(c, 'x'));
      expect(r.status, c).toBe(httpStatusOf(c));
      expect(r.body.code).toBe(c);
      expect(r.internal).toBe(httpStatusOf(c) >= 500);
    }
    expect(httpStatusOf('ACESYNC_NOT_FOUND')).toBe(404);
    expect(httpStatusOf('ACESYNC_STORE_WRITE')).toBe(503);
  });

  it('every SSH failure kind maps to an SSH code of the catalogue', () => {
    for (const [kind, k] of Object.entries(SSH_FAILURES)) {
      expect(isErrorCode(k.code), kind).toBe(true);
      expect(k.code.startsWith('ACESYNC_SSH'), kind).toBe(true);
    }
  });
});

describe('failure classes', () => {
  it('XmlParseError is an AcesyncError with its code, and the one anm/xml.ts throws', () => {
    expect(XmlFromAnm).toBe(XmlParseError);
    let caught: unknown;
    try {
      parseXml('<a><b></a>');
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(XmlParseError);
    expect(caught).toBeInstanceOf(AcesyncError);
    expect(caught).toMatchObject({ code: 'ACESYNC_XML_PARSE', name: 'XmlParseError' });
    expect((caught as XmlParseError).offset).toBeGreaterThan(0);
    expect((caught as Error).message).toMatch(/at offset \d+$/);
  });

  it('DeadlineExceeded is an AcesyncError with its code, and the one the upload strategies use', () => {
    expect(DeadlineFromAnm).toBe(DeadlineExceeded);
    const d = new DeadlineExceeded(250);
    expect(d).toBeInstanceOf(AcesyncError);
    expect(d).toMatchObject({ code: 'ACESYNC_UPLOAD_DEADLINE', name: 'DeadlineExceeded', ms: 250 });
    expect(d.message).toBe('deadline of 250 ms exceeded');
  });
});
