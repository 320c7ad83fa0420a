/**
 * Opening the SQLite database: folder created, WAL, synchronous=NORMAL (FULL cost ~8 % of
 * the event loop at 150k msg/s; NORMAL in WAL keeps the database consistent on power loss
 * and loses at most the last transactions), busy timeout, foreign keys, a bounded WAL
 * file, migrations. Failures become AcesyncError with a message a person can act on:
 * ACESYNC_STORE_OPEN (cannot open / read-only / not a database) or ACESYNC_STORE_WRITE
 * (disk full, I/O error, read-only while running).
 */
import {
  accessSync,
  closeSync,
  constants,
  existsSync,
  mkdirSync,
  openSync,
  readSync,
  renameSync,
  statSync,
} from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import type { Database } from 'better-sqlite3';
import { AcesyncError } from '../core/errors.js';
import { migrate, schemaVersion, SCHEMA_VERSION } from './migrations.js';

export type { Database };

export interface OpenOptions {
  /** File path, or `:memory:`. */
  path: string;
  /** Open for reading only (explain, status): no migrations, no pragmas that write. */
  readonly?: boolean;
  busyTimeoutMs?: number;
  /** Time recorded for applied migrations. */
  now?: number;
  /**
   * Create a new database even where an existing file is empty (0 bytes) or not SQLite
   * (`acesync start --init`). Without it such a file refuses to open (ACESYNC_STORE_UNSAFE).
   */
  init?: boolean;
}

const JOURNAL_SIZE_LIMIT = 64 * 1024 * 1024;

function sqliteCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** Errors that mean the database cannot be written at all (not a bug in a statement). */
export function isStorageFailure(err: unknown): boolean {
  const code = sqliteCode(err) ?? '';
  return /^SQLITE_(FULL|READONLY|IOERR|CANTOPEN|CORRUPT|NOTADB|PERM|BUSY|LOCKED|NOMEM)/.test(code);
}

function describe(err: unknown, path: string): string {
  const code = sqliteCode(err) ?? '';
  const msg = err instanceof Error ? err.message : String(err);
  if (code.startsWith('SQLITE_FULL')) return `the disk holding ${path} is full (${msg})`;
  if (code.startsWith('SQLITE_READONLY') || code === 'SQLITE_PERM' || code === 'EACCES' || code === 'EROFS')
    return `${path} is read-only for this process (${msg}): fix its permissions or choose another store.path`;
  if (code.startsWith('SQLITE_IOERR')) return `I/O error on ${path} (${msg})`;
  if (code === 'SQLITE_NOTADB' || code.startsWith('SQLITE_CORRUPT'))
    return `${path} is not a usable SQLite database (${msg})`;
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'))
    return `${path} is locked by another process (${msg}): is another acesync running on it?`;
  if (code.startsWith('SQLITE_CANTOPEN')) return `cannot open ${path} (${msg})`;
  return `${path}: ${msg}`;
}

/**
 * The failure as ACESYNC_STORE_WRITE when it means the database cannot be written (the
 * service must stop), else undefined (a bug in one statement, handled where it happened).
 */
export function asStoreWriteFailure(err: unknown, path = 'the state database'): AcesyncError | undefined {
  if (err instanceof AcesyncError) return err.code === 'ACESYNC_STORE_WRITE' ? err : undefined;
  return isStorageFailure(err) ? storeWriteError(err, path) : undefined;
}

/** Wrap a failure while writing (after open) as ACESYNC_STORE_WRITE. */
export function storeWriteError(err: unknown, path: string): AcesyncError {
  if (err instanceof AcesyncError) return err;
  return new AcesyncError(
    'ACESYNC_STORE_WRITE',
    `cannot write the state database: ${describe(err, path)}`,
    { sqlite: sqliteCode(err) },
    { cause: err },
  );
}

function openError(err: unknown, path: string): AcesyncError {
  if (err instanceof AcesyncError) return err;
  return new AcesyncError(
    'ACESYNC_STORE_OPEN',
    `cannot open the state database: ${describe(err, path)}`,
    { sqlite: sqliteCode(err) },
    { cause: err },
  );
}

const SQLITE_HEADER = Buffer.from('SQLite format 3\u0000', 'latin1');

/** What acesync keeps only in its database, said when a file would be replaced by a new one. */
const WOULD_LOSE =
  'SSH host keys trusted on first use (a changed host key would be trusted again and the password sent to it), ' +
  'every ANM baseline (ANM copies acesync recorded), and the job queue, alerts and history';

/** Is an existing file something SQLite would silently treat as a new database, or refuse? */
function unsafeFile(path: string): 'empty' | 'not-sqlite' | undefined {
  if (statSync(path).size === 0) return 'empty';
  const fd = openSync(path, 'r');
  try {
    const head = Buffer.alloc(SQLITE_HEADER.length);
    const n = readSync(fd, head, 0, head.length, 0);
    return n === head.length && head.equals(SQLITE_HEADER) ? undefined : 'not-sqlite';
  } finally {
    closeSync(fd);
  }
}

/**
 * Refuse (or, with `init`, set aside) an existing file that is empty or not SQLite: SQLite
 * would start a new database in a 0-byte file without a word, forgetting what the lost
 * one held. A set-aside file is renamed `<path>.unsafe-<ms>`, never deleted.
 */
function checkExisting(path: string, init: boolean, now: number): void {
  const problem = unsafeFile(path);
  if (problem === undefined) return;
  const what = problem === 'empty' ? 'is empty (0 bytes)' : 'is not an SQLite database';
  if (!init)
    throw new AcesyncError(
      'ACESYNC_STORE_UNSAFE',
      `the state database ${path} ${what}. Starting would create a new one and lose ${WOULD_LOSE}. ` +
        'Restore it from a backup, or start with --init to create a new database (the file is kept beside it).',
      { path, problem },
    );
  if (problem === 'not-sqlite') renameSync(path, `${path}.unsafe-${now}`);
  for (const side of ['-wal', '-shm'])
    if (existsSync(path + side)) renameSync(path + side, `${path}.unsafe-${now}${side}`);
}

/** Run `fn` in a transaction on `db` (a savepoint when one is open), committed when it returns. */
export type TransactionRunner = <T>(fn: () => T) => T;

/**
 * One transaction wrapper for `db`, built once. better-sqlite3's `db.transaction(fn)` builds four wrapped
 * functions and their properties at every call: called per event batch, that was about a tenth of the main
 * thread's allocations at a steady 2,000 events/s (a sampling heap profile of the latency bench).
 */
export function transactionRunner(db: Database): TransactionRunner {
  const run = db.transaction((fn: () => unknown) => fn());
  return <T>(fn: () => T): T => run(fn) as T;
}

/** Open (and migrate) the database. Throws ACESYNC_STORE_OPEN with a clear message. */
export function openDatabase(opts: OpenOptions): Database {
  const { path } = opts;
  const memory = path === ':memory:';
  if (!memory && !opts.readonly) {
    try {
      mkdirSync(dirname(path), { recursive: true });
    } catch (err) {
      throw openError(err, dirname(path));
    }
    if (existsSync(path)) {
      try {
        accessSync(path, constants.R_OK | constants.W_OK);
        checkExisting(path, opts.init ?? false, opts.now ?? Date.now());
      } catch (err) {
        throw openError(err, path);
      }
    }
  }
  let db: Database;
  try {
    db = new BetterSqlite3(path, {
      readonly: opts.readonly ?? false,
      fileMustExist: opts.readonly ?? false,
      timeout: opts.busyTimeoutMs ?? 5000,
    });
  } catch (err) {
    throw openError(err, path);
  }
  try {
    if (opts.readonly) {
      const v = schemaVersion(db);
      if (v === 0)
        throw new AcesyncError('ACESYNC_STORE_OPEN', `${path} holds no acesync state yet (start the service once)`);
      if (v > SCHEMA_VERSION)
        throw new AcesyncError(
          'ACESYNC_STORE_OPEN',
          `${path} has schema version ${v}, newer than this acesync knows (${SCHEMA_VERSION})`,
        );
      return db;
    }
    if (!memory) {
      const mode = db.pragma('journal_mode = WAL', { simple: true });
      // SQLite silently stays in its old mode when it cannot switch (read-only file).
      if (String(mode).toLowerCase() !== 'wal')
        throw Object.assign(new Error(`journal_mode is ${String(mode)}, not wal`), { code: 'SQLITE_READONLY' });
    }
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    db.pragma(`journal_size_limit = ${JOURNAL_SIZE_LIMIT}`);
    db.pragma(`busy_timeout = ${opts.busyTimeoutMs ?? 5000}`);
    migrate(db, opts.now ?? Date.now());
    return db;
  } catch (err) {
    try {
      db.close();
    } catch {
      /* already broken */
    }
    throw openError(err, path);
  }
}
