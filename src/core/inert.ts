/**
 * Inert output: device-sourced text (syslog lines, trap varbinds, command strings, context
 * names) reaches terminals and JSON readers. Raw, an ESC or CSI byte moves the cursor,
 * erases lines or sets the window title (OSC), BEL rings, a raw newline forges an output
 * line, and bidi overrides reorder what is read. Every CLI output goes through here:
 *
 * - `inert(s)` for human output: each such character becomes a visible escape
 *   (`\x1b`, `\x07`, `\n`, `\x9b`, `\u2028`, ...), so the text shows what was sent and
 *   does nothing.
 * - `inertJson(v)` for JSON output: JSON.stringify escapes C0 but not DEL, C1, U+2028/2029
 *   (line separators to JavaScript and many terminals) or bidi controls; those become
 *   `\uXXXX` too. Still valid JSON that parses back to the same value.
 * - `inertStrings(v)`: `inert` applied to every string in a plain value, for formatters
 *   that lay out fields with newlines of their own.
 *
 * Backslashes are left as they are: the output is for reading, not for round-tripping.
 */

/** C0, DEL, C1, line/paragraph separators, bidi embedding/override/isolate controls. */
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
/** What JSON.stringify leaves raw inside strings (it escapes C0 itself). */
const JSON_UNSAFE = /[\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

const NAMED: Readonly<Record<string, string>> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

const hex2 = (c: string): string => c.charCodeAt(0).toString(16).padStart(2, '0');
const u4 = (c: string): string => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0');

function escapeOne(c: string): string {
  const code = c.charCodeAt(0);
  return NAMED[c] ?? (code <= 0xff ? '\\x' + hex2(c) : u4(c));
}

/** `s` with every control character as a visible escape (for terminals and human output). */
export function inert(s: string): string {
  UNSAFE.lastIndex = 0;
  return UNSAFE.test(s) ? s.replace(UNSAFE, escapeOne) : s;
}

/** JSON.stringify, plus `\uXXXX` for DEL, C1, U+2028/2029 and bidi controls. */
export function inertJson(value: unknown, space?: number): string {
  const s = JSON.stringify(value, null, space);
  // Outside string literals JSON is ASCII structure only, so every match is inside a string.
  return s === undefined ? 'null' : s.replace(JSON_UNSAFE, u4);
}

/** `inert` applied to every string (keys included) of a JSON-like value; other values as they are. */
export function inertStrings<T>(value: T): T {
  if (typeof value === 'string') return inert(value) as T;
  if (Array.isArray(value)) return value.map((v: unknown) => inertStrings(v)) as T;
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) out[inert(k)] = inertStrings(v);
    return out as T;
  }
  return value;
}
