/**
 * Text templates in rules (`reason`, alert `summary`, labels, job payload values):
 * `{field}` is replaced by an event field (`{user}`, `{command}`, `{data.outcome}`) or
 * `{state.<name>}`; `{{` and `}}` are literal braces. Filters after a `|`:
 * - `{field|short}`: a hash's first 12 hex digits ("not known" when absent);
 * - `{field|or:TEXT}`: TEXT when the field is absent or empty, so a missing value never leaves
 *   an empty placeholder (`harmful .`, `ANM )`);
 * - `{field|undo}`: the ACE configuration command that reverts the field's command (`no X`
 *   for `X`, `X` for `no X`): the fix hint of a logging command that silenced a context.
 * Values come from devices and are untrusted: control characters are dropped, each value
 * and the whole text are bounded.
 */
import type { AceEvent } from '../core/events.js';
import { parseFieldRef, readEventField, type StateField } from './fields.js';

export const MAX_VALUE_CHARS = 160;
export const MAX_TEXT_CHARS = 600;

type Part = string | { field: string; read: (e: AceEvent, s: (f: StateField) => unknown) => unknown };

export interface Template {
  readonly source: string;
  render(event: AceEvent, state?: (f: StateField) => unknown): string;
  /** The fields that would render as nothing for this event (an empty placeholder in the text). */
  blanks(event: AceEvent, state?: (f: StateField) => unknown): string[];
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

/** Empty for the purpose of `|or:` and `|short`: absent, null, '' or an empty list. */
function isEmpty(v: unknown): boolean {
  return v === undefined || v === null || v === '' || (Array.isArray(v) && v.length === 0);
}

/** The command that reverts an ACE configuration command: `no X` -> `X`, `X` -> `no X`. */
export function undoCommand(command: string): string {
  const c = command.trim().replace(/\s+/g, ' ');
  if (c === '') return '';
  const m = /^no (.+)$/i.exec(c);
  return m ? m[1]! : `no ${c}`;
}

/** A filter after `|` in a template, or the reason it is not one. */
function compileFilter(spec: string): ((v: unknown) => unknown) | string {
  const f = spec.trim();
  if (f === 'short')
    return (v) => (isEmpty(v) ? 'not known' : typeof v === 'string' && /^[0-9a-f]{13,}$/i.test(v) ? v.slice(0, 12) : v);
  if (f === 'undo') return (v) => (typeof v === 'string' && v.trim() !== '' ? undoCommand(v) : 'not known');
  if (f.startsWith('or:')) {
    const fallback = f.slice(3).trim();
    if (fallback === '') return "'or:' needs the text to show when the field is missing, e.g. {data.peer|or:the peer}";
    return (v) => (isEmpty(v) ? fallback : v);
  }
  return `unknown filter '${f.slice(0, 40)}' (filters: short, undo, or:TEXT)`;
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
      const bar = raw.indexOf('|');
      const name = (bar < 0 ? raw : raw.slice(0, bar)).trim();
      const filter = bar < 0 ? undefined : compileFilter(raw.slice(bar + 1));
      if (typeof filter === 'string') return `in '{${raw}}': ${filter}`;
      const ref = parseFieldRef(name);
      if (typeof ref === 'string') return `in '{${name}}': ${ref}`;
      if (lit) parts.push(lit);
      lit = '';
      const shorten = filter ?? ((v: unknown): unknown => v);
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
    blanks(event, state = () => undefined) {
      const out: string[] = [];
      for (const p of parts)
        if (typeof p !== 'string' && cleanValue(p.read(event, state)).trim() === '') out.push(p.field);
      return out;
    },
  };
}

/** A template that is plain text (defaults). */
export function literal(text: string): Template {
  return { source: text, render: () => text, blanks: () => [] };
}
