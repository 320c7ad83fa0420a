#!/usr/bin/env -S node --openssl-legacy-provider
/**
 * The `acesync` command line. COMMANDS is the one table of commands, their options and
 * subcommands: parsing, `--help` and `acesync help CMD` are generated from it
 * (src/commands/args.ts). Each command lives in `commands/<name>.ts`, is loaded only when
 * run, and returns its exit code: 0 ok, 1 failure, 2 a person must fix an input.
 *
 * Adding a command: one entry below (summary, usage/positionals, options, load), whose
 * `main(args: Parsed)` reads `args.string('x')`, `args.bool('y')`, `args.positionals`.
 */
import { readFileSync, realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { AcesyncError, FileProblemsError, EXIT } from './core/errors.js';
import { helpText, resolveCommand, topHelp, usageError, type CommandSpec, type OptionSpec } from './commands/args.js';
import { didYouMean } from './core/did-you-mean.js';

const config: OptionSpec = {
  type: 'string',
  short: 'c',
  arg: 'FILE',
  help: 'the configuration (default: ./acesync.yaml, else /etc/acesync/acesync.yaml)',
};
const logOptions: Record<string, OptionSpec> = {
  'log-level': {
    type: 'string',
    arg: 'LEVEL',
    help: 'fatal, error, warn, info, debug, trace or silent (default: log.level of the configuration, info)',
  },
  'log-format': {
    type: 'string',
    arg: 'FORMAT',
    help: 'json (one JSON object a line) or pretty (one human line); default: pretty on a terminal, else json',
  },
};
const dataDir: OptionSpec = { type: 'string', arg: 'DIR', help: "the demo's data folder (default: ./data)" };
const demoContext: OptionSpec = {
  type: 'string',
  arg: 'NAME',
  help: 'the virtual context (default: the first non-Admin one)',
};

export const COMMANDS: Record<string, CommandSpec> = {
  start: {
    summary: 'run the service',
    options: {
      config,
      'print-events': { type: 'boolean', help: 'print every received event as one JSON line on stdout' },
      init: {
        type: 'boolean',
        help: 'start on a new database where the file is empty or not SQLite (what it held is lost; else exit 2)',
      },
      ...logOptions,
    },
    load: async () => (await import('./commands/start.js')).main,
  },
  parse: {
    summary: 'parse raw syslog lines (FILE... or stdin) into JSON events',
    usage: '[FILE...]',
    description: `Reads raw syslog lines (one message per line, LF or CRLF) from each FILE in turn, or from
standard input when no FILE is given or FILE is '-', and prints one JSON event per line on
standard output. Blank lines are skipped. Over-long lines become 'malformed' events. No
configuration is read, so 'context' comes only from the message text.
Exit status: 0 when all input was read, 2 when a FILE cannot be read or the call is wrong.`,
    options: {
      stats: {
        type: 'boolean',
        help: 'after the last line, print {"lines":N,"skipped":N,"kinds":{...}} on standard error',
      },
    },
    load: async () => (await import('./commands/parse.js')).main,
  },
  replay: {
    summary: 'feed recorded lines or JSON events through the rules offline',
    usage: 'FILE... (- for stdin)',
    positionals: { min: 1, max: Infinity },
    description: 'Prints one JSON line per decision and per action; nothing is sent anywhere. Needs no secrets.',
    options: {
      config,
      rules: { type: 'string', short: 'r', arg: 'DIR', help: "rule files (default: the configuration's)" },
      db: { type: 'string', arg: 'FILE', help: 'keep the replay state in this SQLite file (default: in memory)' },
      step: { type: 'string', arg: 'MS', help: 'clock step between lines without a timestamp (default: 100)' },
      all: { type: 'boolean', help: 'print every record, not only decisions and actions' },
    },
    load: async () => (await import('./commands/replay.js')).main,
  },
  rules: {
    summary: 'work with rule files',
    subcommands: {
      check: {
        summary: 'validate rule files the way the service loads them (exit 2 on problems)',
        usage: '[DIR|FILE]',
        positionals: { max: 1 },
        options: {
          config,
          verbose: { type: 'boolean', short: 'v', help: 'list every rule, however many' },
        },
        load: async () => (await import('./commands/rules.js')).main,
      },
    },
  },
  config: {
    summary: 'work with the configuration file',
    subcommands: {
      check: {
        summary: 'validate a configuration as start would, without its secrets (exit 2 on problems)',
        usage: '[FILE]',
        positionals: { max: 1 },
        description: `Checks the YAML, every key, the files it names (rules and rule files, anm.ca_file, webhook
templates) and the inventory, and lists the secrets it refers to with whether each is set here.
Unset secrets fail only with --secrets, so a configuration can be checked in CI without them.`,
        options: {
          config,
          secrets: { type: 'boolean', help: 'also require every referenced secret (variable set, file readable)' },
        },
        load: async () => (await import('./commands/config.js')).check,
      },
    },
  },
  explain: {
    summary: 'the chain that led a context to its current state',
    usage: 'DEVICE CONTEXT',
    positionals: { min: 2, max: 2 },
    description: 'Reads the state database (safe while the service runs). Needs no secrets.',
    options: {
      config,
      db: { type: 'string', arg: 'FILE', help: "the state database (default: the configuration's store.path)" },
      json: { type: 'boolean', help: 'print JSON' },
      recent: { type: 'string', arg: 'N', help: 'how many recent events to show (default: 20)' },
    },
    load: async () => (await import('./commands/explain.js')).main,
  },
  baseline: {
    summary: "'baseline adopt': record what contexts run as ANM's copy (ANM already holds it); never uploads",
    usage: 'adopt',
    positionals: { min: 1, max: 1 },
    description:
      'Through the running service (its API, token from http.token_env or --token-file); with the service stopped,\n' +
      'directly on the database (--offline when the API is disabled). Contexts never audited are refused by name.',
    options: {
      config,
      all: { type: 'boolean', help: 'every audited context' },
      device: { type: 'string', arg: 'DEVICE', multiple: true, help: 'the contexts of this device (repeatable)' },
      context: { type: 'string', arg: 'DEV/CTX', help: 'one context' },
      reason: { type: 'string', arg: 'TEXT', help: 'why (required; recorded with each decision)' },
      'token-file': { type: 'string', arg: 'FILE', help: 'the API token, from a file' },
      offline: { type: 'boolean', help: 'write the database directly (the service is not running)' },
    },
    load: async () => (await import('./commands/baseline.js')).main,
  },
  procedure: {
    summary: "'procedure ack PAIR': acknowledge a manual procedure run in bulk (or --context DEV/CTX ...)",
    usage: 'ack PAIR',
    positionals: { min: 2, max: 2 },
    options: {
      config,
      context: { type: 'string', arg: 'DEV/CTX', multiple: true, help: 'only these contexts of the run (repeatable)' },
      note: { type: 'string', arg: 'TEXT', help: 'recorded with the acknowledgement' },
      'token-file': { type: 'string', arg: 'FILE', help: 'the API token, from a file' },
    },
    load: async () => (await import('./commands/procedure.js')).main,
  },
  sim: {
    summary: 'run the ACE or ANM simulator',
    subcommands: {
      ace: {
        summary: 'simulated ACE devices (SSH + CLI, syslog, traps)',
        options: {
          config: { type: 'string', short: 'c', arg: 'FILE', help: 'the simulator spec (required)' },
          json: { type: 'boolean', help: 'print endpoints and messages as JSON lines' },
          'print-messages': { type: 'boolean', help: 'print every syslog message and trap sent' },
        },
        load: async () => (await import('./commands/sim.js')).simAce,
      },
      anm: {
        summary: 'a simulated ANM (SOAP API, control API)',
        options: {
          config: { type: 'string', short: 'c', arg: 'FILE', help: 'the simulator configuration' },
          'log-level': {
            type: 'string',
            arg: 'LEVEL',
            help: 'fatal, error, warn, info (default), debug, trace, silent',
          },
        },
        load: async () => (await import('./commands/sim-anm.js')).main,
      },
    },
  },
  discover: {
    summary: "read the ACEs' Admin contexts over SSH and print a commented acesync.yaml",
    description:
      'Secrets only from environment variables or files. An unreachable device or a refused login is a line of\n' +
      'the report, not an abort. Exit 0: all read; 1: some could not be; 2: usage.',
    options: {
      ssh: { type: 'string', arg: 'USER@HOST[:PORT]', multiple: true, help: 'an ACE to read (repeatable)' },
      'password-env': { type: 'string', arg: 'VAR', help: 'environment variable with the SSH password' },
      'password-file': { type: 'string', arg: 'FILE', help: 'file with the SSH password' },
      'legacy-algorithms': { type: 'boolean', help: 'offer the old SSH algorithms older ACE software needs' },
      devices: { type: 'string', arg: 'FILE', help: 'a small YAML list of devices (ssh, password_env, ...)' },
      'anm-url': { type: 'string', arg: 'URL', help: "ANM's address: mark what ANM knows" },
      'anm-user': { type: 'string', arg: 'USER', help: 'ANM user' },
      'anm-password-env': { type: 'string', arg: 'VAR', help: "environment variable with ANM's password" },
      'anm-ca-file': { type: 'string', arg: 'FILE', help: "ANM's CA certificate" },
      'anm-insecure': { type: 'boolean', help: "do not verify ANM's certificate (warned)" },
      write: {
        type: 'string',
        arg: 'FILE',
        help: 'write the configuration to FILE (never overwrites without --force)',
      },
      force: { type: 'boolean', help: 'overwrite the --write file' },
      'connect-timeout-ms': { type: 'string', arg: 'MS', help: 'SSH connect timeout (default 10000)' },
    },
    load: async () => (await import('./commands/discover.js')).main,
  },
  anm: {
    summary: 'the last mile to the real ANM: import a captured sync request, check the configured ANM',
    subcommands: {
      'import-har': {
        summary: "turn a browser HAR capture of ANM's sync button into the anm.strategy block",
        usage: 'FILE',
        positionals: { min: 1, max: 1 },
        options: {
          device: { type: 'string', arg: 'NAME', help: 'the device name used in the capture' },
          context: { type: 'string', arg: 'NAME', help: 'the context name used in the capture' },
          address: { type: 'string', arg: 'IP', help: "the device's address used in the capture" },
        },
        load: async () => (await import('./commands/anm-import-har.js')).main,
      },
      check: {
        summary: "check TLS, SOAP login, ANM's inventory and, with --sync, one real upload",
        options: {
          config,
          context: { type: 'string', arg: 'DEV/CTX', help: 'the context of --sync' },
          sync: { type: 'boolean', help: 'one real upload through the configured strategy, then a re-audit' },
        },
        load: async () => (await import('./commands/anm-check.js')).main,
      },
    },
  },
  export: {
    summary: "'export git DIR': write each context's configuration history as git commits",
    usage: 'git DIR',
    positionals: { min: 2, max: 2 },
    options: {
      config,
      db: { type: 'string', arg: 'FILE', help: "the state database (default: the configuration's store.path)" },
    },
    load: async () => (await import('./commands/export.js')).main,
  },
  demo: {
    summary: 'run the built-in demo (simulated ACE pair and ANM on loopback), or drive the running one',
    description: `With no COMMAND: start the demo (what \`npm start\` runs): a simulated ACE HA pair and a simulated
ANM on loopback, acesync on UDP 5514/5162 and http://127.0.0.1:8080, state in ./data/demo.db (fresh
each start). The commands below drive a demo running in this folder, from another terminal.`,
    options: {
      'print-events': { type: 'boolean', help: 'print every received event as one JSON line on stdout' },
      ...logOptions,
    },
    load: async () => (await import('./commands/start.js')).demo,
    subcommands: {
      change: {
        summary: 'a configuration change on the active (or the standby) peer',
        options: {
          standby: { type: 'boolean', help: 'type it on the standby peer' },
          context: demoContext,
          data: dataDir,
        },
        load: async () => (await import('./commands/demo.js')).change,
      },
      failover: {
        summary: "'ft switchover' of the context's FT group",
        options: { context: demoContext, data: dataDir },
        load: async () => (await import('./commands/demo.js')).failover,
      },
      'silence-logging': {
        summary: "'no logging host <acesync>' on the standby peer",
        options: {
          context: demoContext,
          undo: { type: 'boolean', help: 'restore the logging host line' },
          data: dataDir,
        },
        load: async () => (await import('./commands/demo.js')).silenceLogging,
      },
      status: {
        summary: "contexts' states, FT roles, what ANM holds",
        options: { data: dataDir },
        load: async () => (await import('./commands/demo.js')).status,
      },
    },
  },
};

/** Commands added by later stages register here (kept in one place so `--help` lists them all). */
export function registerCommand(name: string, spec: CommandSpec): void {
  COMMANDS[name] = spec;
}

export function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

function lookup(words: string[]): { path: string[]; spec: CommandSpec } {
  const [name, ...subs] = words;
  let spec = COMMANDS[name!];
  if (!spec) throw usageError([], `unknown command '${name!.slice(0, 40)}'${didYouMean(name!, Object.keys(COMMANDS))}`);
  const path = [name!];
  for (const w of subs) {
    const sub = spec.subcommands?.[w];
    if (!sub) throw usageError(path, `'${path.join(' ')}' has no command '${w.slice(0, 40)}'`);
    spec = sub;
    path.push(w);
  }
  return { path, spec };
}

async function dispatch(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === '--help' || name === '-h' || (name === 'help' && rest.length === 0)) {
    process.stdout.write(topHelp(COMMANDS));
    return EXIT.OK;
  }
  if (name === '--version') {
    process.stdout.write(`acesync ${version()}\n`);
    return EXIT.OK;
  }
  if (name === undefined) {
    process.stderr.write(`acesync: a command is required\n\n${topHelp(COMMANDS)}`);
    return EXIT.BAD_INPUT;
  }
  if (name === 'help') {
    const { path, spec } = lookup(rest);
    process.stdout.write(helpText(path, spec));
    return EXIT.OK;
  }
  if (name.startsWith('-')) throw usageError([], `unknown option '${name.slice(0, 40)}' (a command comes first)`);
  const { path, spec } = lookup([name]);
  const r = resolveCommand(path, spec, rest);
  if (r.kind === 'help') {
    process.stdout.write(helpText(r.path, r.spec));
    return EXIT.OK;
  }
  return (await r.spec.load())(r.parsed);
}

export async function run(argv: string[]): Promise<number> {
  const label = ['acesync', ...argv.slice(0, 1).filter((w) => COMMANDS[w])].join(' ');
  try {
    return await dispatch(argv);
  } catch (err) {
    if (err instanceof FileProblemsError) {
      process.stderr.write(`${label}: ${err.message}\n`);
      return EXIT.BAD_INPUT;
    }
    if (err instanceof AcesyncError && (err.code === 'ACESYNC_USAGE' || err.code === 'ACESYNC_CONFIG_NOT_FOUND')) {
      process.stderr.write(`${label}: ${err.message}\n`);
      return EXIT.BAD_INPUT;
    }
    process.stderr.write(`${label}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    return EXIT.FAILURE;
  }
}

function isEntryPoint(): boolean {
  try {
    // The bin link in node_modules/.bin points here; compare real paths.
    return process.argv[1] !== undefined && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url);
  } catch {
    return false;
  }
}

if (isEntryPoint()) {
  run(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err) => {
      process.stderr.write(String(err) + '\n');
      process.exitCode = 1;
    },
  );
}
