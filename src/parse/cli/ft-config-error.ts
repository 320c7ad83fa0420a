/**
 * `show ft config-error [context]` on a standby (reference 4.6): a timestamp line, then for
 * each command that failed to apply during config sync, the command in back-quotes and an
 * `Error: ...` line.
 */

export interface FtConfigError {
  command: string;
  error: string;
}

const MAX_ERRORS = 256;

export function parseFtConfigErrors(output: string): FtConfigError[] {
  const out: FtConfigError[] = [];
  let pending: string | undefined;
  for (const raw of output.split('\n')) {
    const line = raw.trim();
    const cmd = /^`(.*)`$/.exec(line);
    if (cmd) {
      if (pending !== undefined && out.length < MAX_ERRORS) out.push({ command: pending, error: '' });
      pending = cmd[1]!.slice(0, 300);
      continue;
    }
    const err = /^Error\s*:\s*(.*)$/.exec(line);
    if (err && pending !== undefined) {
      if (out.length < MAX_ERRORS) out.push({ command: pending, error: err[1]!.slice(0, 300) });
      pending = undefined;
    }
  }
  if (pending !== undefined && out.length < MAX_ERRORS) out.push({ command: pending, error: '' });
  return out;
}

/** One line per failure, as events carry them: "`cert web.pem`: Unable to locate ...". */
export function formatFtConfigError(e: FtConfigError): string {
  return e.error ? `\`${e.command}\`: ${e.error}` : `\`${e.command}\``;
}
