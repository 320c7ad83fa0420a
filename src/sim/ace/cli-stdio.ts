#!/usr/bin/env node
/**
 * One simulated device's CLI on stdin/stdout, for running behind a real OpenSSH server
 * (`ForceCommand node dist/sim/ace/cli-stdio.js --state FILE`): sshd does the SSH, the pty
 * echoes and turns `\n` into CRLF, this process prints prompts and answers commands.
 * With `SSH_ORIGINAL_COMMAND` set (an exec request) it runs that command and exits.
 *
 * State comes from a simulator file (the `acesync sim ace` format); changes last for the
 * login only.
 */
import { parseArgs } from 'node:util';
import { readLines } from '../../parse/line-reader.js';
import { CliSession } from './cli.js';
import { ADMIN } from './device.js';
import { AceSimulator } from './simulator.js';
import { loadSimSpecFile, resolveSimFiles } from './spec.js';

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: { state: { type: 'string' }, device: { type: 'string' }, user: { type: 'string' } },
    strict: true,
  });
  if (values.state === undefined) {
    process.stderr.write('usage: cli-stdio --state FILE [--device NAME] [--user NAME]\n');
    return 2;
  }
  const { spec, baseDir } = loadSimSpecFile(values.state);
  const sim = await AceSimulator.start(resolveSimFiles(spec, baseDir), { noSsh: true });
  const dev = sim.device(values.device ?? spec.devices[0]!.name);
  const wanted = values.user ?? process.env.USER;
  const user =
    dev.users.find((u) => u.username === wanted) ?? dev.users.find((u) => u.context === ADMIN) ?? dev.users[0]!;
  const cli = new CliSession(dev, user);
  const write = (s: string): Promise<void> =>
    new Promise((resolve) => (process.stdout.write(s) ? resolve() : process.stdout.once('drain', resolve)));

  const original = process.env.SSH_ORIGINAL_COMMAND;
  if (original !== undefined && original.trim() !== '') {
    for (const l of original.split(/[\r\n;]+/)) if (l.trim() !== '') await write(cli.line(l));
    await sim.stop();
    return 0;
  }

  await write(cli.prompt());
  // acesync's own line reader, not node:readline: since Node 22 readline also ends a line at U+2028/U+2029,
  // which a typed banner or description may hold (one command would become two). LF or CRLF only.
  for await (const { text } of readLines(process.stdin)) {
    await write(cli.line(text));
    if (cli.closed) break;
    await write(cli.prompt());
  }
  await sim.stop();
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`cli-stdio: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
