/**
 * The command line's one declarative table (see COMMANDS in src/cli.ts): each command
 * states its summary, positionals, options and subcommands; parsing, `--help` and
 * `acesync help CMD` are all generated from it, so help cannot drift from the options.
 * Mistakes are usage errors (ACESYNC_USAGE: stderr, exit 2) that name the command's help.
 */
import { AcesyncError } from '../core/errors.js';
import { didYouMean } from '../core/did-you-mean.js';

export interface OptionSpec {
  type: 'string' | 'boolean';
  /** One-letter alias, without the dash. */
  short?: string;
  /** Placeholder shown in help for a string option, e.g. FILE. */
  arg?: string;
  help: string;
  /** A string option that may be given several times (`list()` returns them all). */
  multiple?: boolean;
}

export type CommandMain = (args: Parsed) => Promise<number>;

export interface CommandSpec {
  /** One line for the command list. */
  summary: string;
  /** Positionals as shown in help, e.g. `DEVICE CONTEXT` or `[FILE...]`. */
  usage?: string;
  /** How many positionals are accepted (default: none, or any when `usage` is set and this is absent). */
  positionals?: { min?: number; max?: number };
  /** More text for `--help`, after the usage line. */
  description?: string;
  options?: Record<string, OptionSpec>;
  /** `rules check`, `demo status`, ...: chosen by the first word after the command. */
  subcommands?: Record<string, CommandSpec>;
  /** Runs the command itself (absent: a subcommand is required). Loaded only when run. */
  load?: () => Promise<CommandMain>;
}

/** Parsed options and positionals of one command; accessors refuse names the table does not declare. */
export class Parsed {
  constructor(
    /** `acesync rules check`: the words that chose this command. */
    readonly path: string[],
    private readonly spec: CommandSpec,
    private readonly values: Map<string, string[] | boolean>,
    readonly positionals: string[],
    /** The arguments after the command words, as given (for commands that parse themselves). */
    readonly argv: string[],
  ) {}

  private declared(name: string, type: OptionSpec['type']): OptionSpec {
    const o = name === 'help' ? HELP_OPTION : this.spec.options?.[name];
    if (!o || o.type !== type)
      throw new Error(`option --${name} (${type}) is not declared for '${this.path.join(' ')}'`);
    return o;
  }
  string(name: string): string | undefined {
    this.declared(name, 'string');
    const v = this.values.get(name);
    return Array.isArray(v) ? v[v.length - 1] : undefined;
  }
  list(name: string): string[] {
    this.declared(name, 'string');
    const v = this.values.get(name);
    return Array.isArray(v) ? v : [];
  }
  bool(name: string): boolean {
    this.declared(name, 'boolean');
    return this.values.get(name) === true;
  }
  /**
   * Every declared option at once, as node's parseArgs gives them: booleans (false when absent), strings (the last
   * value), lists for `multiple` options. For commands whose code reads a `values` object.
   */
  all(): Record<string, string | string[] | boolean | undefined> {
    const out: Record<string, string | string[] | boolean | undefined> = {};
    for (const [name, o] of Object.entries(this.spec.options ?? {}))
      out[name] = o.type === 'boolean' ? this.bool(name) : o.multiple ? this.list(name) : this.string(name);
    return out;
  }
  /** A usage error that points at this command's help. */
  usageError(message: string): AcesyncError {
    return usageError(this.path, message);
  }
}

const HELP_OPTION: OptionSpec = { type: 'boolean', short: 'h', help: 'show this help' };

export function usageError(path: string[], message: string): AcesyncError {
  return new AcesyncError('ACESYNC_USAGE', `${message}\n(see 'acesync ${[...path, '--help'].join(' ')}')`);
}

function optionsOf(spec: CommandSpec): Record<string, OptionSpec> {
  return { ...spec.options, help: HELP_OPTION };
}

export type Resolution =
  | { kind: 'help'; path: string[]; spec: CommandSpec }
  | { kind: 'run'; parsed: Parsed; spec: CommandSpec & { load: NonNullable<CommandSpec['load']> } };

/**
 * Walk `argv` (after `acesync NAME`) down the subcommands, then parse the options. Throws
 * a usage error for anything the table does not allow.
 */
export function resolveCommand(path: string[], spec: CommandSpec, argv: string[]): Resolution {
  const [first, ...rest] = argv;
  if (spec.subcommands && first !== undefined && !first.startsWith('-')) {
    const sub = spec.subcommands[first];
    if (sub) return resolveCommand([...path, first], sub, rest);
    if (!spec.load || (spec.positionals?.max ?? 0) === 0)
      throw usageError(path, `unknown command '${clipWord(first)}'${didYouMean(first, Object.keys(spec.subcommands))}`);
  }
  const parsed = parseOptions(path, spec, argv);
  if (parsed.bool('help')) return { kind: 'help', path, spec };
  if (!spec.load) {
    const subs = Object.keys(spec.subcommands ?? {});
    throw usageError(path, `a command is required: ${subs.join(', ')}`);
  }
  return { kind: 'run', parsed, spec: spec as CommandSpec & { load: NonNullable<CommandSpec['load']> } };
}

function clipWord(s: string): string {
  return s.length > 40 ? s.slice(0, 40) + '…' : s;
}

function parseOptions(path: string[], spec: CommandSpec, argv: string[]): Parsed {
  const options = optionsOf(spec);
  const byShort = new Map(Object.entries(options).flatMap(([n, o]) => (o.short ? [[o.short, n] as const] : [])));
  const values = new Map<string, string[] | boolean>();
  const positionals: string[] = [];
  const set = (name: string, o: OptionSpec, value: string | undefined, shown: string): void => {
    if (o.type === 'boolean') {
      if (value !== undefined) throw usageError(path, `option ${shown} takes no value`);
      values.set(name, true);
      return;
    }
    if (value === undefined) throw usageError(path, `option ${shown} needs a value (${o.arg ?? 'VALUE'})`);
    const prev = values.get(name);
    if (Array.isArray(prev) && !o.multiple) throw usageError(path, `option ${shown} is given twice`);
    values.set(name, [...(Array.isArray(prev) ? prev : []), value]);
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const name = eq === -1 ? a.slice(2) : a.slice(2, eq);
      const o = options[name];
      if (!o)
        throw usageError(path, `unknown option '--${clipWord(name)}'${didYouMean(name, Object.keys(options), '--')}`);
      let value = eq === -1 ? undefined : a.slice(eq + 1);
      if (value === undefined && o.type === 'string' && i + 1 < argv.length) value = argv[++i];
      set(name, o, value, `--${name}`);
      continue;
    }
    if (a.startsWith('-') && a.length > 1) {
      const letter = a.slice(1, 2);
      const name = byShort.get(letter);
      if (!name) throw usageError(path, `unknown option '-${clipWord(a.slice(1))}'`);
      const o = options[name]!;
      let value = a.length > 2 ? a.slice(2).replace(/^=/, '') : undefined;
      if (value === undefined && o.type === 'string' && i + 1 < argv.length) value = argv[++i];
      set(name, o, value, `-${letter}`);
      continue;
    }
    positionals.push(a);
  }
  const parsed = new Parsed(path, spec, values, positionals, argv);
  if (values.get('help') === true) return parsed;
  const min = spec.positionals?.min ?? 0;
  const max = spec.positionals?.max ?? (spec.usage && !spec.positionals ? Infinity : 0);
  if (positionals.length < min)
    throw usageError(path, `expected ${spec.usage ?? `${min} argument${min === 1 ? '' : 's'}`}`);
  if (positionals.length > max)
    throw usageError(
      path,
      max === 0
        ? `unexpected argument '${clipWord(positionals[0]!)}'`
        : `too many arguments (expected ${spec.usage ?? max})`,
    );
  return parsed;
}

function optionLines(options: Record<string, OptionSpec>): string[] {
  const heads = Object.entries(options).map(([name, o]) => {
    const flag = `--${name}${o.type === 'string' ? ` ${o.arg ?? 'VALUE'}` : ''}`;
    return [o.short ? `-${o.short}, ${flag}` : `    ${flag}`, o.help + (o.multiple ? ' (repeatable)' : '')] as const;
  });
  const width = Math.min(30, Math.max(...heads.map(([h]) => h.length)));
  return heads.map(([h, text]) =>
    h.length > width ? `  ${h}\n  ${' '.repeat(width)}  ${text}` : `  ${h.padEnd(width)}  ${text}`,
  );
}

function commandLines(commands: Record<string, CommandSpec>): string[] {
  const width = Math.max(...Object.keys(commands).map((n) => n.length));
  return Object.entries(commands).map(([n, c]) => `  ${n.padEnd(width)}  ${c.summary}`);
}

/** The `--help` text of one command, from its table entry. */
export function helpText(path: string[], spec: CommandSpec): string {
  const name = ['acesync', ...path].join(' ');
  const usage: string[] = [];
  if (spec.load) usage.push(`${name}${spec.usage ? ` ${spec.usage}` : ''} [options]`);
  if (spec.subcommands) usage.push(`${name} COMMAND [options]`);
  const out = [`usage: ${usage.join('\n       ')}`, '', spec.summary];
  if (spec.description) out.push('', spec.description.trimEnd());
  if (spec.subcommands) {
    out.push('', 'commands:', ...commandLines(spec.subcommands));
    out.push('', `'${name} COMMAND --help' describes each.`);
  }
  out.push('', 'options:', ...optionLines(optionsOf(spec)));
  return out.join('\n') + '\n';
}

/** The top-level help: every command of the table. */
export function topHelp(commands: Record<string, CommandSpec>): string {
  return [
    'usage: acesync COMMAND [options]',
    '       acesync help COMMAND     (or acesync COMMAND --help)',
    '       acesync --version',
    '',
    'commands:',
    ...commandLines(commands),
    '',
    'exit status: 0 ok, 1 failure, 2 a person must fix an input (the call, a file: file:line:col key: reason).',
    '',
  ].join('\n');
}
