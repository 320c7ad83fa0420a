/**
 * A small unified diff of two texts, line by line (Myers' O(ND) algorithm), for showing
 * how a context's configuration changed between two stored versions. Pure and bounded:
 * inputs beyond `maxLines` or an edit distance beyond `maxEdits` give a one-line summary
 * instead of a diff, and the output is cut at `maxBytes`.
 */

export interface DiffOptions {
  /** Lines of context around each change (default 3). */
  context?: number;
  /** Header names (default `a` and `b`). */
  fromName?: string;
  toName?: string;
  /** Refuse to diff texts longer than this many lines each (default 20 000). */
  maxLines?: number;
  /** Stop when the texts differ by more than this many inserted+deleted lines (default 4 000). */
  maxEdits?: number;
  /** Cut the output at this many characters (default 64 KiB). */
  maxBytes?: number;
}

type Op = { kind: ' ' | '-' | '+'; line: string; a: number; b: number };

function splitLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/** Myers' greedy shortest edit script; returns undefined when it exceeds `maxEdits`. */
function editScript(a: string[], b: string[], maxEdits: number): Op[] | undefined {
  const n = a.length;
  const m = b.length;
  const max = Math.min(n + m, maxEdits);
  const offset = max + 1;
  const v = new Int32Array(2 * max + 3);
  const trace: Int32Array[] = [];
  let found = -1;
  for (let d = 0; d <= max && found < 0; d++) {
    trace.push(v.slice());
    for (let k = -d; k <= d; k += 2) {
      let x =
        k === -d || (k !== d && v[offset + k - 1]! < v[offset + k + 1]!) ? v[offset + k + 1]! : v[offset + k - 1]! + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) {
        x++;
        y++;
      }
      v[offset + k] = x;
      if (x >= n && y >= m) {
        found = d;
        break;
      }
    }
  }
  if (found < 0) return undefined;
  // Walk the trace backwards to recover the path.
  const ops: Op[] = [];
  let x = n;
  let y = m;
  for (let d = found; d > 0; d--) {
    const vd = trace[d]!;
    const k = x - y;
    const prevK = k === -d || (k !== d && vd[offset + k - 1]! < vd[offset + k + 1]!) ? k + 1 : k - 1;
    const prevX = vd[offset + prevK]!;
    const prevY = prevX - prevK;
    while (x > prevX && y > prevY) {
      x--;
      y--;
      ops.push({ kind: ' ', line: a[x]!, a: x, b: y });
    }
    if (x === prevX) {
      y--;
      ops.push({ kind: '+', line: b[y]!, a: x, b: y });
    } else {
      x--;
      ops.push({ kind: '-', line: a[x]!, a: x, b: y });
    }
  }
  while (x > 0 && y > 0) {
    x--;
    y--;
    ops.push({ kind: ' ', line: a[x]!, a: x, b: y });
  }
  return ops.reverse();
}

function range(start: number, count: number): string {
  // Unified format: an empty range is shown at the line before it.
  if (count === 0) return `${start},0`;
  return count === 1 ? `${start + 1}` : `${start + 1},${count}`;
}

/**
 * Unified diff of `from` -> `to`. Returns '' when the texts are equal (line-wise,
 * line endings folded).
 */
export function unifiedDiff(from: string, to: string, opts: DiffOptions = {}): string {
  const ctx = opts.context ?? 3;
  const maxBytes = opts.maxBytes ?? 64 * 1024;
  const a = splitLines(from);
  const b = splitLines(to);
  const header = `--- ${opts.fromName ?? 'a'}\n+++ ${opts.toName ?? 'b'}\n`;
  const maxLines = opts.maxLines ?? 20_000;
  if (a.length > maxLines || b.length > maxLines)
    return `${header}(texts too long to diff: ${a.length} and ${b.length} lines)\n`;
  const ops = editScript(a, b, opts.maxEdits ?? 4_000);
  if (!ops) return `${header}(too many differences to show)\n`;
  if (!ops.some((o) => o.kind !== ' ')) return '';

  let out = header;
  let i = 0;
  while (i < ops.length) {
    // Find the next change, then grow the hunk while changes are within 2*ctx lines.
    while (i < ops.length && ops[i]!.kind === ' ') i++;
    if (i >= ops.length) break;
    const start = Math.max(0, i - ctx);
    let end = i;
    let lastChange = i;
    while (end < ops.length) {
      if (ops[end]!.kind !== ' ') lastChange = end;
      else if (end - lastChange > 2 * ctx) break;
      end++;
    }
    const stop = Math.min(ops.length, lastChange + ctx + 1);
    const hunk = ops.slice(start, stop);
    const first = hunk[0]!;
    const aCount = hunk.filter((o) => o.kind !== '+').length;
    const bCount = hunk.filter((o) => o.kind !== '-').length;
    out += `@@ -${range(first.a, aCount)} +${range(first.b, bCount)} @@\n`;
    for (const o of hunk) out += `${o.kind}${o.line}\n`;
    if (out.length > maxBytes) return out.slice(0, maxBytes) + '\n(diff truncated)\n';
    i = stop;
  }
  return out;
}
