/**
 * Reading YAML a person wrote, keeping enough of the document to point back at the
 * line of any key. Shared by the configuration loader and the rule loader.
 */
import { LineCounter, parseDocument, isNode, type Document } from 'yaml';
import type { z } from 'zod';
import { FileProblemsError, type FileProblem } from '../core/errors.js';

export type KeyPath = ReadonlyArray<string | number>;

export interface YamlSource {
  file: string;
  value: unknown;
  /** Line/column (1-based) of the node at `path`, or of its nearest existing ancestor. */
  locate(path: KeyPath): { line?: number; column?: number };
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
  return { file, value: doc.toJS({ maxAliasCount: 100 }), locate };
}

/** Turn a zod error into problems a person can act on: file, line, key path, what was expected. */
export function zodProblems(src: YamlSource, error: z.ZodError, basePath: KeyPath = []): FileProblem[] {
  return error.issues.map((issue) => {
    const path = [...basePath, ...(issue.path as Array<string | number>)];
    let message = issue.message;
    if (issue.code === 'unrecognized_keys') {
      message = `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `'${k}'`).join(', ')} (check the spelling; see the configuration reference)`;
      const first = issue.keys[0];
      const at = first !== undefined ? src.locate([...path, first]) : src.locate(path);
      return { file: src.file, ...at, path: formatPath(path) || '(top level)', message };
    }
    return { file: src.file, ...src.locate(path), path: formatPath(path) || '(top level)', message };
  });
}
