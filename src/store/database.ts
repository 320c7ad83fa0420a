/**
 * Opening the SQLite database: folder created, WAL, synchronous=NORMAL (FULL cost ~8 % of
 * the event loop at 150k msg/s; NORMAL in WAL keeps the database consistent on power loss
 * and loses at most the last transactions), busy timeout, foreign keys, a bounded WAL
 * file, migrations. Failures become AcesyncError with a message a person can act on:
 * ACESYNC_STORE_OPEN (cannot open / read-only / not a database) or ACESYNC_STORE_WRITE
 * (disk full, I/O error, read-only while running).
 */
import { accessSync, constants, existsSync, mkdirSync } from 'node:fs';
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
