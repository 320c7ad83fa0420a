/**
 * Adding a syslog/trap source address to a device (or one of its contexts) in the text of
 * acesync.yaml, keeping everything else as the operator wrote it: comments, order, flow or
 * block style (the `yaml` package's Document API). Pure: text in, text out; the caller does
 * the file I/O and the reload. Also the snippet to paste by hand when acesync cannot write
 * the file.
 */
import { isIP } from 'node:net';
import { isMap, isScalar, isSeq, parseDocument, type Document, type YAMLMap } from 'yaml';
import { ip } from './sections/common.js';

export interface SourceTarget {
  device: string;
  /** A context of the device; absent: the device's own `sources` (any context). */
  context?: string;
}

export type AddSourceResult =
  { ok: true; text: string; changed: boolean } | { ok: false; reason: 'not-found' | 'unparsable'; message: string };

/** The canonical form of an address an operator (or a packet) gave, or undefined when it is not an IP address. */
export function canonicalAddress(raw: string): string | undefined {
  const a = raw.trim().toLowerCase();
  const unwrapped = a.startsWith('::ffff:') && a.includes('.') ? a.slice(7) : a;
  if (unwrapped.length > 45 || isIP(unwrapped) === 0) return undefined;
  // The configuration's own rule (zone ids such as fe80::1%eth0 pass isIP but not the schema).
  return ip.safeParse(unwrapped).success ? unwrapped : undefined;
}

const nameOf = (node: unknown): string | undefined => {
  if (!isMap(node)) return undefined;
  const n = node.get('name');
  return typeof n === 'string' ? n : undefined;
};

function findNamed(seq: unknown, name: string): YAMLMap | undefined {
  if (!isSeq(seq)) return undefined;
  return seq.items.find((item) => nameOf(item) === name) as YAMLMap | undefined;
}

const lineEnd = (text: string, pos: number): number => {
  const i = text.indexOf('\n', pos);
  return i < 0 ? text.length : i;
};
const column = (text: string, pos: number): number => pos - (text.lastIndexOf('\n', pos - 1) + 1);
const insert = (text: string, pos: number, s: string): string => text.slice(0, pos) + s + text.slice(pos);
const endOf = (node: unknown): number | undefined => (node as { range?: [number, number, number] }).range?.[1];
const startOf = (node: unknown): number | undefined => (node as { range?: [number, number, number] }).range?.[0];

/**
 * The edit as an insertion into the operator's text, so every other byte stays as written:
 * after the last item of a flow (`[a]`) or block (`- a`) list, or a new `sources:` entry
 * after the `name:` of the target. undefined when the layout is not one of these.
 */
function insertion(text: string, holder: YAMLMap, sources: unknown, address: string): string | undefined {
  if (isSeq(sources)) {
    const last = sources.items.at(-1);
    if (sources.flow) {
      if (last === undefined) {
        const close = text.lastIndexOf(']', endOf(sources));
        return close < 0 ? undefined : insert(text, close, address);
      }
      const end = endOf(last);
      return end === undefined ? undefined : insert(text, end, `, ${address}`);
    }
    const first = startOf(sources);
    const end = endOf(last);
    if (first === undefined || end === undefined) return undefined;
    return insert(text, lineEnd(text, end), `\n${' '.repeat(column(text, first))}- ${address}`);
  }
  if (holder.flow) {
    const last = holder.items.at(-1);
    const end = last ? endOf(last.value ?? last.key) : undefined;
    return end === undefined ? undefined : insert(text, end, `, sources: [${address}]`);
  }
  const name = holder.items.find((p) => isScalar(p.key) && p.key.value === 'name');
  const keyStart = name ? startOf(name.key) : undefined;
  const valueEnd = name ? endOf(name.value) : undefined;
  if (keyStart === undefined || valueEnd === undefined) return undefined;
  return insert(text, lineEnd(text, valueEnd), `\n${' '.repeat(column(text, keyStart))}sources: [${address}]`);
}

/** JSON with object keys sorted: the same data whatever the key order (a new key goes after `name:`). */
function canonicalJson(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) =>
    x && typeof x === 'object' && !Array.isArray(x)
      ? Object.fromEntries(
          Object.entries(x as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
        )
      : x,
  );
}

/** `sources:` of the target with `address` added (unless already there). */
export function addSourceToYaml(text: string, address: string, target: SourceTarget): AddSourceResult {
  const doc: Document = parseDocument(text);
  if (doc.errors.length > 0)
    return {
      ok: false,
      reason: 'unparsable',
      message: `the configuration file does not parse: ${doc.errors[0]!.message}`,
    };
  const device = findNamed(doc.get('devices', true), target.device);
  if (!device) return { ok: false, reason: 'not-found', message: `device '${target.device}' is not in devices:` };
  let holder: YAMLMap = device;
  if (target.context !== undefined) {
    const ctx = findNamed(device.get('contexts', true), target.context);
    if (!ctx)
      return {
        ok: false,
        reason: 'not-found',
        message: `context '${target.context}' is not listed under devices[${target.device}].contexts`,
      };
    holder = ctx;
  }
  const sources = holder.get('sources', true);
  const empty = sources === undefined || sources === null || (isScalar(sources) && sources.value === null);
  if (!empty && !isSeq(sources))
    return { ok: false, reason: 'unparsable', message: 'sources: of the target is not a list' };
  if (isSeq(sources) && sources.items.some((i) => String(isScalar(i) ? i.value : i).toLowerCase() === address))
    return { ok: true, text, changed: false };
  const surgical = isScalar(sources) ? undefined : insertion(text, holder, sources, address);

  // The same edit through the Document API: the reference the insertion must agree with.
  if (empty) {
    const node = doc.createNode([address]);
    node.flow = true;
    holder.set('sources', node);
  } else if (isSeq(sources)) sources.add(doc.createNode(address));
  const expected = canonicalJson(doc.toJS());
  if (surgical !== undefined) {
    const check = parseDocument(surgical);
    if (check.errors.length === 0 && canonicalJson(check.toJS()) === expected)
      return { ok: true, text: surgical, changed: true };
  }
  // An unusual layout: the Document API's rendering (comments kept, spacing normalised).
  // lineWidth 0: never fold long strings the operator wrote on one line.
  return { ok: true, text: doc.toString({ lineWidth: 0 }), changed: true };
}

/** What to add by hand: the target's entry with the new `sources:` line. */
export function sourceSnippet(address: string, target: SourceTarget): string {
  return target.context !== undefined
    ? [
        'devices:',
        `  - name: ${target.device}`,
        '    contexts:',
        `      - name: ${target.context}`,
        `        sources: [${address}]   # add to the existing list if there is one`,
        '',
      ].join('\n')
    : [
        'devices:',
        `  - name: ${target.device}`,
        `    sources: [${address}]   # add to the existing list if there is one`,
        '',
      ].join('\n');
}
