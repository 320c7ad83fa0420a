/**
 * `acesync sim ace --config FILE`: run simulated ACE devices (SSH + CLI, syslog, traps) for
 * the demo and for trying acesync without hardware. `acesync sim anm ...` is the ANM
 * simulator (src/commands/sim-anm.ts, loaded only when asked for).
 */
import { resolve } from 'node:path';
import { EXIT } from '../core/errors.js';
import type { Parsed } from './args.js';

export async function simAce(args: Parsed): Promise<number> {
  const configFile = args.string('config');
  if (configFile === undefined) throw args.usageError('--config FILE is required');
  const values = { json: args.bool('json'), 'print-messages': args.bool('print-messages') };
  const { loadSimSpecFile, resolveSimFiles } = await import('../sim/ace/spec.js');
  const { AceSimulator } = await import('../sim/ace/simulator.js');
  const { spec, baseDir } = loadSimSpecFile(resolve(configFile));
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
