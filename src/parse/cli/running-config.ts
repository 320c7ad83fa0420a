/**
 * `show running-config` output as one canonical text and its SHA-256, so that two reads of
 * an unchanged context (from the device, or ANM's copy) hash the same.
 *
 * What is removed, and why:
 * - the `Generating configuration....` header and blank lines around it (reference 4.2);
 * - CR (pty line endings) and trailing spaces; a trailing `end` (IOS habit, not ACE's);
 * - volatile lines that can change without a configuration change: syslog lines the device
 *   writes into the terminal when `logging monitor`/`terminal monitor` is on (they land in
 *   the middle of the output), pager remnants, and IOS-style banners some captures carry
 *   (`! Last configuration change at ...`, `! NVRAM config last updated ...`,
 *   `Building configuration...`, `Current configuration : N bytes`, `ntp clock-period N`).
 */
import { createHash } from 'node:crypto';

/** Lines matching any of these are not configuration (see the module comment). */
export const DEFAULT_VOLATILE_PATTERNS: readonly RegExp[] = [
  /^Generating configuration\.*\s*$/,
  /^(?:<\d{1,3}>)?(?:[A-Z][a-z]{2} +\d{1,2} (?:\d{4} )?\d\d:\d\d:\d\d:? )?(?:\S+: )?%ACE-\d-\d{6}:?/,
  /^\s*--More--\s*$/,
  /^! (?:Last configuration change|NVRAM config last updated|No configuration change since)/,
  /^Building configuration\.*\s*$/,
  /^Current configuration\s*:\s*\d+ bytes\s*$/,
  /^ntp clock-period \d+\s*$/,
];

/** Output of `show running-config` minus its header (the first line and the blank lines after it). */
export function stripRunningConfigHeader(output: string): string {
  const lines = output.replace(/\r\n?/g, '\n').split('\n');
  let i = 0;
  while (i < lines.length && lines[i]!.trim() === '') i++;
  if (i < lines.length && /^Generating configuration/.test(lines[i]!.trim())) {
    i++;
    while (i < lines.length && lines[i]!.trim() === '') i++;
  }
  return lines.slice(i).join('\n');
}

export interface NormaliseOptions {
  /** Extra patterns of volatile lines (operator-configured), on top of the defaults. */
  volatile?: readonly RegExp[];
}

/**
 * Canonical text of a context's running-config: `\n` line ends, no trailing spaces, no
 * header or volatile lines, no leading/trailing blank lines, runs of blank lines folded to
 * one. Idempotent: normalising a normalised text returns it unchanged.
 */
export function normaliseRunningConfig(output: string, opts: NormaliseOptions = {}): string {
  const patterns = opts.volatile ? [...DEFAULT_VOLATILE_PATTERNS, ...opts.volatile] : DEFAULT_VOLATILE_PATTERNS;
  const out: string[] = [];
  for (const raw of stripRunningConfigHeader(output).split('\n')) {
    const line = raw.replace(/[ \t]+$/, '');
    if (patterns.some((p) => p.test(line))) continue;
    if (line === '' && (out.length === 0 || out[out.length - 1] === '')) continue;
    out.push(line);
  }
  while (out.length > 0 && out[out.length - 1] === '') out.pop();
  if (out.length > 0 && out[out.length - 1] === 'end') out.pop();
  while (out.length > 0 && out[out.length - 1] === '') out.pop();
  return out.join('\n');
}

/** SHA-256 (hex) of a normalised configuration text. */
export function configHash(normalised: string): string {
  return createHash('sha256').update(normalised, 'utf8').digest('hex');
}

/** Normalise and hash in one go. */
export function hashRunningConfig(output: string, opts: NormaliseOptions = {}): { text: string; hash: string } {
  const text = normaliseRunningConfig(output, opts);
  return { text, hash: configHash(text) };
}

/** Compile operator-supplied volatile patterns; a bad one is reported, not thrown later. */
export function compileVolatilePatterns(sources: readonly string[]): { patterns: RegExp[]; errors: string[] } {
  const patterns: RegExp[] = [];
  const errors: string[] = [];
  for (const s of sources) {
    try {
      patterns.push(new RegExp(s));
    } catch (err) {
      errors.push(`${s}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  return { patterns, errors };
}
