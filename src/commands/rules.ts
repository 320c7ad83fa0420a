/**
 * `acesync rules check [DIR|FILE] [--config FILE]`: validate rule files the way the
 * service loads them. Every problem is printed as `file:line:col path: reason`; exit 2
 * when there is any, else a summary and exit 0.
 */
import { relative, isAbsolute } from 'node:path';
import { EXIT, formatProblem } from '../core/errors.js';
import { checkRules } from '../engine/loader.js';
import { formatDuration } from '../engine/duration.js';
import type { Parsed } from './args.js';
import { resolveConfig } from './config-arg.js';
import { inert } from '../core/inert.js';

function shown(file: string): string {
  const rel = relative(process.cwd(), file);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : file;
}

export async function main(args: Parsed): Promise<number> {
  const [target] = args.positionals;
  const loaded = resolveConfig(args.string('config'), { skipSecrets: true });
  const dir = target ?? loaded.config.rules;
  const result = checkRules(dir, { engine: loaded.config.engine });
  if (!result.ruleset) {
    for (const p of result.problems) process.stderr.write(inert(formatProblem({ ...p, file: shown(p.file) })) + '\n');
    const files = new Set(result.problems.map((p) => p.file)).size;
    process.stderr.write(
      `${result.problems.length} problem${result.problems.length === 1 ? '' : 's'} in ${files} file${files === 1 ? '' : 's'}; the rule set would be refused\n`,
    );
    return EXIT.BAD_INPUT;
  }
  const rules = result.ruleset.rules;
  const lines = [
    `rules OK: ${rules.length} rule${rules.length === 1 ? '' : 's'} in ${result.files.length} file${result.files.length === 1 ? '' : 's'} (${shown(result.ruleset.source)})`,
  ];
  if (args.bool('verbose') || rules.length <= 60) {
    for (const r of rules) {
      const on = r.kinds ? [...r.kinds].join(',') : 'any';
      const actions = r.actions
        .map((a) =>
          a.type === 'job'
            ? a.job + (a.settleMs ? `(settle ${formatDuration(a.settleMs)})` : '')
            : a.type === 'mark'
              ? `mark ${a.state}`
              : a.type,
        )
        .join(', ');
      const throttle = r.throttle ? ` once_within ${formatDuration(r.throttle.onceWithinMs)}` : '';
      lines.push(
        `  ${String(r.priority).padStart(4)} ${r.name.padEnd(32)} on ${on.padEnd(28)} -> ${actions}${throttle}  [${shown(r.file)}:${r.line ?? '?'}]`,
      );
    }
  }
  if (rules.length === 0) lines.push('  (no rules: the service would record events but decide nothing)');
  // One line per rule: names and paths come from files, so they are made inert too.
  process.stdout.write(lines.map(inert).join('\n') + '\n');
  return EXIT.OK;
}
