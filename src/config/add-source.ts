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
  if (sources === undefined || sources === null || (isScalar(sources) && sources.value === null)) {
    const node = doc.createNode([address]);
    node.flow = true;
    holder.set('sources', node);
  } else if (isSeq(sources)) {
    const present = sources.items.some((i) => (isScalar(i) ? String(i.value) : String(i)).toLowerCase() === address);
    if (present) return { ok: true, text, changed: false };
    sources.add(doc.createNode(address));
  } else return { ok: false, reason: 'unparsable', message: 'sources: of the target is not a list' };
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
