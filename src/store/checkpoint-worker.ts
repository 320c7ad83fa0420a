/**
 * The WAL checkpointer thread (see checkpointer.ts): its own connection to the state database, a PASSIVE
 * checkpoint every `intervalMs`, repeated at once (a few times) while writers keep it from finishing. PASSIVE
 * never waits for a lock and never blocks a writer, so the copy and the fsyncs it does happen here, not in a
 * commit on the main thread.
 */
import { parentPort, workerData } from 'node:worker_threads';
import BetterSqlite3 from 'better-sqlite3';
import type { CheckpointInit, CheckpointReport, ToCheckpointer } from './checkpointer.js';

const port = parentPort;
if (port === null) throw new Error('checkpoint-worker.ts runs as a worker thread');
const init = workerData as CheckpointInit;
/** A checkpoint that a commit raced is run again at once, at most this many times a round. */
const RETRIES = 3;

const db = new BetterSqlite3(init.path, { fileMustExist: true, timeout: 0 });
// This connection never writes pages of its own, so it must never checkpoint on commit either.
db.pragma('wal_autocheckpoint = 0');

function round(): void {
  const started = performance.now();
  let r = { busy: 0, log: 0, checkpointed: 0 };
  for (let i = 0; i <= RETRIES; i++) {
    r = (db.pragma('wal_checkpoint(PASSIVE)') as Array<typeof r>)[0]!;
    if (r.busy === 0 && r.checkpointed >= r.log) break;
  }
  const report: CheckpointReport = { type: 'checkpoint', ...r, ms: performance.now() - started };
  port!.postMessage(report);
}

const timer = setInterval(() => {
  try {
    round();
  } catch (err) {
    // A busy or failing checkpoint is retried next round; the main thread hears of it.
    port!.postMessage({ type: 'error', message: err instanceof Error ? err.message : String(err) });
  }
}, init.intervalMs);

port.on('message', (m: ToCheckpointer) => {
  if (m.type !== 'stop') return;
  clearInterval(timer);
  db.close();
  port.close();
});
port.postMessage({ type: 'ready' });
