/** Where the rules come from, and reloading them without stopping the service. */
import { existsSync } from 'node:fs';
import type { LoadedConfig } from '../config/load.js';
import type { Clock } from '../core/clock.js';
import { AcesyncError, FileProblemsError, formatProblem } from '../core/errors.js';
import type { Logger } from '../core/log.js';
import { loadRules } from '../engine/loader.js';
import type { Processor } from '../engine/processor.js';

import { PACKAGED_RULES } from '../config/schema.js';

/** The default rules shipped with the package (dist/app/../../rules); a config that names no rules uses them. */
export const BUNDLED_RULES = PACKAGED_RULES;

/** Without a configuration file the rules folder may not exist where the defaults point: use the bundled ones. */
export function rulesPathOf(loaded: LoadedConfig): string {
  const { rules } = loaded.config;
  return !existsSync(rules) && loaded.file === undefined && existsSync(BUNDLED_RULES) ? BUNDLED_RULES : rules;
}

export interface RulesReloadDeps {
  processor: Processor;
  rulesPath: string;
  /** The engine section in effect (a configuration reload replaces it). */
  engine(): LoadedConfig['config']['engine'];
  clock: Clock;
  logger: Logger;
  /** A database that cannot be written while the rules were swapped is fatal. */
  fail(err: unknown): void;
}

/** Load the rules again; a bad set is refused (its problems logged) and the old one keeps running. */
export function rulesReloader(d: RulesReloadDeps): (trigger?: string) => boolean {
  return (trigger = 'reload') => {
    try {
      const next = loadRules(d.rulesPath, { engine: d.engine(), now: d.clock.now() });
      const r = d.processor.reload(next);
      d.logger.info(
        { trigger, rules: r.rules, droppedExpectations: r.droppedExpectations, path: d.rulesPath },
        'rules reloaded',
      );
      return true;
    } catch (err) {
      if (err instanceof FileProblemsError) {
        d.logger.error(
          { trigger, path: d.rulesPath, problems: err.problems.map(formatProblem) },
          'rules refused; the previous rules keep running',
        );
        return false;
      }
      if (err instanceof AcesyncError && err.code === 'ACESYNC_STORE_WRITE') d.fail(err);
      else d.logger.error({ err, trigger }, 'rules reload failed; the previous rules keep running');
      return false;
    }
  };
}
