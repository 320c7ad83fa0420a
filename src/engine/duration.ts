/**
 * Durations in rule files: `250ms`, `5s`, `10m`, `2h`, `1d`. A number is milliseconds here; the
 * rule schema (engine/schema.ts) refuses bare numbers other than 0, so a file must say its unit.
 */

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const RE = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)\s*$/;

/** The longest duration a rule may name (30 days): windows must be bounded. */
export const MAX_DURATION_MS = 30 * 86_400_000;

/** Parse a duration; undefined when it is not one. */
export function parseDuration(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isInteger(v) && v >= 0 ? v : undefined;
  if (typeof v !== 'string') return undefined;
  const m = RE.exec(v);
  if (!m) return undefined;
  const ms = Math.round(Number(m[1]) * UNITS[m[2]!]!);
  return Number.isFinite(ms) ? ms : undefined;
}

/** Human form for explanations: `90s`, `5m`, `1h30m`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  const parts: string[] = [];
  let rest = Math.round(ms / 1000);
  for (const [unit, size] of [
    ['d', 86400],
    ['h', 3600],
    ['m', 60],
    ['s', 1],
  ] as const) {
    if (rest >= size) {
      parts.push(`${Math.floor(rest / size)}${unit}`);
      rest %= size;
    }
  }
  return parts.join('');
}
