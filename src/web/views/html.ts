/**
 * HTML by tagged template, escaped by default. Every interpolated value that is not
 * already `Html` is cleaned (control characters become U+FFFD), cut to a bound and
 * escaped for text and double-quoted attribute positions. Device-sourced strings (syslog
 * text, command lines, context names, configuration) therefore cannot open a tag, close an
 * attribute or run a script. Use `text(v, max)` for a tighter bound than the default.
 */

/** Markup that is already safe. Only this module and view code built from `html` make it. */
export class Html {
  readonly value: string;
  constructor(value: string) {
    this.value = value;
  }
  toString(): string {
    return this.value;
  }
}

/** Bound of an interpolated value when the view asks for none. */
export const DEFAULT_MAX = 2000;

// C0/C1 controls except tab and newline.
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029]/g;
const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
  '`': '&#96;',
};

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"'`]/g, (c) => ESCAPES[c]!);
}

/** Clean and bound a value as plain text (not escaped yet). */
export function bound(v: unknown, max = DEFAULT_MAX): string {
  let s =
    typeof v === 'string'
      ? v
      : v === undefined || v === null
        ? ''
        : typeof v === 'object'
          ? JSON.stringify(v)
          : String(v);
  if (s.length > max + 1) s = s.slice(0, max + 1);
  s = s.replace(CONTROL, '\ufffd');
  return s.length > max ? s.slice(0, Math.max(0, max - 1)) + '…' : s;
}

/** A value as escaped, bounded text. */
export function text(v: unknown, max = DEFAULT_MAX): Html {
  return new Html(escapeHtml(bound(v, max)));
}

function part(v: unknown): string {
  if (v instanceof Html) return v.value;
  if (v === undefined || v === null || v === false) return '';
  if (Array.isArray(v)) return v.map(part).join('');
  return escapeHtml(bound(v));
}

export function html(strings: TemplateStringsArray, ...values: unknown[]): Html {
  let out = strings[0]!;
  for (let i = 0; i < values.length; i++) out += part(values[i]) + strings[i + 1]!;
  return new Html(out);
}

/** Join fragments. */
export function join(items: Iterable<unknown>, sep: Html | string = ''): Html {
  const s = sep instanceof Html ? sep.value : escapeHtml(sep);
  return new Html([...items].map(part).join(s));
}

/** A path segment for links (names are user- or device-controlled). */
export function seg(v: string): string {
  return encodeURIComponent(v);
}
