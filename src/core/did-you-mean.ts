/** "did you mean …?": the closest known name by edit distance, for CLI options and config keys. */

/** Levenshtein distance (insert, delete, substitute: 1 each). */
export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++)
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length]!;
}

/** The known name nearest to `name`, if it is close enough to be a typo (about a third of its length). */
export function closest(name: string, known: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  const limit = Math.max(1, Math.floor(name.length / 3));
  for (const k of known) {
    const d = editDistance(name.toLowerCase(), k.toLowerCase());
    if (d < bestD) {
      best = k;
      bestD = d;
    }
  }
  return bestD <= limit ? best : undefined;
}

/** `" (did you mean 'poller'?)"` or an empty string. */
export function didYouMean(name: string, known: Iterable<string>, prefix = ''): string {
  const c = closest(name, known);
  return c === undefined ? '' : ` (did you mean '${prefix}${c}'?)`;
}
