/**
 * Typed statement maps. Every repository in store/ keeps its SQL in one `const SQL = { … } as const`
 * table and prepares it here, once, when the repository is built: the map is keyed by the table's own
 * keys, so a misspelt statement is a type error rather than a `!` on an optional lookup.
 */
import type { Database, Statement } from 'better-sqlite3';

/** A repository's SQL table: statement name -> SQL text. */
export type SqlTable = Readonly<Record<string, string>>;

/** The prepared statements of a SQL table, one per key. */
export type Statements<T extends SqlTable> = { readonly [K in keyof T]: Statement };

/** Prepare every statement of `sql` on `db`. */
export function prepareAll<const T extends SqlTable>(db: Database, sql: T): Statements<T> {
  const out: Partial<Record<keyof T, Statement>> = {};
  for (const key of Object.keys(sql) as Array<keyof T & string>) out[key] = db.prepare(sql[key]);
  return out as Statements<T>;
}

const perDatabase = new WeakMap<Database, Map<SqlTable, Statements<SqlTable>>>();

/**
 * `prepareAll`, once per (database, table): for query functions that are handed a database per call (the
 * web queries, the inventory reconcile, retention, the mirror's load) rather than built once as a class.
 */
export function preparedFor<const T extends SqlTable>(db: Database, sql: T): Statements<T> {
  let tables = perDatabase.get(db);
  if (!tables) perDatabase.set(db, (tables = new Map()));
  let s = tables.get(sql);
  if (!s) tables.set(sql, (s = prepareAll(db, sql)));
  return s as Statements<T>;
}

/**
 * Statements whose text is built from a filter (which columns are constrained): the columns and the clause
 * order come from code, never from input, so the variants are few; each is prepared the first time it is
 * asked for and kept. Bounded all the same.
 */
export class FilteredStatements {
  readonly #db: Database;
  readonly #max: number;
  readonly #cache = new Map<string, Statement>();

  constructor(db: Database, max = 64) {
    this.#db = db;
    this.#max = max;
  }

  get(sql: string): Statement {
    let s = this.#cache.get(sql);
    if (!s) {
      s = this.#db.prepare(sql);
      if (this.#cache.size >= this.#max) this.#cache.clear();
      this.#cache.set(sql, s);
    }
    return s;
  }
}

const filteredPerDatabase = new WeakMap<Database, FilteredStatements>();

/** The FilteredStatements of a database, for query functions handed a database per call. */
export function filteredFor(db: Database): FilteredStatements {
  let f = filteredPerDatabase.get(db);
  if (!f) filteredPerDatabase.set(db, (f = new FilteredStatements(db)));
  return f;
}
