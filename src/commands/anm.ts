/** `acesync anm import-har|check`: the last mile to the real ANM. */
import { AcesyncError, EXIT } from '../core/errors.js';

const HELP = `usage: acesync anm <import-har|check> [options]   (--help on each)

  import-har FILE   turn a browser HAR capture of ANM's sync button into the anm.strategy block
  check             check TLS, SOAP login, ANM's inventory and (--sync) one real upload
`;

export async function main(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === 'import-har') return (await import('./anm-import-har.js')).main(rest);
  if (sub === 'check') return (await import('./anm-check.js')).main(rest);
  if (sub === undefined || sub === '--help' || sub === '-h') {
    process.stdout.write(HELP);
    return sub === undefined ? EXIT.BAD_INPUT : EXIT.OK;
  }
  throw new AcesyncError('ACESYNC_USAGE', `unknown subcommand '${sub.slice(0, 40)}'\n\n${HELP}`);
}
