/**
 * Real Debian tools the tests drive (Alertmanager, promtool, git). A test that needs a
 * missing one fails when CI=true (CI installs them in .ci/run) and is skipped otherwise.
 */
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';

export function which(bin: string): string | undefined {
  if (bin.includes('/')) return existsSync(bin) ? bin : undefined;
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const p = join(dir, bin);
    if (dir && existsSync(p)) return p;
  }
  return undefined;
}

/** Whether to run a test that needs `bin`; throws under CI when it is missing. */
export function haveTool(bin: string, pkg: string): boolean {
  if (which(bin)) return true;
  if (process.env.CI === 'true') throw new Error(`${bin} is missing: apt-get install ${pkg} (CI must install it)`);
  process.stderr.write(`skipped: ${bin} is not installed (Debian package ${pkg})\n`);
  return false;
}
