/**
 * Conditions: `all` / `any` / `not` over leaves `{field, <operator>: value}`.
 * Compiled once at load (regexes included, variables substituted), evaluated as plain
 * functions: no eval, no templates in conditions. Evaluation has a fast boolean pass and
 * a tracing pass used only when a rule matched, to record which conditions passed.
 */
import type { ConditionTrace } from './types.js';
import { parseFieldRef, readEventField, type FieldRef, type StateField } from './fields.js';
import type { AceEvent } from '../core/events.js';

export const OPERATORS = [
  'equals',
  'not_equals',
  'in',
  'matches',
  'exists',
  'lt',
  'lte',
  'gt',
  'gte',
  'contains',
  'startswith',
] as const;
export type Operator = (typeof OPERATORS)[number];

/** Longest regex source accepted, and longest string a regex is run on. */
export const MAX_REGEX_LENGTH = 512;
export const MAX_MATCH_INPUT = 4096;
/** Items of a list field `matches` looks at. */
export const MAX_MATCH_ITEMS = 1000;

/** Values of state fields, computed lazily per event by the engine. */
export type StateLookup = (field: StateField) => unknown;

export interface CompiledCondition {
  test(event: AceEvent, state: StateLookup): boolean;
  trace(event: AceEvent, state: StateLookup): ConditionTrace;
}

export interface ConditionProblem {
  path: Array<string | number>;
  message: string;
}

const LEAF_KEYS = new Set<string>(['field', 'ignore_case', ...OPERATORS]);
// A group with a quantifier inside, itself quantified: (a+)+, (\w*)*, (x+){2,} ...
const NESTED_QUANTIFIER = /\((?:[^()\\]|\\.)*[+*}](?:[^()\\]|\\.)*\)\s*(?:[+*]|\{\d+,\d*\})/;

function show(v: unknown): string {
  if (v instanceof RegExp) return `/${v.source}/${v.flags}`;
  if (Array.isArray(v)) return `[${v.map(show).join(', ')}]`;
  return typeof v === 'string' ? v : JSON.stringify(v);
}

function boundSeen(v: unknown): unknown {
  if (typeof v === 'string' && v.length > 200) return v.slice(0, 200) + '…';
  if (Array.isArray(v) && v.length > 20) return [...v.slice(0, 20), '…'];
  return v;
}

function scalarEquals(a: unknown, b: unknown, ignoreCase: boolean): boolean {
  if (a === undefined || a === null) return b === null;
  if (typeof a === 'object' || typeof b === 'object') return false;
  // `id: 727012` in a rule must match the string id '727012' of an event.
  const sa = String(a);
  const sb = String(b);
  return ignoreCase ? sa.toLowerCase() === sb.toLowerCase() : sa === sb;
}

function toNumber(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && v.trim() !== '') {
    const n = Number(v);
    return Number.isFinite(n) ? n : undefined;
  }
  return undefined;
}

function substitute(
  v: unknown,
  vars: Record<string, unknown>,
  path: Array<string | number>,
  problems: ConditionProblem[],
): unknown {
  if (typeof v === 'string' && /^\$[a-z_][a-z0-9_]*$/.test(v)) {
    const name = v.slice(1);
    if (!(name in vars)) {
      problems.push({ path, message: `unknown variable '${v}' (define it under engine.variables)` });
      return undefined;
    }
    return vars[name];
  }
  if (Array.isArray(v))
    return v.flatMap((x, i) => {
      const s = substitute(x, vars, [...path, i], problems);
      return Array.isArray(s) ? s : [s];
    });
  return v;
}

/**
 * A copy of a condition spec with `$variables` replaced by their values, so it can be
 * stored (expectations) and compiled later without the configuration.
 */
export function resolveVariables(spec: unknown, vars: Record<string, unknown>): unknown {
  if (typeof spec === 'string' && /^\$[a-z_][a-z0-9_]*$/.test(spec) && spec.slice(1) in vars)
    return vars[spec.slice(1)];
  if (Array.isArray(spec))
    return spec.flatMap((x) => {
      const r = resolveVariables(x, vars);
      return Array.isArray(r) && typeof x === 'string' ? r : [r];
    });
  if (spec !== null && typeof spec === 'object')
    return Object.fromEntries(Object.entries(spec).map(([k, v]) => [k, resolveVariables(v, vars)]));
  return spec;
}

function compileLeaf(
  spec: Record<string, unknown>,
  path: Array<string | number>,
  vars: Record<string, unknown>,
  problems: ConditionProblem[],
): CompiledCondition | undefined {
  const before = problems.length;
  for (const k of Object.keys(spec))
    if (!LEAF_KEYS.has(k))
      problems.push({
        path: [...path, k],
        message: `unknown key '${k}' in a condition (operators: ${OPERATORS.join(', ')}; or all/any/not)`,
      });
  if (typeof spec.field !== 'string') {
    problems.push({
      path: [...path, 'field'],
      message: "a condition needs 'field' (an event field, data.<name> or state.<name>)",
    });
    return undefined;
  }
  const ref = parseFieldRef(spec.field);
  if (typeof ref === 'string') problems.push({ path: [...path, 'field'], message: ref });
  const ops = OPERATORS.filter((o) => o in spec);
  if (ops.length !== 1) {
    problems.push({
      path,
      message:
        ops.length === 0
          ? `a condition needs one operator (${OPERATORS.join(', ')})`
          : `a condition takes one operator, found ${ops.join(', ')}`,
    });
    return undefined;
  }
  const op = ops[0]!;
  const ignoreCase = spec.ignore_case === true;
  if (spec.ignore_case !== undefined && typeof spec.ignore_case !== 'boolean')
    problems.push({ path: [...path, 'ignore_case'], message: 'expected true or false' });
  const beforeValue = problems.length;
  const value = substitute(spec[op], vars, [...path, op], problems);
  if (problems.length > beforeValue) return undefined;
  let check: ((v: unknown) => boolean) | undefined;
  let shown: unknown = value;
  switch (op) {
    case 'equals':
    case 'not_equals': {
      if (value !== null && typeof value === 'object')
        problems.push({ path: [...path, op], message: `'${op}' takes a single value (use 'in' for a list)` });
      const neg = op === 'not_equals';
      check = (v) => scalarEquals(v, value, ignoreCase) !== neg;
      break;
    }
    case 'in': {
      if (!Array.isArray(value)) {
        problems.push({ path: [...path, op], message: "'in' takes a list (or a $variable holding one)" });
        break;
      }
      check = (v) => value.some((x) => scalarEquals(v, x, ignoreCase));
      break;
    }
    case 'matches': {
      if (typeof value !== 'string') {
        problems.push({ path: [...path, op], message: "'matches' takes a regular expression (a string)" });
        break;
      }
      if (value.length > MAX_REGEX_LENGTH) {
        problems.push({
          path: [...path, op],
          message: `regular expression longer than ${MAX_REGEX_LENGTH} characters`,
        });
        break;
      }
      if (NESTED_QUANTIFIER.test(value)) {
        problems.push({
          path: [...path, op],
          message: 'nested quantifier (like (a+)+) can backtrack for a very long time: rewrite the expression',
        });
        break;
      }
      let re: RegExp;
      try {
        re = new RegExp(value, ignoreCase ? 'i' : '');
      } catch (err) {
        problems.push({ path: [...path, op], message: `bad regular expression: ${(err as Error).message}` });
        break;
      }
      shown = re;
      const one = (v: unknown): boolean => {
        if (v === undefined || v === null || typeof v === 'object') return false;
        const s = String(v);
        return re.test(s.length > MAX_MATCH_INPUT ? s.slice(0, MAX_MATCH_INPUT) : s);
      };
      // A list matches when one of its (first MAX_MATCH_ITEMS) items does, like `contains`.
      check = (v) => (Array.isArray(v) ? v.slice(0, MAX_MATCH_ITEMS).some(one) : one(v));
      break;
    }
    case 'exists': {
      if (typeof value !== 'boolean') {
        problems.push({ path: [...path, op], message: "'exists' takes true or false" });
        break;
      }
      check = (v) => (v !== undefined && v !== null) === value;
      break;
    }
    case 'lt':
    case 'lte':
    case 'gt':
    case 'gte': {
      const bound = toNumber(value);
      if (bound === undefined) {
        problems.push({ path: [...path, op], message: `'${op}' takes a number` });
        break;
      }
      const cmp = {
        lt: (a: number) => a < bound,
        lte: (a: number) => a <= bound,
        gt: (a: number) => a > bound,
        gte: (a: number) => a >= bound,
      }[op];
      check = (v) => {
        const n = toNumber(v);
        return n !== undefined && cmp(n);
      };
      break;
    }
    case 'contains': {
      if (value === null || typeof value === 'object') {
        problems.push({ path: [...path, op], message: "'contains' takes a single value" });
        break;
      }
      const needle = ignoreCase ? String(value).toLowerCase() : String(value);
      check = (v) => {
        if (Array.isArray(v)) return v.some((x) => scalarEquals(x, value, ignoreCase));
        if (typeof v !== 'string') return false;
        return (ignoreCase ? v.toLowerCase() : v).includes(needle);
      };
      break;
    }
    case 'startswith': {
      if (typeof value !== 'string') {
        problems.push({ path: [...path, op], message: "'startswith' takes a string" });
        break;
      }
      const prefix = ignoreCase ? value.toLowerCase() : value;
      check = (v) => typeof v === 'string' && (ignoreCase ? v.toLowerCase() : v).startsWith(prefix);
      break;
    }
  }
  if (!check || problems.length > before || typeof ref === 'string') return undefined;
  const read = reader(ref);
  const text = `${spec.field} ${op.replace('_', ' ')} ${show(shown)}${ignoreCase ? ' (ignoring case)' : ''}`;
  const fn = check;
  return {
    test: (e, s) => fn(read(e, s)),
    trace: (e, s) => {
      const seen = read(e, s);
      return { test: text, ok: fn(seen), seen: boundSeen(seen) };
    },
  };
}

function reader(ref: FieldRef): (e: AceEvent, s: StateLookup) => unknown {
  if (ref.source === 'state') {
    const name = ref.name;
    return (_e, s) => s(name);
  }
  return (e) => readEventField(e, ref);
}

/**
 * Compile a condition spec (from YAML). Problems are collected with their key path
 * (relative to `path`); the result is undefined when there is any.
 */
export function compileCondition(
  spec: unknown,
  path: Array<string | number>,
  vars: Record<string, unknown>,
  problems: ConditionProblem[],
  depth = 0,
): CompiledCondition | undefined {
  if (depth > 16) {
    problems.push({ path, message: 'conditions nested more than 16 deep' });
    return undefined;
  }
  if (spec === null || typeof spec !== 'object' || Array.isArray(spec)) {
    problems.push({ path, message: 'expected a condition: {field, <operator>} or all/any/not' });
    return undefined;
  }
  const obj = spec as Record<string, unknown>;
  const groupKey = (['all', 'any', 'not'] as const).find((k) => k in obj);
  if (!groupKey) return compileLeaf(obj, path, vars, problems);
  const extra = Object.keys(obj).filter((k) => k !== groupKey);
  if (extra.length > 0)
    problems.push({
      path: [...path, extra[0]!],
      message: `'${groupKey}' cannot be combined with '${extra.join("', '")}' in one condition`,
    });
  if (groupKey === 'not') {
    const inner = compileCondition(obj.not, [...path, 'not'], vars, problems, depth + 1);
    if (!inner) return undefined;
    return {
      test: (e, s) => !inner.test(e, s),
      trace: (e, s) => {
        const t = inner.trace(e, s);
        return { test: 'not', ok: !t.ok, children: [t] };
      },
    };
  }
  const list = obj[groupKey];
  if (!Array.isArray(list) || list.length === 0) {
    problems.push({ path: [...path, groupKey], message: `'${groupKey}' takes a non-empty list of conditions` });
    return undefined;
  }
  const before = problems.length;
  const children = list.map((c, i) => compileCondition(c, [...path, groupKey, i], vars, problems, depth + 1));
  if (problems.length > before || children.some((c) => !c)) return undefined;
  const kids = children as CompiledCondition[];
  if (groupKey === 'all') {
    return {
      test: (e, s) => kids.every((k) => k.test(e, s)),
      trace: (e, s) => {
        const ts = kids.map((k) => k.trace(e, s));
        return { test: 'all', ok: ts.every((t) => t.ok), children: ts };
      },
    };
  }
  return {
    test: (e, s) => kids.some((k) => k.test(e, s)),
    trace: (e, s) => {
      const ts = kids.map((k) => k.trace(e, s));
      return { test: 'any', ok: ts.some((t) => t.ok), children: ts };
    },
  };
}
