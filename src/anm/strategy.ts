/**
 * Upload strategies: how one context's configuration gets into ANM's copy ("CLI > ANM
 * sync"). ANM's SOAP API has no such operation, so each installation chooses:
 *   - http:    replay the request ANM's own GUI makes (form login + sync action);
 *   - command: run an operator's script with the job as JSON on stdin;
 *   - manual:  hand a person the exact steps and wait for their acknowledgement.
 *
 * Contract for the job worker: `upload()` resolves with `ok` or `waiting-operator`, or
 * rejects with an error that `classifyAnmFailure()` sorts into retryable or final. Every
 * call is bounded by `opts.timeoutMs` (else the strategy's configured timeout) and stops
 * promptly when `opts.signal` aborts.
 */
import type { AnmConfig } from '../config/sections/anm.js';
import type { UploadResultData } from '../core/events.js';
import { anmTransport, resolveAnmPassword, type AnmDeps } from './connect.js';
import { CommandUploadStrategy } from './strategies/command.js';
import { HttpUploadStrategy } from './strategies/http.js';
import { ManualUploadStrategy } from './strategies/manual.js';

export { failedResult, withDeadline } from './strategies/common.js';
export { classifyAnmFailure, AnmError, type AnmFailureKind } from './anm-error.js';

export type StrategyName = 'http' | 'command' | 'manual';

/** One upload: which context, on which device, and what the worker knows about it. */
export interface UploadJob {
  /** Inventory device name. */
  device: string;
  context: string;
  /** Management address of the device (ANM's identity of the ACE). */
  address: string;
  /** The other device of the HA pair, if any. */
  peer?: string;
  jobId?: number;
  /** FT role of `device` for this context when the job was made (`ACTIVE`, `STANDBY_HOT`, ...). */
  role?: string;
  /** For an Admin upload: user contexts that appeared and must be uploaded after it. */
  newContexts?: string[];
  /** Why the upload was asked for (rule name, operator); shown in alerts. */
  reason?: string;
}

export interface UploadOptions {
  signal: AbortSignal;
  /** Deadline of the whole upload; default the strategy's `timeout_ms`. */
  timeoutMs?: number;
}

/** What a successful (or parked) upload reports; `UploadResultData` plus details. */
export interface UploadResult extends UploadResultData {
  outcome: 'ok' | 'waiting-operator';
  strategy: StrategyName;
  durationMs: number;
  /** Short, bounded, secret-free text: HTTP status, script output tail. */
  detail?: string;
  /** HTTP status of the sync request (`http`). */
  status?: number;
  /** Steps for a person (`manual`), ready to put in an alert. */
  steps?: string;
}

export interface UploadStrategy {
  readonly name: StrategyName;
  upload(job: UploadJob, opts: UploadOptions): Promise<UploadResult>;
  /** Release sockets, kill running scripts. */
  close(): Promise<void>;
}

/**
 * Build the configured strategy. The `http` strategy shares the per-server circuit
 * breaker in `deps.breakers` with the SOAP client, so both see ANM being down.
 */
export function createUploadStrategy(anm: AnmConfig, deps: AnmDeps = {}): UploadStrategy {
  const s = anm.strategy;
  switch (s.type) {
    case 'manual':
      return new ManualUploadStrategy({ config: s, ...(anm.url !== undefined ? { anmUrl: anm.url } : {}) });
    case 'command': {
      const password = s.pass_anm_password ? resolveAnmPassword(anm, deps.env) : undefined;
      return new CommandUploadStrategy({
        config: s,
        baseDir: deps.baseDir ?? process.cwd(),
        env: deps.env ?? process.env,
        ...(anm.url !== undefined ? { anmUrl: anm.url } : {}),
        ...(anm.username !== undefined ? { anmUsername: anm.username } : {}),
        ...(password !== undefined ? { anmPassword: password } : {}),
        ...(deps.logger ? { logger: deps.logger } : {}),
      });
    }
    case 'http': {
      const transport = anmTransport(anm, deps);
      return new HttpUploadStrategy({
        config: s,
        transport,
        username: anm.username ?? '',
        password: resolveAnmPassword(anm, deps.env) ?? '',
        requestTimeoutMs: anm.timeout_ms,
        ...(deps.breakers ? { breaker: deps.breakers.get(transport.origin) } : {}),
        ...(deps.logger ? { logger: deps.logger } : {}),
      });
    }
  }
}
