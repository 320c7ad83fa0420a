/**
 * The persistent job queue. At most one PENDING job per (type, device, context, dedupe):
 * repeated requests merge into it; a request while the job is RUNNING makes a new one.
 */
export const JOBS_V1 = `
CREATE TABLE jobs (
  id            INTEGER PRIMARY KEY,
  type          TEXT NOT NULL,
  device        TEXT NOT NULL,
  context       TEXT NOT NULL DEFAULT '',
  dedupe        TEXT NOT NULL DEFAULT '',
  payload       TEXT NOT NULL DEFAULT '{}',
  state         TEXT NOT NULL CHECK (state IN ('pending','running','done','failed','cancelled')),
  priority      INTEGER NOT NULL DEFAULT 0,
  attempts      INTEGER NOT NULL DEFAULT 0,
  max_attempts  INTEGER NOT NULL,
  requests      INTEGER NOT NULL DEFAULT 1,
  next_run_at   INTEGER NOT NULL,
  last_error    TEXT,
  result        TEXT,
  created_at    INTEGER NOT NULL,
  updated_at    INTEGER NOT NULL,
  started_at    INTEGER,
  finished_at   INTEGER
) STRICT;
CREATE UNIQUE INDEX jobs_one_pending ON jobs(type, device, context, dedupe) WHERE state = 'pending';
CREATE INDEX jobs_due ON jobs(priority DESC, next_run_at, id) WHERE state = 'pending';
CREATE INDEX jobs_running ON jobs(device, type) WHERE state = 'running';
CREATE INDEX jobs_target ON jobs(device, context, type, state);
CREATE INDEX jobs_finished ON jobs(finished_at) WHERE finished_at IS NOT NULL;
`;
