/**
 * What a command reported by 111008 (`User 'u' executed the 'cmd' command.`) means for ANM's
 * copy of the configuration. 111008 logs every command except `show` on ASA-family code:
 * config-mode lines and exec commands alike, so the command itself must be read.
 *
 * Bias: calling a harmless command a config change costs one audit; calling a change noise
 * leaves ANM stale. So a command is noise only when it matches the NON_MUTATING table below,
 * and everything unrecognised is a config change.
 *
 * Keywords match case-insensitively and may be abbreviated the way the Cisco CLI allows
 * (`sh run`, `conf t`, `term len 0`, `wr mem`), down to a minimum length chosen so the
 * abbreviation is unambiguous among ACE commands. Names (contexts) keep their case.
 */
import { clip, LIMITS } from './limits.js';

export type CommandKind =
  'config-change' | 'logging-change' | 'crypto-change' | 'context-lifecycle' | 'ha-state' | 'noise';

/** The classification of one command, with the fields it names. */
export interface CommandClass {
  kind: CommandKind;
  /** For `context X` / `no context X`: the context created or removed. */
  context?: string;
  change?: 'added' | 'removed';
  /** For `ft switchover <group>`. */
  ftGroup?: number;
}

/** True when `word` is `keyword` or an abbreviation of it at least `min` characters long. */
export function abbreviates(word: string | undefined, keyword: string, min = keyword.length): boolean {
  if (word === undefined || word.length < min || word.length > keyword.length) return false;
  return keyword.startsWith(word.toLowerCase());
}

/** One exec command that cannot change running-config, with why it is safe to ignore. */
export interface NonMutatingRule {
  keyword: string;
  /** Shortest abbreviation accepted. */
  min: number;
  /** Extra condition on the arguments; without it any arguments qualify. */
  when?: (args: string[]) => boolean;
  why: string;
}

/** True when `copy` writes into the running configuration (`copy <src> running-config`). */
function copiesIntoRunningConfig(args: string[]): boolean {
  return args.slice(1).some((a) => abbreviates(a, 'running-config', 3));
}

/**
 * Exec commands that never change running-config. Commands typed with `do ` in config mode are
 * classified as the command after `do`. Everything not matched here is a change.
 */
export const NON_MUTATING: readonly NonMutatingRule[] = [
  { keyword: 'show', min: 2, why: 'displays state' },
  { keyword: 'changeto', min: 3, why: 'moves the session to another context' },
  { keyword: 'terminal', min: 3, why: 'session settings (length, width, monitor, timeout)' },
  { keyword: 'exit', min: 4, why: 'leaves a mode or the session' },
  { keyword: 'end', min: 3, why: 'leaves configuration mode' },
  { keyword: 'quit', min: 4, why: 'leaves the session' },
  { keyword: 'logout', min: 6, why: 'leaves the session' },
  {
    keyword: 'configure',
    min: 4,
    when: (a) => a.length === 0 || (a.length === 1 && abbreviates(a[0], 'terminal', 1)),
    why: 'enters configuration mode; the lines typed there are logged one by one',
  },
  {
    keyword: 'copy',
    min: 3,
    when: (a) => a.length >= 2 && !copiesIntoRunningConfig(a),
    why: 'copies files or saves running-config (startup-config, disk0:, ftp); a copy INTO running-config is a change',
  },
  {
    keyword: 'write',
    min: 2,
    when: (a) => a.length === 0 || abbreviates(a[0], 'memory', 1) || abbreviates(a[0], 'terminal', 1),
    why: '`write memory` saves to startup-config, `write terminal` displays; `write erase` is not matched',
  },
  { keyword: 'ping', min: 4, why: 'reachability test' },
  { keyword: 'traceroute', min: 5, why: 'path test' },
  { keyword: 'telnet', min: 3, why: 'outbound session' },
  { keyword: 'ssh', min: 3, why: 'outbound session' },
  { keyword: 'clear', min: 3, why: 'resets counters, statistics, sessions or logs, not configuration' },
  { keyword: 'dir', min: 3, why: 'lists files' },
  { keyword: 'more', min: 3, why: 'displays a file' },
  { keyword: 'debug', min: 3, why: 'debug output only' },
  { keyword: 'undebug', min: 3, why: 'debug output only' },
  { keyword: 'tac-pac', min: 7, why: 'collects diagnostics' },
  {
    keyword: 'invoke',
    min: 3,
    when: (a) => abbreviates(a[0], 'context', 4) && abbreviates(a[2], 'show', 2),
    why: '`invoke context X show ...` runs a show command in another context',
  },
  {
    keyword: 'checkpoint',
    min: 4,
    when: (a) => abbreviates(a[0], 'create', 2) || abbreviates(a[0], 'delete', 2),
    why: 'creates or deletes a snapshot; `checkpoint rollback` is not matched (it replaces running-config)',
  },
];

const CRYPTO_CHANGES: ReadonlyArray<[string, number]> = [
  ['import', 3],
  ['delete', 3],
  ['generate', 3],
  ['chaingroup', 3],
  ['csr-params', 2],
];
const CRYPTO_READ_ONLY: ReadonlyArray<[string, number]> = [
  ['export', 3],
  ['verify', 3],
];

function matchesAny(word: string | undefined, table: ReadonlyArray<[string, number]>): boolean {
  return table.some(([kw, min]) => abbreviates(word, kw, min));
}

function isNonMutating(words: string[]): boolean {
  const [first, ...args] = words;
  return NON_MUTATING.some((r) => abbreviates(first, r.keyword, r.min) && (r.when === undefined || r.when(args)));
}

/** Classify one command line as logged by 111008. Pure; never throws. */
export function classifyCommand(command: string): CommandClass {
  let words = command
    .trim()
    .split(/\s+/)
    .filter((w) => w.length > 0);
  if (words.length === 0) return { kind: 'noise' };
  // `do <exec command>` from configuration mode.
  if (words[0]!.toLowerCase() === 'do') {
    words = words.slice(1);
    if (words.length === 0) return { kind: 'noise' };
  }
  const negated = words[0]!.toLowerCase() === 'no';
  const w = negated ? words.slice(1) : words;
  const [first, second] = w;

  if (abbreviates(first, 'logging', 4)) return { kind: 'logging-change' };
  if (abbreviates(first, 'crypto', 3)) {
    if (matchesAny(second, CRYPTO_CHANGES)) return { kind: 'crypto-change' };
    if (!negated && matchesAny(second, CRYPTO_READ_ONLY)) return { kind: 'noise' };
    return { kind: 'config-change' };
  }
  if (abbreviates(first, 'context', 4) && second !== undefined) {
    return { kind: 'context-lifecycle', context: clip(second, LIMITS.context), change: negated ? 'removed' : 'added' };
  }
  if (first?.toLowerCase() === 'ft' && abbreviates(second, 'switchover', 3)) {
    const group = w[2] !== undefined && /^\d{1,9}$/.test(w[2]) ? Number(w[2]) : undefined;
    return group === undefined ? { kind: 'ha-state' } : { kind: 'ha-state', ftGroup: group };
  }
  if (negated) return abbreviates(first, 'debug', 3) ? { kind: 'noise' } : { kind: 'config-change' };
  return isNonMutating(w) ? { kind: 'noise' } : { kind: 'config-change' };
}
