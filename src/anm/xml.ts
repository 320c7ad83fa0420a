/**
 * A small, strict, bounded XML reader and an escaper, enough for SOAP 1.1 rpc/literal
 * envelopes. No DTDs (so no entity expansion, no XXE), no external anything; limits on
 * size, depth and node count so a hostile or broken peer cannot exhaust memory.
 *
 * Element and attribute names keep their prefix in `qname`; callers match on `local`
 * because JAX-WS picks prefixes freely (`S:`, `soap:`, `ns2:`).
 */
import { XmlParseError } from '../core/errors.js';

export { XmlParseError };

export interface XmlElement {
  /** Qualified name as written, e.g. `ns2:loginResponse`. */
  qname: string;
  /** Local part, e.g. `loginResponse`. */
  local: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  /** Concatenated character data directly inside this element (entities decoded). */
  text: string;
}

export interface XmlLimits {
  maxBytes: number;
  maxDepth: number;
  maxElements: number;
}

export const DEFAULT_XML_LIMITS: XmlLimits = { maxBytes: 4 * 1024 * 1024, maxDepth: 64, maxElements: 100_000 };

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

/**
 * Escape text for element content or attribute values. Characters XML 1.0 cannot carry
 * at all (C0 controls other than tab/CR/LF, lone surrogates, U+FFFE/U+FFFF) are dropped:
 * an escaped form does not exist for them and a strict server would reject the document.
 */
export function escapeXml(value: string): string {
  return value
    .replace(
      /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g,
      '',
    )
    .replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

const NAMED_ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

function decodeEntities(s: string, offset: number): string {
  if (!s.includes('&')) return s;
  return s.replace(/&([^;&\s]{0,12});?/g, (whole, name: string) => {
    if (!whole.endsWith(';')) throw new XmlParseError('unterminated entity reference', offset);
    if (name.startsWith('#')) {
      const code =
        name[1] === 'x' || name[1] === 'X' ? Number.parseInt(name.slice(2), 16) : Number.parseInt(name.slice(1), 10);
      if (!Number.isInteger(code) || code < 0 || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff))
        throw new XmlParseError(`bad character reference &${name};`, offset);
      return String.fromCodePoint(code);
    }
    const v = NAMED_ENTITIES[name];
    if (v === undefined) throw new XmlParseError(`unknown entity &${name};`, offset);
    return v;
  });
}

const NAME_RE = /^[A-Za-z_][\w.-]*(?::[A-Za-z_][\w.-]*)?$/;
const ATTR_RE = /([^\s=]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/gy;

function localOf(qname: string): string {
  const i = qname.indexOf(':');
  return i < 0 ? qname : qname.slice(i + 1);
}

/**
 * Parse an XML document into an element tree. Throws `XmlParseError` on anything not
 * well-formed, on a DOCTYPE, or when a limit is exceeded.
 */
export function parseXml(input: string, limits: XmlLimits = DEFAULT_XML_LIMITS): XmlElement {
  if (input.length > limits.maxBytes) throw new XmlParseError(`document larger than ${limits.maxBytes} characters`, 0);
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  let count = 0;
  let i = 0;
  const n = input.length;
  if (input.charCodeAt(0) === 0xfeff) i = 1;

  while (i < n) {
    const lt = input.indexOf('<', i);
    const textEnd = lt < 0 ? n : lt;
    if (textEnd > i) {
      const raw = input.slice(i, textEnd);
      const top = stack[stack.length - 1];
      if (top) top.text += decodeEntities(raw, i);
      else if (raw.trim() !== '') throw new XmlParseError('text outside the root element', i);
    }
    if (lt < 0) break;
    i = lt;

    if (input.startsWith('<?', i)) {
      const end = input.indexOf('?>', i + 2);
      if (end < 0) throw new XmlParseError('unterminated processing instruction', i);
      i = end + 2;
    } else if (input.startsWith('<!--', i)) {
      const end = input.indexOf('-->', i + 4);
      if (end < 0) throw new XmlParseError('unterminated comment', i);
      i = end + 3;
    } else if (input.startsWith('<![CDATA[', i)) {
      const end = input.indexOf(']]>', i + 9);
      if (end < 0) throw new XmlParseError('unterminated CDATA section', i);
      const top = stack[stack.length - 1];
      if (!top) throw new XmlParseError('CDATA outside the root element', i);
      top.text += input.slice(i + 9, end);
      i = end + 3;
    } else if (input.startsWith('<!', i)) {
      // DOCTYPE and friends: refused outright (entity expansion, external entities).
      throw new XmlParseError('DOCTYPE/declarations are not accepted', i);
    } else if (input.startsWith('</', i)) {
      const end = input.indexOf('>', i + 2);
      if (end < 0) throw new XmlParseError('unterminated end tag', i);
      const name = input.slice(i + 2, end).trim();
      const top = stack.pop();
      if (!top || top.qname !== name) throw new XmlParseError(`unexpected </${name}>`, i);
      i = end + 1;
    } else {
      const end = findTagEnd(input, i + 1);
      if (end < 0) throw new XmlParseError('unterminated start tag', i);
      const selfClosing = input[end - 1] === '/';
      const body = input.slice(i + 1, selfClosing ? end - 1 : end);
      const m = /^([^\s/>]+)/.exec(body);
      if (!m || !NAME_RE.test(m[1]!)) throw new XmlParseError('bad element name', i);
      const qname = m[1]!;
      const attrs = parseAttrs(body.slice(qname.length), i);
      if (++count > limits.maxElements) throw new XmlParseError(`more than ${limits.maxElements} elements`, i);
      const el: XmlElement = { qname, local: localOf(qname), attrs, children: [], text: '' };
      const parent = stack[stack.length - 1];
      if (parent) parent.children.push(el);
      else if (root) throw new XmlParseError('more than one root element', i);
      else root = el;
      if (!selfClosing) {
        stack.push(el);
        if (stack.length > limits.maxDepth) throw new XmlParseError(`nesting deeper than ${limits.maxDepth}`, i);
      }
      i = end + 1;
    }
  }
  if (stack.length > 0) throw new XmlParseError(`unclosed <${stack[stack.length - 1]!.qname}>`, n);
  if (!root) throw new XmlParseError('no root element', 0);
  return root;
}

/** Index of the `>` closing a start tag, skipping quoted attribute values. */
function findTagEnd(s: string, from: number): number {
  let quote = '';
  for (let j = from; j < s.length; j++) {
    const c = s[j]!;
    if (quote) {
      if (c === quote) quote = '';
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '>') return j;
    else if (c === '<') return -1;
  }
  return -1;
}

function parseAttrs(s: string, offset: number): Record<string, string> {
  const attrs: Record<string, string> = Object.create(null) as Record<string, string>;
  let pos = 0;
  while (pos < s.length) {
    const ws = /\s*/y;
    ws.lastIndex = pos;
    ws.exec(s);
    pos = ws.lastIndex;
    if (pos >= s.length) break;
    ATTR_RE.lastIndex = pos;
    const m = ATTR_RE.exec(s);
    if (!m || !NAME_RE.test(m[1]!)) throw new XmlParseError('bad attribute', offset);
    if (m[1]! in attrs) throw new XmlParseError(`duplicate attribute ${m[1]}`, offset);
    attrs[m[1]!] = decodeEntities(m[2] ?? m[3] ?? '', offset);
    pos = ATTR_RE.lastIndex;
  }
  return attrs;
}

/** First direct child with this local name. */
export function child(el: XmlElement | undefined, local: string): XmlElement | undefined {
  return el?.children.find((c) => c.local === local);
}

/** All direct children with this local name. */
export function childrenNamed(el: XmlElement | undefined, local: string): XmlElement[] {
  return el ? el.children.filter((c) => c.local === local) : [];
}

/** First descendant (depth-first, self excluded) with this local name. */
export function descendant(el: XmlElement | undefined, local: string): XmlElement | undefined {
  if (!el) return undefined;
  for (const c of el.children) {
    if (c.local === local) return c;
    const d = descendant(c, local);
    if (d) return d;
  }
  return undefined;
}

/** Trimmed text of the first direct child with this local name. */
export function childText(el: XmlElement | undefined, local: string): string | undefined {
  const c = child(el, local);
  return c === undefined ? undefined : c.text.trim();
}

/** Serialise `{name: value}` pairs (values escaped; undefined skipped) as child elements. */
export function xmlFields(fields: Record<string, string | number | undefined>): string {
  let out = '';
  for (const [k, v] of Object.entries(fields)) {
    if (v === undefined) continue;
    out += `<${k}>${escapeXml(String(v))}</${k}>`;
  }
  return out;
}
