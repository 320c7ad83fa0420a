/**
 * `acesync export git DIR [--config FILE] [--db FILE]`: write each context's configuration
 * history into a git repository, one commit per stored version, oldest first, as
 * `DEVICE/CONTEXT.cfg`, with author, date and commands of the change (src/jobs/git-export.ts,
 * which the service's continuous `store.git_mirror` uses too). A re-run commits only versions
 * not yet exported. Reads the database read-only, so it is safe while the service runs.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { AcesyncError, EXIT } from '../core/errors.js';
import { exportVersions, type ExportResult } from '../jobs/git-export.js';
import { StoreReader } from '../store/reader.js';
import type { Parsed } from './args.js';
import { resolveConfig } from './config-arg.js';

const USAGE = 'usage: acesync export git DIR [--config FILE] [--db FILE]';

export async function exportGit(dbPath: string, dir: string): Promise<ExportResult> {
  const reader = StoreReader.open(dbPath);
  try {
    return await exportVersions(reader.db, dir);
  } finally {
    reader.close();
  }
}

export async function main(args: Parsed): Promise<number> {
  const values = args.all() as { config?: string; db?: string };
  const positionals = args.positionals;
  if (positionals.length !== 2 || positionals[0] !== 'git') throw new AcesyncError('ACESYNC_USAGE', USAGE);
  const dir = resolve(positionals[1]!);
  const path = values.db ?? resolveConfig(values.config).config.store.path;
  if (!existsSync(path)) {
    process.stderr.write(`acesync export: no state database at ${path} (pass --config or --db)\n`);
    return EXIT.FAILURE;
  }
  try {
    const r = await exportGit(path, dir);
    process.stdout.write(`${dir}: ${r.committed} new commit(s), ${r.skipped} version(s) already exported\n`);
    return EXIT.OK;
  } catch (err) {
    if (!(err instanceof AcesyncError) || err.code !== 'ACESYNC_EXPORT') throw err;
    process.stderr.write(`acesync export: ${err.message}\n`);
    return EXIT.FAILURE;
  }
}
