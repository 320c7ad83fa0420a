/**
 * The job runner: claims due jobs from the persistent queue and runs them through their
 * handler, each with a deadline and an AbortSignal. A handler's result events go back to
 * the event queue (with `data.jobId`), so the rule engine learns every outcome; the job
 * row is then completed, or failed with backoff.
 *
 * Jobs run in pools: SSH work (audit, check-crypto) shares one pool with one job per
 * device at a time, because two sessions fighting over `changeto` on one ACE would audit
 * the wrong context; uploads have their own pool, bounded for ANM's sake.
 */
import type { AceEvent, JobType } from '../core/events.js';
import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/log.js';
import type { AcesyncError } from '../core/errors.js';
import { asStoreWriteFailure } from '../store/database.js';
import type { Job, JobQueue } from '../store/job-queue.js';

/** What a handler reports: events for the rule engine and a bounded result for the job row. */
export interface JobOutcome {
  events: AceEvent[];
  result?: unknown;
  /** The work did not succeed: retry with backoff (or give up when out of attempts). */
  retry?: { error: string; retryable: boolean };
}

export type JobHandler = (job: Job, signal: AbortSignal) => Promise<JobOutcome>;

/**
 * Runs several jobs of one type and device in one pass (a batch of per-context audits):
 * one outcome per job, in the order of `jobs`. `wanted(job)` is false once a job is no
 * longer running (cancelled while its batch ran): the handler skips its work.
 */
export type BatchHandler = (jobs: Job[], signal: AbortSignal, wanted: (job: Job) => boolean) => Promise<JobOutcome[]>;

export interface JobPool {
  name: string;
  types: JobType[];
  /** Jobs of this pool running at once. */
  maxRunning: number;
  /** Jobs of this pool running at once on one device. */
  perDevice: number;
  /** Deadline of one job (a batch has the same deadline: size `max` within it). */
  timeoutMs: number;
  /**
   * Per-context jobs of these types are claimed with the other due jobs of their device
   * (at most `max` in all) and run as one by their batch handler; a batch counts as one
   * running job.
   */
  batch?: { types: JobType[]; max: number };
}

export interface JobRunnerOptions {
  jobs: JobQueue;
  pools: JobPool[];
  handlers: Partial<Record<JobType, JobHandler>>;
  /** Batch handlers of the pools' `batch` types (a batch of one runs through `handlers`). */
  batchHandlers?: Partial<Record<JobType, BatchHandler>>;
  /** Where result events go (the event queue). */
  emit(event: AceEvent): void;
  /** Events to report when a job has failed for good (out of attempts or not retryable). */
  onGaveUp?(job: Job, error: string): AceEvent[];
  /** Observed after every job (metrics). */
  onFinished?(job: Job, outcome: 'done' | 'retry' | 'failed', ms: number): void;
  clock: Clock;
  logger: Logger;
  /** How often due jobs are looked for when nothing kicks the runner. */
  pollMs?: number;
  /**
   * The job queue could not be written (disk full, read-only, I/O): the service must stop
   * (the app's fatal exit). The runner stops claiming; without a listener it only logs.
   */
  onFatal?(err: AcesyncError): void;
}

export class JobRunner {
  readonly #o: JobRunnerOptions;
  readonly #running = new Map<number, { controller: AbortController; done: Promise<void> }>();
  #timer: NodeJS.Timeout | undefined;
  #stopped = true;
  #kickPending = false;

  constructor(opts: JobRunnerOptions) {
    this.#o = opts;
  }

  get runningCount(): number {
    return this.#running.size;
  }

  start(): void {
    this.#stopped = false;
    this.#timer = setInterval(() => this.#pump(), this.#o.pollMs ?? 250);
    this.#timer.unref?.();
    this.kick();
  }

  /** Look for due jobs soon (after an enqueue). Cheap to call often. */
  kick(): void {
    if (this.#stopped || this.#kickPending) return;
    this.#kickPending = true;
    setImmediate(() => {
      this.#kickPending = false;
      this.#pump();
    });
  }

  /** Abort running jobs and wait for them; their rows go back to pending at next start (recover). */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearInterval(this.#timer);
    for (const r of this.#running.values()) r.controller.abort(new Error('acesync is stopping'));
    await Promise.allSettled([...this.#running.values()].map((r) => r.done));
  }

  #pump(): void {
    if (this.#stopped) return;
    for (const pool of this.#o.pools) {
      let claimed: Job[];
      try {
        claimed = this.#o.jobs.claim({
          types: pool.types,
          limit: pool.maxRunning,
          maxRunning: pool.maxRunning,
          perDevice: pool.perDevice,
        });
      } catch (err) {
        if (this.#storeFailed(err)) return;
        this.#o.logger.error({ err, pool: pool.name }, 'claiming jobs failed');
        continue;
      }
      for (const job of claimed) {
        let batch: Job[] = [];
        const batchHandler = pool.batch?.types.includes(job.type) ? this.#o.batchHandlers?.[job.type] : undefined;
        if (batchHandler && pool.batch && job.context !== '') {
          try {
            batch = this.#o.jobs.claimBatch(job, pool.batch.max);
          } catch (err) {
            if (this.#storeFailed(err)) return;
            this.#o.logger.error({ err, pool: pool.name, jobId: job.id }, 'claiming a batch failed');
          }
        }
        if (batch.length > 0 && batchHandler) this.#runBatch([job, ...batch], pool, batchHandler);
        else this.#run(job, pool);
      }
    }
  }

  #log(job: Job): Logger {
    return this.#o.logger.child({
      jobId: job.id,
      job: job.type,
      device: job.device,
      context: job.context || undefined,
    });
  }

  /** A thrown error (a timeout included: the device or ANM may answer next time) is retried with backoff. */
  #thrown(err: unknown): JobOutcome {
    const msg = err instanceof Error ? err.message : String(err);
    return { events: [], retry: { error: msg, retryable: true } };
  }

  /** Record an outcome; never an unhandled rejection: a write that fails here stops the service the one way. */
  #record(job: Job, outcome: JobOutcome, log: Logger, ms: number): void {
    try {
      this.#finish(job, outcome, log, ms);
    } catch (err) {
      if (!this.#storeFailed(err)) log.error({ err }, 'recording the job outcome failed');
    }
  }

  #run(job: Job, pool: JobPool): void {
    const controller = new AbortController();
    const timer = setTimeout(
      () => controller.abort(new Error(`job timed out after ${pool.timeoutMs} ms`)),
      pool.timeoutMs,
    );
    const log = this.#log(job);
    const t0 = this.#o.clock.now();
    const handler = this.#o.handlers[job.type];
    const done = (async () => {
      let outcome: JobOutcome;
      try {
        if (!handler) throw new Error(`no worker runs ${job.type} jobs`);
        outcome = await handler(job, controller.signal);
      } catch (err) {
        // The handler's own store writes (an ANM copy, a host key) failing stop the service too.
        if (this.#storeFailed(err)) return;
        outcome = this.#thrown(err);
      } finally {
        clearTimeout(timer);
      }
      this.#record(job, outcome, log, this.#o.clock.now() - t0);
    })().finally(() => {
      this.#running.delete(job.id);
      this.kick();
    });
    this.#running.set(job.id, { controller, done });
  }

  /** Jobs claimed together: one pass, one deadline; each job's outcome recorded on its own, in order. */
  #runBatch(jobs: Job[], pool: JobPool, handler: BatchHandler): void {
    const controller = new AbortController();
    const timer = setTimeout(
      () => controller.abort(new Error(`job timed out after ${pool.timeoutMs} ms`)),
      pool.timeoutMs,
    );
    const t0 = this.#o.clock.now();
    const wanted = (job: Job): boolean => this.#o.jobs.get(job.id)?.state === 'running';
    this.#o.logger.debug({ device: jobs[0]!.device, job: jobs[0]!.type, jobs: jobs.length }, 'running a batch');
    const done = (async () => {
      let outcomes: JobOutcome[];
      try {
        outcomes = await handler(jobs, controller.signal, wanted);
      } catch (err) {
        if (this.#storeFailed(err)) return;
        const failed = this.#thrown(err);
        outcomes = jobs.map(() => failed);
      } finally {
        clearTimeout(timer);
      }
      const ms = this.#o.clock.now() - t0;
      jobs.forEach((job, i) =>
        this.#record(job, outcomes[i] ?? this.#thrown(new Error('no outcome from the batch')), this.#log(job), ms),
      );
    })().finally(() => {
      for (const job of jobs) this.#running.delete(job.id);
      this.kick();
    });
    for (const job of jobs) this.#running.set(job.id, { controller, done });
  }

  /** A storage failure stops the runner and is reported once; returns whether it was one. */
  #storeFailed(err: unknown): boolean {
    const fatal = asStoreWriteFailure(err);
    if (!fatal) return false;
    if (!this.#stopped) {
      this.#stopped = true;
      if (this.#timer) clearInterval(this.#timer);
      this.#o.logger.fatal({ err: fatal }, 'the job queue cannot be written: stopping');
      this.#o.onFatal?.(fatal);
    }
    return true;
  }

  #finish(job: Job, outcome: JobOutcome, log: Logger, ms: number): void {
    // A job interrupted by shutdown stays `running`; recover() makes it due at next start.
    if (this.#stopped && outcome.retry) return;
    for (const e of outcome.events) this.#o.emit(e);
    if (!outcome.retry) {
      this.#o.jobs.complete(job.id, outcome.result);
      log.debug({ ms }, 'job done');
      this.#o.onFinished?.(job, 'done', ms);
      return;
    }
    const f = this.#o.jobs.fail(job.id, outcome.retry.error, { retryable: outcome.retry.retryable });
    if (f?.state === 'failed') {
      log.warn({ error: outcome.retry.error, attempts: job.attempts }, 'job failed for good');
      for (const e of this.#o.onGaveUp?.(job, outcome.retry.error) ?? []) this.#o.emit(e);
      this.#o.onFinished?.(job, 'failed', ms);
    } else {
      log.info(
        { error: outcome.retry.error, retryAt: f?.state === 'pending' ? f.retryAt : undefined },
        'job will be retried',
      );
      this.#o.onFinished?.(job, 'retry', ms);
    }
  }
}
