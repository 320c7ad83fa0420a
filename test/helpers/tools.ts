/**
 * Real tools the tests start (rsyslogd, sshd, promtool, ...). A missing tool skips its tests on a developer's
 * machine, but fails them in CI (CI=true), where .ci/run installs every one: a green CI never hides a skip.
 */
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

/** The tool's path, or undefined when it is not installed. */
export function findTool(name: string): string | undefined {
  const dirs = name.includes('/') ? [''] : (process.env.PATH ?? '').split(delimiter).concat(['/usr/sbin', '/sbin']);
  for (const d of dirs) {
    const p = d ? join(d, name) : name;
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      /* next */
    }
  }
  return undefined;
}

/**
 * Whether the tests that need `name` should run. In CI a missing tool is an error (thrown at collection, so the
 * file fails), elsewhere a skip with the package to install.
 */
export function haveTool(name: string, debianPackage: string): boolean {
  if (findTool(name) !== undefined) return true;
  if (process.env.CI === 'true')
    throw new Error(`${name} is missing: CI must install the Debian package ${debianPackage} (.ci/run)`);
  console.warn(`skipping: ${name} not installed (apt-get install ${debianPackage})`);
  return false;
}
