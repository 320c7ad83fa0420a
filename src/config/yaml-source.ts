/**
 * Reading YAML a person wrote, keeping enough of the document to point back at the
 * line of any key. Shared by the configuration loader and the rule loader.
 */
import { LineCounter, parseDocument, isMap, isNode, isScalar, type Document } from 'yaml';
import { didYouMean } from '../core/did-you-mean.js';
import type { z } from 'zod';
import { FileProblemsError, type FileProblem } from '../core/errors.js';

export type KeyPath = ReadonlyArray<string | number>;

export interface YamlSource {
  file: string;
  value: unknown;
  /** Line/column (1-based) of the node at `path`, or of its nearest existing ancestor. */
  locate(path: KeyPath): { line?: number; column?: number };
  /** Line/column of the key itself (`pollr:`), not of its value; else as `locate`. */
  locateKey?(path: KeyPath): { line?: number; column?: number };
}

export function formatPath(path: KeyPath): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out ? `.${p}` : String(p);
  return out;
}

/** Parse YAML text; syntax errors become file/line problems (all of them, not just the first). */
export function parseYaml(
  file: string,
  text: string,
  code: 'ACESYNC_CONFIG_INVALID' | 'ACESYNC_RULES_INVALID',
): YamlSource {
  const lineCounter = new LineCounter();
  const doc: Document = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new FileProblemsError(
      code,
      doc.errors.map((e) => {
        const pos = e.pos ? lineCounter.linePos(e.pos[0]) : undefined;
        return { file, line: pos?.line, column: pos?.col, message: `YAML syntax: ${e.message.split('\n')[0]}` };
      }),
    );
  }
  const locate = (path: KeyPath): { line?: number; column?: number } => {
    // Walk up until a node exists: a missing key is reported at its parent.
    for (let n = path.length; n >= 0; n--) {
      const node = n === 0 ? doc.contents : doc.getIn(path.slice(0, n), true);
      if (isNode(node) && node.range) {
        const pos = lineCounter.linePos(node.range[0]);
        return { line: pos.line, column: pos.col };
      }
    }
    return {};
  };
  const locateKey = (path: KeyPath): { line?: number; column?: number } => {
    const parent = path.length <= 1 ? doc.contents : doc.getIn(path.slice(0, -1), true);
    const last = path[path.length - 1];
    if (isMap(parent)) {
      const pair = parent.items.find((p) => isScalar(p.key) && p.key.value === last);
      if (pair && isNode(pair.key) && pair.key.range) {
        const pos = lineCounter.linePos(pair.key.range[0]);
        return { line: pos.line, column: pos.col };
      }
    }
    return locate(path);
  };
  return { file, value: doc.toJS({ maxAliasCount: 100 }), locate, locateKey };
}

/** Turn a zod error into problems a person can act on: file, line, key path, what was expected. */
export function zodProblems(
  src: YamlSource,
  error: z.ZodError,
  basePath: KeyPath = [],
  /** The schema `error` came from, for "did you mean" on unknown keys. */
  schema?: z.ZodType,
): FileProblem[] {
  return error.issues.flatMap((issue) => {
    const path = [...basePath, ...(issue.path as Array<string | number>)];
    if (issue.code === 'unrecognized_keys') {
      // One problem per key, at the key itself.
      const known = schema ? schemaKeysAt(schema, issue.path as Array<string | number>) : [];
      return issue.keys.map((k) => {
        const at = (src.locateKey ?? src.locate)([...path, k]);
        const hint = didYouMean(k, known) || (known.length > 0 ? ` (known keys here: ${known.join(', ')})` : '');
        return {
          file: src.file,
          ...at,
          path: formatPath(path) || '(top level)',
          message: `unknown key '${k}'${hint}`,
        };
      });
    }
    return { file: src.file, ...src.locate(path), path: formatPath(path) || '(top level)', message: issue.message };
  });
}

interface ZodDefLike {
  type?: string;
  shape?: Record<string, z.ZodType>;
  innerType?: z.ZodType;
  in?: z.ZodType;
  element?: z.ZodType;
  options?: z.ZodType[];
}
const defOf = (s: unknown): ZodDefLike | undefined => (s as { _zod?: { def?: ZodDefLike } })?._zod?.def;

/** Through optional/default/prefault/pipe wrappers to the schema that holds the keys. */
function unwrap(s: z.ZodType | undefined): z.ZodType | undefined {
  for (let i = 0; i < 16 && s; i++) {
    const def = defOf(s);
    if (!def) return s;
    if (def.innerType) s = def.innerType;
    else if (def.type === 'pipe' && def.in) s = def.in;
    else return s;
  }
  return s;
}

function keysOf(s: z.ZodType | undefined): string[] {
  const def = defOf(unwrap(s));
  if (def?.shape) return Object.keys(def.shape);
  if (def?.options) return [...new Set(def.options.flatMap((o) => keysOf(o)))];
  return [];
}

/** The keys a (zod 4) object schema allows at `path` ([] when it cannot tell). */
export function schemaKeysAt(schema: z.ZodType, path: KeyPath): string[] {
  let s: z.ZodType | undefined = schema;
  for (const seg of path) {
    const def = defOf(unwrap(s));
    if (!def) return [];
    if (typeof seg === 'number') s = def.element;
    else if (def.shape) s = def.shape[seg];
    else if (def.options) s = def.options.map((o) => defOf(unwrap(o))?.shape?.[seg]).find((x) => x !== undefined);
    else return [];
  }
  return keysOf(s);
}
