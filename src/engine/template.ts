/**
 * Text templates in rules (`reason`, alert `summary`, labels, job payload values):
 * `{field}` is replaced by an event field (`{user}`, `{command}`, `{data.outcome}`) or
 * `{state.<name>}`; `{field|short}` gives a hash's first 12 hex digits ("not known" when
 * absent); `{{` and `}}` are literal braces. Values come from devices and are
 * untrusted: control characters are dropped, each value and the whole text are bounded.
 */
import type { AceEvent } from '../core/events.js';
import { parseFieldRef, readEventField, type StateField } from './fields.js';

export const MAX_VALUE_CHARS = 160;
export const MAX_TEXT_CHARS = 600;

type Part = string | { field: string; read: (e: AceEvent, s: (f: StateField) => unknown) => unknown };

export interface Template {
  readonly source: string;
  render(event: AceEvent, state?: (f: StateField) => unknown): string;
}

/** Make an untrusted value printable and bounded. */
export function cleanValue(v: unknown, max = MAX_VALUE_CHARS): string {
  if (v === undefined || v === null) return '';
  if (Array.isArray(v) && v.length === 0) return 'none';
  let s =
    typeof v === 'string'
      ? v
      : Array.isArray(v)
        ? v.map((x) => (typeof x === 'string' ? x : JSON.stringify(x))).join(', ')
        : typeof v === 'object'
          ? JSON.stringify(v)
          : String(v);

  s = s.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ');
  return s.length > max ? s.slice(0, max - 1) + '…' : s;
}

/** Compile a template; a string result is the reason it is invalid. */
export function compileTemplate(source: string): Template | string {
  const parts: Part[] = [];
  let lit = '';
  for (let i = 0; i < source.length; i++) {
    const c = source[i]!;
    if (c === '{' && source[i + 1] === '{') {
      lit += '{';
      i++;
    } else if (c === '}' && source[i + 1] === '}') {
      lit += '}';
      i++;
    } else if (c === '{') {
      const end = source.indexOf('}', i);
      if (end < 0) return `unclosed '{' at position ${i + 1} (write '{{' for a literal brace)`;
      const raw = source.slice(i + 1, end).trim();
      // `{data.hash|short}`: a hash as its first 12 hex digits, "not known" when absent.
      const short = raw.endsWith('|short');
      const name = short ? raw.slice(0, -'|short'.length).trim() : raw;
      const ref = parseFieldRef(name);
      if (typeof ref === 'string') return `in '{${name}}': ${ref}`;
      if (lit) parts.push(lit);
      lit = '';
      const shorten = (v: unknown): unknown =>
        !short
          ? v
          : typeof v === 'string' && v !== ''
            ? /^[0-9a-f]{13,}$/i.test(v)
              ? v.slice(0, 12)
              : v
            : 'not known';
      if (ref.source === 'state') {
        const f = ref.name;
        parts.push({ field: name, read: (_e, s) => shorten(s(f)) });
      } else parts.push({ field: name, read: (e) => shorten(readEventField(e, ref)) });
      i = end;
    } else if (c === '}') {
      return `unmatched '}' at position ${i + 1} (write '}}' for a literal brace)`;
    } else lit += c;
  }
  if (lit) parts.push(lit);
  return {
    source,
    render(event, state = () => undefined) {
      let out = '';
      for (const p of parts) out += typeof p === 'string' ? p : cleanValue(p.read(event, state));
      return out.length > MAX_TEXT_CHARS ? out.slice(0, MAX_TEXT_CHARS - 1) + '…' : out;
    },
  };
}

/** A template that is plain text (defaults). */
export function literal(text: string): Template {
  return { source: text, render: () => text };
}
