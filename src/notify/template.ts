/**
 * A tiny body templater for webhook receivers that do not speak Alertmanager's format
 * (Slack-style `{"text": ...}` bodies and the like). Pure, no code execution, bounded.
 *
 *   {{path}}                 the value, escaped as the inside of a JSON string
 *   {{json path}}            the value as JSON (objects, arrays, quoted strings)
 *   {{slack path}}           like {{path}}, with Slack's `& < >` escaped first (&amp; &lt; &gt;),
 *                            so `<!channel>` or `<https://x|label>` in device text stays text
 *   {{html path}}            like {{path}}, with `& < > " '` as HTML entities first
 *   {{#each path}}…{{/each}} repeat for each element; inside, paths resolve against the
 *                            element first, then outwards; @index, @number, @first, @last
 *   {{#if path}}…{{else}}…{{/if}}, {{#unless path}}…{{/unless}}
 *
 * Paths are dotted (`groupLabels.alertname`, `alerts.length`, `this`). Because every
 * `{{path}}` is JSON-escaped, device-sourced text (command lines, syslog text) cannot
 * break out of the string it is placed in; the Slack and HTML forms keep it from being
 * read as markup by the receiver. DEL, C1 controls and U+2028/2029 are \u-escaped too
 * (core/inert.ts): JSON.stringify leaves them raw.
 */
import { AcesyncError } from '../core/errors.js';
import { inertJson } from '../core/inert.js';

export const MAX_TEMPLATE_CHARS = 64 * 1024;
export const MAX_OUTPUT_CHARS = 1024 * 1024;
const MAX_DEPTH = 8;

/** How a value is written: inside a JSON string (plain, Slack, HTML) or as JSON. */
type Escape = 'string' | 'json' | 'slack' | 'html';
const FILTERS: ReadonlySet<string> = new Set(['json', 'slack', 'html']);

type Node =
  | { t: 'text'; s: string }
  | { t: 'var'; path: string[]; as: Escape; line: number }
  | { t: 'each'; path: string[]; body: Node[]; line: number }
  | { t: 'if'; path: string[]; negate: boolean; then: Node[]; else: Node[]; line: number };

export interface CompiledTemplate {
  readonly source: string;
  render(data: unknown): string;
}

function fail(file: string, line: number, message: string): never {
  throw new AcesyncError('ACESYNC_TEMPLATE', `${file}:${line}: ${message}`, { file, line });
}

const PATH = /^(?:this|@index|@number|@first|@last|[A-Za-z_][A-Za-z0-9_]*)(?:\.(?:[A-Za-z_][A-Za-z0-9_]*|length))*$/;

function parsePath(p: string, file: string, line: number): string[] {
  if (!PATH.test(p))
    fail(
      file,
      line,
      `'${p.slice(0, 40)}' is not a path (expected e.g. receiver, groupLabels.alertname, labels.device)`,
    );
  return p.split('.');
}

/** Compile a template; errors name the file and line. */
export function compileTemplate(source: string, file = '(template)'): CompiledTemplate {
  if (source.length > MAX_TEMPLATE_CHARS) fail(file, 1, `template larger than ${MAX_TEMPLATE_CHARS} characters`);
  const tag = /\{\{\s*([^{}]*?)\s*\}\}/g;
  const root: Node[] = [];
  // Open blocks: where their nodes go, and which branch of an `if` is being filled.
  const stack: Array<{ node: Extract<Node, { t: 'each' | 'if' }>; into: Node[]; kind: 'each' | 'if' | 'unless' }> = [];
  let out = root;
  let last = 0;
  let m: RegExpExecArray | null;
  const lineAt = (i: number): number => source.slice(0, i).split('\n').length;
  while ((m = tag.exec(source)) !== null) {
    if (m.index > last) out.push({ t: 'text', s: source.slice(last, m.index) });
    last = tag.lastIndex;
    const line = lineAt(m.index);
    const body = m[1]!;
    const [word, ...rest] = body.split(/\s+/);
    const arg = rest.join(' ');
    if (word === '#each' || word === '#if' || word === '#unless') {
      if (stack.length >= MAX_DEPTH) fail(file, line, `blocks nested deeper than ${MAX_DEPTH}`);
      if (!arg) fail(file, line, `${word} needs a path`);
      const path = parsePath(arg, file, line);
      const node: Extract<Node, { t: 'each' | 'if' }> =
        word === '#each'
          ? { t: 'each', path, body: [], line }
          : { t: 'if', path, negate: word === '#unless', then: [], else: [], line };
      out.push(node);
      const into = node.t === 'each' ? node.body : node.then;
      stack.push({ node, into, kind: word.slice(1) as 'each' | 'if' | 'unless' });
      out = into;
    } else if (word === 'else') {
      const top = stack[stack.length - 1];
      if (!top || top.node.t !== 'if') fail(file, line, '{{else}} outside {{#if}}/{{#unless}}');
      if (top.into === top.node.else) fail(file, line, 'a second {{else}} in one block');
      top.into = top.node.else;
      out = top.into;
    } else if (word === '/each' || word === '/if' || word === '/unless') {
      const top = stack.pop();
      if (!top) fail(file, line, `{{${word}}} without an open block`);
      if (top.kind !== word.slice(1))
        fail(file, line, `{{${word}}} closes {{#${top.kind}}} opened on line ${top.node.line}`);
      const parent = stack[stack.length - 1];
      out = parent ? parent.into : root;
    } else if (FILTERS.has(word!)) {
      if (!arg) fail(file, line, `{{${word} path}} needs a path`);
      out.push({ t: 'var', path: parsePath(arg, file, line), as: word as Escape, line });
    } else if (word!.startsWith('#') || word!.startsWith('/')) {
      fail(file, line, `unknown block '${word}' (known: #each, #if, #unless, else)`);
    } else {
      if (rest.length > 0)
        fail(
          file,
          line,
          `unexpected '${body.slice(0, 40)}' (one path per {{ }}, or {{json path}}, {{slack path}}, {{html path}})`,
        );
      out.push({ t: 'var', path: parsePath(word!, file, line), as: 'string', line });
    }
  }
  if (stack.length > 0)
    fail(file, stack[stack.length - 1]!.node.line, `{{#${stack[stack.length - 1]!.kind}}} is never closed`);
  if (last < source.length) out.push({ t: 'text', s: source.slice(last) });

  return {
    source,
    render(data: unknown): string {
      const parts: string[] = [];
      let size = 0;
      const emit = (s: string): void => {
        size += s.length;
        if (size > MAX_OUTPUT_CHARS)
          throw new AcesyncError(
            'ACESYNC_TEMPLATE',
            `${file}: rendered body larger than ${MAX_OUTPUT_CHARS} characters`,
          );
        parts.push(s);
      };
      walk(root, [{ value: data }], emit);
      return parts.join('');
    },
  };
}

interface Scope {
  value: unknown;
  meta?: Record<string, unknown>;
}

function lookup(path: string[], scopes: Scope[]): unknown {
  const [head, ...tail] = path;
  let v: unknown;
  if (head === 'this') v = scopes[scopes.length - 1]!.value;
  else if (head!.startsWith('@')) v = scopes[scopes.length - 1]!.meta?.[head!.slice(1)];
  else {
    for (let i = scopes.length - 1; i >= 0; i--) {
      const s = scopes[i]!.value;
      if (s && typeof s === 'object' && Object.prototype.hasOwnProperty.call(s, head!)) {
        v = (s as Record<string, unknown>)[head!];
        break;
      }
    }
  }
  for (const k of tail) {
    if (v === null || v === undefined) return undefined;
    if (k === 'length' && (Array.isArray(v) || typeof v === 'string')) v = v.length;
    else if (typeof v === 'object' && Object.prototype.hasOwnProperty.call(v, k)) v = (v as Record<string, unknown>)[k];
    else return undefined;
  }
  return v;
}

function truthy(v: unknown): boolean {
  if (Array.isArray(v)) return v.length > 0;
  return Boolean(v);
}

const text = (v: unknown): string =>
  v === undefined || v === null
    ? ''
    : typeof v === 'string'
      ? v
      : typeof v === 'object'
        ? JSON.stringify(v)
        : String(v);

/** The inside of a JSON string literal. */
export function jsonEscape(v: unknown): string {
  return inertJson(text(v)).slice(1, -1);
}

/** Slack's message escaping (api.slack.com "Escaping text"): only & < > are control characters. */
export function slackEscape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

const HTML: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
export function htmlEscape(s: string): string {
  return s.replace(/[&<>"']/g, (c) => HTML[c]!);
}

function written(v: unknown, as: Escape): string {
  switch (as) {
    case 'json':
      return inertJson(v ?? null);
    case 'slack':
      return jsonEscape(slackEscape(text(v)));
    case 'html':
      return jsonEscape(htmlEscape(text(v)));
    default:
      return jsonEscape(v);
  }
}

function walk(nodes: Node[], scopes: Scope[], emit: (s: string) => void): void {
  for (const n of nodes) {
    switch (n.t) {
      case 'text':
        emit(n.s);
        break;
      case 'var': {
        const v = lookup(n.path, scopes);
        emit(written(v, n.as));
        break;
      }
      case 'if':
        walk(truthy(lookup(n.path, scopes)) !== n.negate ? n.then : n.else, scopes, emit);
        break;
      case 'each': {
        const list = lookup(n.path, scopes);
        if (!Array.isArray(list)) break;
        list.forEach((item, i) =>
          walk(
            n.body,
            [
              ...scopes,
              { value: item, meta: { index: i, number: i + 1, first: i === 0, last: i === list.length - 1 } },
            ],
            emit,
          ),
        );
        break;
      }
    }
  }
}
