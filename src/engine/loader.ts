/**
 * Loading a rule set: every `*.yaml`/`*.yml` file of a folder (or the files given), all
 * problems collected (YAML syntax, unknown keys, bad regexes, scopes, durations,
 * templates, variables, duplicate names across files), each with file, line and key path.
 * A set with any problem is refused as a whole: reloads are atomic.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { FileProblemsError, type FileProblem } from '../core/errors.js';
import { formatPath, parseYaml, zodProblems, type YamlSource } from '../config/yaml-source.js';
import type { EngineConfig } from '../config/sections/engine.js';
import { compileRule, type CompileOptions, type CompileProblems } from './compile.js';
import { ruleFileSchema, ruleSchema } from './schema.js';
import type { CompiledRule, Ruleset } from './types.js';

/** Bounds: a rule folder is written by people; anything bigger is a mistake. */
export const MAX_RULE_FILES = 200;
export const MAX_RULE_FILE_BYTES = 1024 * 1024;

export interface RuleSources {
  /** Folder the set came from, or the single file. */
  source: string;
  files: Array<{ file: string; text: string }>;
}

export interface LoadRulesOptions {
  engine: Pick<EngineConfig, 'anm_users' | 'variables' | 'default_settle_ms' | 'max_settle_ms'>;
  now?: number;
}

export interface RulesCheck {
  ruleset?: Ruleset;
  problems: FileProblem[];
  files: string[];
}

/** Read the rule files of a folder (sorted by name) or a single file. */
export function readRuleSources(path: string): RuleSources {
  const abs = resolve(path);
  let st;
  try {
    st = statSync(abs);
  } catch {
    throw new FileProblemsError('ACESYNC_RULES_INVALID', [{ file: abs, message: 'no such file or folder' }]);
  }
  const names = st.isDirectory()
    ? readdirSync(abs)
        .filter((n) => /\.ya?ml$/i.test(n) && !n.startsWith('.'))
        .sort()
        .map((n) => join(abs, n))
    : [abs];
  if (names.length > MAX_RULE_FILES)
    throw new FileProblemsError('ACESYNC_RULES_INVALID', [
      { file: abs, message: `more than ${MAX_RULE_FILES} rule files` },
    ]);
  const files: RuleSources['files'] = [];
  const problems: FileProblem[] = [];
  for (const file of names) {
    try {
      const size = statSync(file).size;
      if (size > MAX_RULE_FILE_BYTES) problems.push({ file, message: `larger than ${MAX_RULE_FILE_BYTES} bytes` });
      else files.push({ file, text: readFileSync(file, 'utf8') });
    } catch (err) {
      problems.push({ file, message: `cannot read: ${(err as Error).message}` });
    }
  }
  if (problems.length > 0) throw new FileProblemsError('ACESYNC_RULES_INVALID', problems);
  return { source: abs, files };
}

/** The variables rules can reference: `engine.variables` plus `anm_users`. */
export function ruleVariables(engine: LoadRulesOptions['engine']): Record<string, unknown> {
  return { ...engine.variables, anm_users: engine.anm_users };
}

function located(
  src: YamlSource,
  base: Array<string | number>,
  path: Array<string | number>,
  message: string,
): FileProblem {
  const full = [...base, ...path];
  return { file: src.file, ...src.locate(full), path: formatPath(full), message };
}

/** Compile rule sources; every problem is returned, none thrown. */
export function compileRuleSources(sources: RuleSources, opts: LoadRulesOptions): RulesCheck {
  const problems: FileProblem[] = [];
  const rules: CompiledRule[] = [];
  const byName = new Map<string, { file: string; line?: number }>();
  const variables = ruleVariables(opts.engine);
  const copts: CompileOptions = {
    variables,
    defaultSettleMs: opts.engine.default_settle_ms,
    maxSettleMs: opts.engine.max_settle_ms,
  };
  let order = 0;
  for (const { file, text } of sources.files) {
    let src: YamlSource;
    try {
      src = parseYaml(file, text, 'ACESYNC_RULES_INVALID');
    } catch (err) {
      if (err instanceof FileProblemsError) {
        problems.push(...err.problems);
        continue;
      }
      throw err;
    }
    const top = ruleFileSchema.safeParse(src.value ?? {});
    if (!top.success) {
      problems.push(...zodProblems(src, top.error));
      continue;
    }
    top.data.rules.forEach((raw, i) => {
      const base = ['rules', i];
      // Names are checked first, so a duplicate is reported even when the rule has other problems.
      const name = (raw as { name?: unknown } | null)?.name;
      const line = src.locate([...base, 'name']).line;
      let duplicate = false;
      if (typeof name === 'string') {
        const prev = byName.get(name);
        if (prev) {
          duplicate = true;
          problems.push(
            located(
              src,
              base,
              ['name'],
              `rule name '${name}' is already used at ${basename(prev.file)}:${prev.line ?? '?'}`,
            ),
          );
        } else byName.set(name, { file, line });
      }
      const parsed = ruleSchema.safeParse(raw);
      if (!parsed.success) {
        problems.push(...zodProblems(src, parsed.error, base));
        return;
      }
      if (duplicate) return;
      const rule = parsed.data;
      const cp: CompileProblems = { plain: [], zod: [] };
      const compiled = compileRule(rule, raw, { file, line, order: order++ }, copts, cp);
      for (const p of cp.plain) problems.push(located(src, base, p.path, p.message));
      for (const z of cp.zod) problems.push(...zodProblems(src, z.error, [...base, ...z.path]));
      if (compiled && rule.enabled) rules.push(compiled);
    });
  }
  const files = sources.files.map((f) => f.file);
  if (problems.length > 0) return { problems, files };
  rules.sort((a, b) => a.priority - b.priority || a.order - b.order);
  return {
    problems,
    files,
    ruleset: {
      rules,
      source: sources.source,
      variables,
      anmUsers: new Set(opts.engine.anm_users),
      loadedAt: opts.now ?? Date.now(),
    },
  };
}

/** Load and compile; throws FileProblemsError (ACESYNC_RULES_INVALID) listing every problem. */
export function loadRules(path: string, opts: LoadRulesOptions): Ruleset {
  const check = compileRuleSources(readRuleSources(path), opts);
  if (!check.ruleset) throw new FileProblemsError('ACESYNC_RULES_INVALID', check.problems);
  return check.ruleset;
}

/** Check a folder without throwing (for `acesync rules check`). */
export function checkRules(path: string, opts: LoadRulesOptions): RulesCheck {
  try {
    return compileRuleSources(readRuleSources(path), opts);
  } catch (err) {
    if (err instanceof FileProblemsError) return { problems: err.problems, files: [] };
    throw err;
  }
}
