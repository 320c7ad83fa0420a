/**
 * The `command` strategy: run the operator's upload script (argv, no shell) with the job
 * as one JSON line on stdin. Exit 0 is success; codes in `retryable_exit_codes` (75,
 * EX_TEMPFAIL, by default) mean "try again later"; anything else is a final failure.
 *
 * The script runs in its own process group so a timeout or shutdown kills it and
 * everything it started (curl, ssh): SIGTERM, then SIGKILL after a grace period. Its
 * environment is minimal: secrets reach it only when the configuration says so, and
 * their values are scrubbed from the captured output before it is logged or reported.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { isAbsolute, resolve } from 'node:path';
import type { CommandStrategyConfig } from '../../config/sections/anm.js';
import type { Logger } from '../../core/log.js';
import { silentLogger } from '../../core/log.js';
import { anmError } from '../anm-error.js';
import { renderTemplate } from '../template.js';
import type { UploadJob, UploadOptions, UploadResult, UploadStrategy } from '../strategy.js';
import { snippet } from './common.js';

export interface CommandStrategyOptions {
  config: CommandStrategyConfig;
  /** Folder relative paths (argv[0] with a slash, cwd) resolve against: the config file's. */
  baseDir: string;
  env: NodeJS.ProcessEnv;
  /** anm.url and anm.username, passed to the script (not secret). */
  anmUrl?: string;
  anmUsername?: string;
  /** The ANM password, passed as ANM_PASSWORD only with `pass_anm_password`. */
  anmPassword?: string;
  logger?: Logger;
}

/** Variables every script gets, besides PATH/HOME/LANG. */
const BASE_ENV = ['PATH', 'HOME', 'LANG', 'LC_ALL', 'TZ', 'TMPDIR'];

/** Keeps the last `max` bytes written to it. */
class TailBuffer {
  #chunks: Buffer[] = [];
  #size = 0;
  truncated = false;
  constructor(readonly max: number) {}
  push(c: Buffer): void {
    this.#chunks.push(c);
    this.#size += c.length;
    while (this.#size - this.#chunks[0]!.length >= this.max) {
      this.#size -= this.#chunks.shift()!.length;
      this.truncated = true;
    }
  }
  text(): string {
    const all = Buffer.concat(this.#chunks);
    if (all.length <= this.max) return all.toString('utf8');
    this.truncated = true;
    return all.subarray(all.length - this.max).toString('utf8');
  }
}

export class CommandUploadStrategy implements UploadStrategy {
  readonly name = 'command' as const;
  readonly #cfg: CommandStrategyConfig;
  readonly #o: CommandStrategyOptions;
  readonly #secrets: string[];
  readonly #running = new Set<ChildProcess>();
  readonly #log: Logger;

  constructor(opts: CommandStrategyOptions) {
    this.#cfg = opts.config;
    this.#o = opts;
    this.#log = (opts.logger ?? silentLogger).child({ component: 'anm-upload', strategy: 'command' });
    const secrets = this.#cfg.pass_env
      .map((n) => opts.env[n])
      .filter((v): v is string => typeof v === 'string' && v !== '');
    if (this.#cfg.pass_anm_password && opts.anmPassword) secrets.push(opts.anmPassword);
    // Longest first, so a secret that contains another is scrubbed whole.
    this.#secrets = secrets.sort((a, b) => b.length - a.length);
  }

  /** Replace every secret value the script was given with `[redacted]`. */
  scrub(text: string): string {
    let out = text;
    for (const s of this.#secrets) out = out.split(s).join('[redacted]');
    return out;
  }

  upload(job: UploadJob, opts: UploadOptions): Promise<UploadResult> {
    const started = Date.now();
    const what = `upload of ${job.device}/${job.context} via command`;
    const timeoutMs = opts.timeoutMs ?? this.#cfg.timeout_ms;
    if (opts.signal.aborted)
      return Promise.reject(anmError('ACESYNC_UPLOAD', 'aborted', `${what}: aborted before it started`));
    const vars = {
      device: job.device,
      context: job.context,
      address: job.address,
      peer: job.peer ?? '',
      job_id: job.jobId !== undefined ? String(job.jobId) : '',
      anm_url: this.#o.anmUrl ?? '',
    };
    const argv = this.#cfg.argv.map((a) => renderTemplate(a, vars));
    const program = argv[0]!.includes('/') && !isAbsolute(argv[0]!) ? resolve(this.#o.baseDir, argv[0]!) : argv[0]!;
    const cwd = this.#cfg.cwd !== undefined ? resolve(this.#o.baseDir, this.#cfg.cwd) : this.#o.baseDir;

    return new Promise<UploadResult>((resolveP, rejectP) => {
      let child: ChildProcess;
      try {
        child = spawn(program, argv.slice(1), {
          cwd,
          env: this.#env(job),
          stdio: ['pipe', 'pipe', 'pipe'],
          detached: true,
        });
      } catch (e) {
        rejectP(
          anmError('ACESYNC_UPLOAD', 'config', `${what}: cannot start ${program}: ${(e as Error).message}`, {
            retryable: false,
          }),
        );
        return;
      }
      this.#running.add(child);
      // Keep a secret's length more than the bound, so a secret cut by the bound is
      // dropped with the extra bytes instead of surviving as a fragment (see #tail).
      const out = new TailBuffer(this.#cfg.max_output_bytes + this.#longestSecret);
      const err = new TailBuffer(this.#cfg.max_output_bytes + this.#longestSecret);
      child.stdout!.on('data', (c: Buffer) => out.push(c));
      child.stderr!.on('data', (c: Buffer) => err.push(c));
      // A script that does not read stdin closes it: EPIPE here is not a failure.
      child.stdin!.on('error', () => {});
      child.stdin!.end(
        JSON.stringify({ ...job, strategy: 'command', anm: { url: this.#o.anmUrl, username: this.#o.anmUsername } }) +
          '\n',
      );

      let stopReason: 'timeout' | 'aborted' | undefined;
      let killTimer: NodeJS.Timeout | undefined;
      const stop = (reason: 'timeout' | 'aborted'): void => {
        if (stopReason) return;
        stopReason = reason;
        this.#signalGroup(child, 'SIGTERM');
        killTimer = setTimeout(() => this.#signalGroup(child, 'SIGKILL'), this.#cfg.kill_grace_ms);
      };
      const timer = setTimeout(() => stop('timeout'), timeoutMs);
      const onAbort = (): void => stop('aborted');
      opts.signal.addEventListener('abort', onAbort, { once: true });

      const done = (): void => {
        clearTimeout(timer);
        clearTimeout(killTimer);
        opts.signal.removeEventListener('abort', onAbort);
        this.#running.delete(child);
      };
      let finished = false;
      child.once('error', (e: NodeJS.ErrnoException) => {
        if (finished) return;
        finished = true;
        done();
        rejectP(
          anmError('ACESYNC_UPLOAD', 'config', `${what}: cannot run ${program}: ${e.code ?? e.message}`, {
            retryable: false,
            cause: e,
          }),
        );
      });
      let exitTimer: NodeJS.Timeout | undefined;
      const finish = (code: number | null, signal: NodeJS.Signals | null): void => {
        if (finished) return;
        finished = true;
        clearTimeout(exitTimer);
        done();
        // Stray children of a stopped script may still hold the group; a final SIGKILL ends them.
        if (stopReason) this.#signalGroup(child, 'SIGKILL');
        child.stdout!.destroy();
        child.stderr!.destroy();
        const stdout = this.#tail(out);
        const stderr = this.#tail(err);
        const detail = snippet(stdout || stderr, 300, 'tail');
        if (stopReason === 'timeout') {
          rejectP(
            anmError(
              'ACESYNC_UPLOAD',
              'timeout',
              `${what}: killed after ${timeoutMs} ms${stderr ? `; stderr: ${snippet(stderr, 200, 'tail')}` : ''}`,
              { exitCode: code },
            ),
          );
          return;
        }
        if (stopReason === 'aborted') {
          rejectP(anmError('ACESYNC_UPLOAD', 'aborted', `${what}: stopped (shutdown)`, { exitCode: code }));
          return;
        }
        if (code === 0) {
          this.#log.debug({ device: job.device, context: job.context }, 'upload script succeeded');
          resolveP({
            outcome: 'ok',
            strategy: 'command',
            durationMs: Date.now() - started,
            detail,
            ...(job.jobId !== undefined ? { jobId: job.jobId } : {}),
          });
          return;
        }
        // Killed by someone else (OOM killer, operator): nothing says the failure is final.
        const retryable = code === null || this.#cfg.retryable_exit_codes.includes(code);
        const how = code === null ? `was killed by ${signal}` : `exited with code ${code}`;
        rejectP(
          anmError(
            'ACESYNC_UPLOAD',
            'command',
            `${what}: ${program} ${how}${stderr || stdout ? `: ${snippet(stderr || stdout, 200, 'tail')}` : ''}`,
            { retryable, exitCode: code },
          ),
        );
      };
      child.once('close', (code, signal) => finish(code, signal));
      // 'close' waits for stdout/stderr to close; a background grandchild can hold them
      // open. After the script itself exits, give the pipes a moment, then finish anyway.
      child.once('exit', (code, signal) => {
        exitTimer = setTimeout(() => finish(code, signal), 500);
      });
    });
  }

  async close(): Promise<void> {
    for (const c of this.#running) this.#signalGroup(c, 'SIGKILL');
    this.#running.clear();
  }

  get #longestSecret(): number {
    return this.#secrets[0]?.length ?? 0;
  }

  #tail(b: TailBuffer): string {
    let t = this.scrub(b.text());
    if (b.truncated) t = t.slice(this.#longestSecret);
    if (t.length > this.#cfg.max_output_bytes) t = t.slice(t.length - this.#cfg.max_output_bytes);
    return t.trim();
  }

  #env(job: UploadJob): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = {};
    for (const k of BASE_ENV) if (this.#o.env[k] !== undefined) env[k] = this.#o.env[k];
    for (const k of this.#cfg.pass_env) if (this.#o.env[k] !== undefined) env[k] = this.#o.env[k];
    if (this.#o.anmUrl) env.ANM_URL = this.#o.anmUrl;
    if (this.#o.anmUsername) env.ANM_USERNAME = this.#o.anmUsername;
    if (this.#cfg.pass_anm_password && this.#o.anmPassword) env.ANM_PASSWORD = this.#o.anmPassword;
    env.ACESYNC_DEVICE = job.device;
    env.ACESYNC_CONTEXT = job.context;
    env.ACESYNC_ADDRESS = job.address;
    if (job.peer) env.ACESYNC_PEER = job.peer;
    if (job.jobId !== undefined) env.ACESYNC_JOB_ID = String(job.jobId);
    return env;
  }

  #signalGroup(child: ChildProcess, sig: NodeJS.Signals): void {
    if (child.pid === undefined) return;
    try {
      process.kill(-child.pid, sig);
    } catch {
      // The group is gone already.
    }
  }
}
