/**
 * `acesync config check [FILE] [--secrets]`: everything `start` validates, without
 * starting and without the secrets' values: the YAML, every key, the files it names (rules
 * folder and rule files, ANM's CA, webhook templates), the inventory. The secrets it refers
 * to are listed with whether each is set here; only `--secrets` makes an unset one fail.
 * Problems are printed as `file:line:col key: reason`, exit 2.
 */
import { relative, isAbsolute } from 'node:path';
import { checkSecrets, loadConfigFile, secretProblem, secretRefs } from '../config/load.js';
import { formatPath } from '../config/yaml-source.js';
import { fillSecretsFromFiles } from '../config/secret-files.js';
import { EXIT, FileProblemsError, formatProblem } from '../core/errors.js';
import { checkRules } from '../engine/loader.js';
import { Inventory } from '../inventory/inventory.js';
import { loadTemplate } from '../notify/receivers.js';
import { configWarnings } from '../config/warnings.js';
import type { Parsed } from './args.js';
import { findConfigFile, serviceConfigFile } from './config-arg.js';

function shown(file: string): string {
  const rel = relative(process.cwd(), file);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : file;
}

export async function check(args: Parsed): Promise<number> {
  const file = findConfigFile(args.positionals[0] ?? args.string('config')) ?? serviceConfigFile(undefined);
  const loaded = loadConfigFile(file, process.env, { skipSecrets: true });
  const { config } = loaded;
  fillSecretsFromFiles(config, process.env);
  const fail = (lines: string[]): number => {
    for (const l of lines) process.stderr.write(l + '\n');
    process.stderr.write(`${shown(file)}: the configuration would be refused\n`);
    return EXIT.BAD_INPUT;
  };
  const inventory = Inventory.fromConfig(config);
  const rules = checkRules(config.rules, { engine: config.engine });
  if (!rules.ruleset) return fail(rules.problems.map((p) => formatProblem({ ...p, file: shown(p.file) })));
  const templateProblems: string[] = [];
  for (const w of config.webhooks)
    if (w.template !== undefined)
      try {
        loadTemplate(w.template, loaded.baseDir);
      } catch (err) {
        templateProblems.push(`${shown(file)} webhooks ${w.name}: ${(err as Error).message}`);
      }
  if (templateProblems.length > 0) return fail(templateProblems);
  if (args.bool('secrets')) {
    try {
      checkSecrets(config, loaded.src, process.env, shown(file));
    } catch (err) {
      if (err instanceof FileProblemsError) return fail(err.problems.map(formatProblem));
      throw err;
    }
  }

  const contexts = [...inventory.devices.values()].reduce((n, d) => n + d.contexts.length, 0);
  const out = [
    `${shown(file)}: OK: ${config.devices.length} device${config.devices.length === 1 ? '' : 's'}, ${contexts} context${contexts === 1 ? '' : 's'}, ${rules.ruleset.rules.length} rules (${shown(rules.ruleset.source)})`,
  ];
  for (const w of configWarnings(config, loaded.src))
    out.push(`warning: ${formatProblem({ ...w, file: shown(file) })}`);
  const refs = secretRefs(config);
  if (refs.length === 0) out.push('secrets: none referenced');
  else {
    out.push(
      `secrets referenced (${args.bool('secrets') ? 'all set' : 'values not needed here; --secrets requires them'}):`,
    );
    const width = Math.max(...refs.map((r) => formatPath(r.path).length));
    for (const r of refs) {
      const problem = secretProblem(r, process.env);
      const what = r.kind === 'env' ? `environment variable ${r.name}` : `file ${r.name}`;
      out.push(`  ${formatPath(r.path).padEnd(width)}  ${what}: ${problem ? 'UNSET' : 'set'}`);
    }
  }
  process.stdout.write(out.join('\n') + '\n');
  return EXIT.OK;
}
