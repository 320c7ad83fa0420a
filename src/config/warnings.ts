/**
 * Things a configuration may mean but probably does not: accepted, but said out loud at
 * start-up and by `acesync config check` (file:line:col key: reason).
 */
import type { FileProblem } from '../core/errors.js';
import type { Config } from './schema.js';
import { formatPath, type YamlSource } from './yaml-source.js';

export function configWarnings(
  cfg: Config,
  src: YamlSource | undefined,
  file = src?.file ?? '(config)',
): FileProblem[] {
  const out: FileProblem[] = [];
  const at = (path: Array<string | number>, message: string): void => {
    out.push({ file, ...(src?.locate(path) ?? {}), path: formatPath(path) || '(top level)', message });
  };
  if (cfg.devices.length === 0)
    at(['devices'], 'no devices: every message is from an unknown source and nothing is audited');
  const byHost = new Map<string, number>();
  cfg.devices.forEach((d, i) => {
    const first = byHost.get(d.host.toLowerCase());
    if (first !== undefined)
      at(
        ['devices', i, 'host'],
        `${d.host} is also the host of devices[${first}] (${cfg.devices[first]!.name}): two entries for one ACE?`,
      );
    else byHost.set(d.host.toLowerCase(), i);
  });
  return out;
}
