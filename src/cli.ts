#!/usr/bin/env -S node --openssl-legacy-provider
/**
 * The `acesync` command line. Each command lives in `commands/<name>.ts` and returns
 * its exit code: 0 ok, 1 failure, 2 a person must fix an input (file, line, reason).
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { AcesyncError, FileProblemsError, EXIT } from './core/errors.js';

type Command = (args: string[]) => Promise<number>;

const COMMANDS: Record<string, { summary: string; load: () => Promise<Command> }> = {
  start: {
    summary: 'run the service (--config FILE, --print-events, --init)',
    load: async () => (await import('./commands/start.js')).main,
  },
  parse: {
    summary: 'parse raw syslog lines (FILE... or stdin) into JSON events (--stats)',
    load: async () => (await import('./commands/parse.js')).main,
  },
  replay: {
    summary: 'feed recorded lines or JSON events through the rules offline (--config, --rules)',
    load: async () => (await import('./commands/replay.js')).main,
  },
  rules: {
    summary: "'rules check [DIR]': validate rule files (exit 2 on errors)",
    load: async () => (await import('./commands/rules.js')).main,
  },
  explain: {
    summary: 'explain DEVICE CONTEXT: the chain that led to its current state',
    load: async () => (await import('./commands/explain.js')).main,
  },
  baseline: {
    summary: "'baseline adopt --reason TEXT (--all | --device D | --context C)': ANM already holds it; no upload",
    load: async () => (await import('./commands/baseline.js')).main,
  },
  procedure: {
    summary: "'procedure ack PAIR [--context DEV/CTX]...': acknowledge a manual procedure run in bulk",
    load: async () => (await import('./commands/procedure.js')).main,
  },
  sim: {
    summary: "'sim ace|anm --config FILE': run the ACE or ANM simulator",
    load: async () => (await import('./commands/sim.js')).main,
  },
  discover: {
    summary: 'discover --ssh USER@HOST ...: read the ACEs and print a commented acesync.yaml (--help)',
    load: async () => (await import('./commands/discover.js')).main,
  },
  anm: {
    summary: "'anm import-har FILE' | 'anm check [--sync]': turn a captured ANM request into config; check ANM",
    load: async () => (await import('./commands/anm.js')).main,
  },
  export: {
    summary: "'export git DIR': write each context's configuration history as git commits (--config, --db)",
    load: async () => (await import('./commands/export.js')).main,
  },
  demo: {
    summary: "'demo change|failover|silence-logging|status': drive the running demo",
    load: async () => (await import('./commands/demo.js')).main,
  },
};

function usage(): string {
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(14)} ${c.summary}`);
  return `usage: acesync <command> [options]\n\ncommands:\n${lines.join('\n')}\n`;
}

/** Commands added by later stages register here (kept in one place so `--help` lists them all). */
export function registerCommand(name: string, summary: string, load: () => Promise<Command>): void {
  COMMANDS[name] = { summary, load };
}

export async function run(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage());
    return name ? EXIT.OK : EXIT.BAD_INPUT;
  }
  const cmd = COMMANDS[name];
  if (!cmd) {
    process.stderr.write(`acesync: unknown command '${name}'\n\n${usage()}`);
    return EXIT.BAD_INPUT;
  }
  try {
    return await (
      await cmd.load()
    )(rest);
  } catch (err) {
    if (err instanceof FileProblemsError) {
      process.stderr.write(`acesync ${name}: ${err.message}\n`);
      return EXIT.BAD_INPUT;
    }
    if (err instanceof AcesyncError && err.code === 'ACESYNC_USAGE') {
      process.stderr.write(`acesync ${name}: ${err.message}\n`);
      return EXIT.BAD_INPUT;
    }
    process.stderr.write(`acesync ${name}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
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
