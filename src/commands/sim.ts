/**
 * `acesync sim ace --config FILE`: run simulated ACE devices (SSH + CLI, syslog, traps) for
 * the demo and for trying acesync without hardware. `acesync sim anm ...` is the ANM
 * simulator (src/commands/sim-anm.ts, loaded only when asked for).
 */
import { resolve } from 'node:path';
import { AcesyncError, EXIT } from '../core/errors.js';
import { parseCommandArgs } from './args.js';

const USAGE = 'usage: acesync sim ace --config FILE [--json] [--print-messages]\n       acesync sim anm ...\n';

async function simAce(args: string[]): Promise<number> {
  const { values } = parseCommandArgs(
    args,
    { config: { type: 'string', short: 'c' }, json: { type: 'boolean' }, 'print-messages': { type: 'boolean' } },
    false,
  );
  if (values.config === undefined) throw new AcesyncError('ACESYNC_USAGE', `--config FILE is required\n${USAGE}`);
  const { loadSimSpecFile, resolveSimFiles } = await import('../sim/ace/spec.js');
  const { AceSimulator } = await import('../sim/ace/simulator.js');
  const { spec, baseDir } = loadSimSpecFile(resolve(values.config));
  const sim = await AceSimulator.start(resolveSimFiles(spec, baseDir));
  for (const e of sim.endpoints()) {
    if (values.json) process.stdout.write(JSON.stringify({ event: 'listening', ...e }) + '\n');
    else
      process.stdout.write(
        `${e.device.padEnd(16)} ssh ${e.host}:${e.port}  host key ${e.hostKeySha256}${e.legacyOnly ? '  (legacy algorithms only)' : ''}\n`,
      );
  }
  if (values['print-messages'])
    sim.onMessage((m) =>
      process.stdout.write(
        values.json
          ? JSON.stringify({ event: 'sent', ...m }) + '\n'
          : `${m.device}/${m.context} ${m.kind} -> ${m.target}: ${m.text}\n`,
      ),
    );
  await new Promise<void>((done) => {
    const stop = (): void => done();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await sim.stop();
  return EXIT.OK;
}

export async function main(args: string[]): Promise<number> {
  const [which, ...rest] = args;
  if (which === 'ace') return simAce(rest);
  if (which === 'anm') {
    // The ANM simulator's command is another engineer's file; load it only when asked for.
    const spec = './sim-anm.js';
    let mod: { main(args: string[]): Promise<number> };
    try {
      mod = (await import(spec)) as typeof mod;
    } catch (err) {
      if ((err as { code?: string }).code === 'ERR_MODULE_NOT_FOUND') {
        process.stderr.write('acesync sim anm: the ANM simulator is not available in this build\n');
        return EXIT.FAILURE;
      }
      throw err;
    }
    return mod.main(rest);
  }
  throw new AcesyncError('ACESYNC_USAGE', `expected 'ace' or 'anm'\n${USAGE}`);
}
