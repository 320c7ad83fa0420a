/**
 * The poller: what the job workers call to look at devices over SSH. Every outcome is an
 * event (`transport: 'poll'`) for the rule engine:
 * - `auditDevice`: per context `audit-result` (running-config hash vs ANM's copy, diff vs
 *   the last stored version) and `logging-drift`; per FT group `ft-status` and, on a role
 *   change, `ha-state`; in a full audit, `context-lifecycle` for contexts the inventory
 *   does not know. Every audit runs `show context` in Admin first: contexts acesync holds
 *   `unconfirmed` that it lists are `confirmed`, held contexts it does not list are `absent`.
 *   A batch of per-context audit jobs is one `auditDevice` call (`jobIds`): Admin is read
 *   once for all of them, never cached from one call to the next.
 * - `checkCrypto`: `crypto-parity` per context, from both peers' points of view.
 * - `discover`: `context-lifecycle` `discovered`.
 */
import type { Config } from '../config/schema.js';
import type { AceEvent, AuditResultData } from '../core/events.js';
import type { Inventory } from '../inventory/inventory.js';
import { ADMIN_CONTEXT } from '../inventory/inventory.js';
import { systemClock, type Clock } from '../core/clock.js';
import type { Logger } from '../core/log.js';
import { AcesyncError } from '../core/errors.js';
import { parseLoggingConfig } from '../parse/cli/logging.js';
import { parseFtGroups, type FtGroupStatus } from '../parse/cli/ft-group.js';
import { parseShowContext } from '../parse/cli/show-context.js';
import { compileVolatilePatterns, hashRunningConfig } from '../parse/cli/running-config.js';
import { AceCommandError, openAceSession, type AceSession, type AceSessionOptions } from './ace-session.js';
import { resolveCredentials } from './credentials.js';
import { compareCrypto, readCryptoInventory, type CryptoInventory } from './crypto-parity.js';
import { unifiedDiff } from '../core/diff.js';
import { FtObserver } from './ft-observer.js';
import { MemoryKnownHosts, type KnownHosts } from './known-hosts.js';
import { loggingDrift, loggingFix, noDrift } from './logging-drift.js';
import { ConnectFailure, SessionPool, sshFailureKind, type DeviceLease } from './session-pool.js';

type MaybePromise<T> = T | Promise<T>;

/** A configuration version: its hash and, when known, its normalised text. */
export interface ConfigRef {
  hash: string;
  text?: string;
}

export interface PollerDeps {
  poller: Config['poller'];
  inventory: Inventory;
  logger: Logger;
  clock?: Clock;
  knownHosts?: KnownHosts;
  /** ANM's copy of a context (hash of the normalised config last uploaded to ANM). */
  baseline?(device: string, context: string): MaybePromise<ConfigRef | undefined>;
  /** The last version acesync stored for a context (the diff is taken against it). */
  previous?(device: string, context: string): MaybePromise<ConfigRef | undefined>;
  /** Overrides the inventory for "is this context known?" (the store may know more). */
  isKnownContext?(device: string, context: string): boolean;
  /**
   * The contexts acesync holds for a device (the store's rows): after each `show context`
   * the poller reports the unconfirmed ones it lists (`confirmed`) and the held ones it
   * does not list (`absent`).
   */
  storedContexts?(device: string): Array<{ context: string; sync: string; configured: boolean }>;
  /** Told after each audit whether the device was reached and audited (the scheduler's `noteAudit`). */
  onAudit?(device: string, ok: boolean): void;
  env?: NodeJS.ProcessEnv;
  /** How sessions are opened (tests substitute). Default `openAceSession`. */
  open?(opts: AceSessionOptions): Promise<AceSession>;
}

export interface AuditOptions {
  /** Only these contexts (a targeted audit: no discovery). Default: all, with discovery. */
  contexts?: string[];
  signal?: AbortSignal;
  /** Give up after this long (every step is also bounded by the SSH timeouts). */
  deadlineMs?: number;
  jobId?: number;
  /** Per context, the job asking for it (a batch of per-context jobs): its `jobId` in the results. */
  jobIds?: ReadonlyMap<string, number>;
  /** Asked before each context is read; false skips it without a result (its job was cancelled). */
  wanted?(context: string): boolean;
}

const MAX_REPORTED = 10_000;
/** Bounds the diff's work and memory (its trace grows with the square of this). */
const DIFF_MAX_EDITS = 1000;
const DIFF_MAX_LINE_CHARS = 500;

/** An event carries a short diff: at most `maxLines` lines, each cut at 500 characters (device text is untrusted). */
export function shortDiff(diff: string, maxLines: number): string {
  const lines = diff
    .replace(/\n$/, '')
    .split('\n')
    .map((l) => (l.length > DIFF_MAX_LINE_CHARS ? l.slice(0, DIFF_MAX_LINE_CHARS) + '...' : l));
  if (lines.length <= maxLines) return lines.join('\n');
  return [...lines.slice(0, maxLines), `... (${lines.length - maxLines} more lines)`].join('\n');
}

function message(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).slice(0, 500);
}

export class Poller {
  #deps: PollerDeps;
  readonly #clock: Clock;
  readonly #pool: SessionPool;
  readonly #ft = new FtObserver();
  readonly #knownHosts: KnownHosts;
  #volatile: RegExp[];
  /** (device|context) whose logging was last seen drifting; to report when it clears. */
  readonly #drifting = new Set<string>();
  readonly #lookedAtLogging = new Set<string>();
  readonly #reported = new Set<string>();

  constructor(deps: PollerDeps) {
    this.#deps = deps;
    this.#clock = deps.clock ?? systemClock;
    this.#knownHosts = deps.knownHosts ?? new MemoryKnownHosts();
    const { patterns, errors } = compileVolatilePatterns(deps.poller.volatile_patterns);
    if (errors.length > 0) deps.logger.warn({ errors }, 'ignoring invalid poller.volatile_patterns');
    this.#volatile = patterns;
    const p = deps.poller;
    this.#pool = new SessionPool({
      maxSessions: p.max_sessions,
      idleCloseMs: p.idle_close_ms,
      connectAttempts: p.connect_attempts,
      backoffBaseMs: p.backoff_base_ms,
      backoffMaxMs: p.backoff_max_ms,
      logger: deps.logger,
      open: (device, signal) => this.#open(device, signal),
    });
  }

  /**
   * New poller settings (a configuration reload): the next audit step uses them (patterns, limits,
   * expected logging), the pool its new size, timeouts and backoff.
   */
  reconfigure(poller: Config['poller']): void {
    const { patterns, errors } = compileVolatilePatterns(poller.volatile_patterns);
    if (errors.length > 0) this.#deps.logger.warn({ errors }, 'ignoring invalid poller.volatile_patterns');
    this.#volatile = patterns;
    this.#deps = { ...this.#deps, poller };
    this.#pool.reconfigure({
      maxSessions: poller.max_sessions,
      idleCloseMs: poller.idle_close_ms,
      connectAttempts: poller.connect_attempts,
      backoffBaseMs: poller.backoff_base_ms,
      backoffMaxMs: poller.backoff_max_ms,
    });
  }

  /** A device's host or SSH settings changed: its open session is closed (after the job using it). */
  recycle(device: string): void {
    this.#pool.recycle(device);
  }

  /** Failed SSH session opens per device and kind, since start (acesync_device_ssh_failures_total). */
  sshFailures(): Array<{ device: string; kind: string; count: number }> {
    return [...this.#pool.failures].map(([key, count]) => {
      const i = key.indexOf('\u0000');
      return { device: key.slice(0, i), kind: key.slice(i + 1), count };
    });
  }

  /** SSH sessions opened since start. */
  get sessionsOpened(): number {
    return this.#pool.opened;
  }

  /** Last FT role seen for a device's group (after a restart, seed it with `seedFtState`). */
  ftState(device: string, group: number): string | undefined {
    return this.#ft.last(device, group);
  }

  seedFtState(device: string, group: number, state: string): void {
    this.#ft.seed(device, group, state);
  }

  async #open(device: string, signal?: AbortSignal): Promise<AceSession> {
    const d = this.#deps.inventory.devices.get(device);
    if (!d) throw new AcesyncError('ACESYNC_NOT_FOUND', `device '${device}' is not in the inventory`);
    const ssh = d.config.ssh;
    const creds = resolveCredentials(ssh, this.#deps.env ?? process.env);
    const pinned = ssh.host_key_sha256 ?? (await this.#knownHosts.get(device));
    const log = this.#deps.logger;
    return (this.#deps.open ?? openAceSession)({
      host: d.host,
      port: ssh.port,
      username: ssh.username,
      ...creds,
      hostKeySha256: pinned,
      legacyAlgorithms: ssh.legacy_algorithms,
      connectTimeoutMs: ssh.connect_timeout_ms,
      commandTimeoutMs: ssh.command_timeout_ms,
      signal,
      onHostKey:
        pinned !== undefined
          ? undefined
          : (fingerprint) => {
              log.warn({ device, fingerprint }, 'SSH host key trusted on first use; pin it with ssh.host_key_sha256');
              void Promise.resolve(this.#knownHosts.set(device, fingerprint)).catch((err: unknown) =>
                log.error({ device, err: message(err) }, 'could not record host key'),
              );
              return true;
            },
    });
  }

  #event(device: string, partial: Omit<AceEvent, 'device' | 'transport' | 'receivedAt'>): AceEvent {
    return { ...partial, device, transport: 'poll', receivedAt: this.#clock.now() };
  }

  #signal(opts: { signal?: AbortSignal; deadlineMs?: number }): AbortSignal | undefined {
    const parts = [
      opts.signal,
      opts.deadlineMs !== undefined ? AbortSignal.timeout(opts.deadlineMs) : undefined,
    ].filter((s): s is AbortSignal => s !== undefined);
    return parts.length === 0 ? undefined : parts.length === 1 ? parts[0] : AbortSignal.any(parts);
  }

  /**
   * One device-level event when acesync cannot log in at all, naming the user, the variable
   * holding the password and what to do: one alert per device, not one per context.
   */
  #sshFailure(device: string, err: ConnectFailure): AceEvent {
    const d = this.#deps.inventory.devices.get(device)!;
    const ssh = d.config.ssh;
    const kind = sshFailureKind(err.cause) ?? 'other';
    const secret = ssh.password_env ?? '(no password_env set)';
    const fix: Record<string, string> = {
      auth: `check that user '${ssh.username}' exists on ${device} and that ${secret} holds its password (devices[].ssh.username / password_env), then: acesync explain ${device} <context>`,
      secret: `set ${secret} in acesync's environment (systemd: Environment= or EnvironmentFile=) and restart acesync`,
      hostkey: `if ${device}'s SSH key changed on purpose, put its new fingerprint (ssh-keygen -lf) in devices[].ssh.host_key_sha256`,
      timeout: `check that ${d.host} port ${ssh.port} answers SSH from acesync (ssh -p ${ssh.port} ${ssh.username}@${d.host})`,
      connect: `check that ${d.host} port ${ssh.port} answers SSH from acesync (ssh -p ${ssh.port} ${ssh.username}@${d.host})`,
      other: `try ssh -p ${ssh.port} ${ssh.username}@${d.host} from the acesync host`,
    };
    return this.#event(device, {
      kind: 'ssh-failure',
      error: message(err),
      data: { sshKind: kind, user: ssh.username, passwordEnv: secret, host: d.host, port: ssh.port, fix: fix[kind] },
    });
  }

  #auditError(device: string, context: string, err: unknown, jobId?: number): AceEvent {
    const data: AuditResultData = { outcome: 'error' };
    if (jobId !== undefined) data.jobId = jobId;
    // The device could not be reached at all: one ssh-failure event says so for the device.
    if (err instanceof ConnectFailure) data.stage = 'connect';
    return this.#event(device, { kind: 'audit-result', context, error: message(err), data: { ...data } });
  }

  #known(device: string, context: string): boolean {
    return this.#deps.isKnownContext?.(device, context) ?? this.#deps.inventory.hasContext(device, context);
  }

  /** `context-lifecycle discovered` for names the inventory does not know (each reported once). */
  #discovered(device: string, names: string[]): AceEvent[] {
    const out: AceEvent[] = [];
    for (const name of names) {
      const key = `${device}|${name}`;
      if (this.#known(device, name) || this.#reported.has(key)) continue;
      if (this.#reported.size < MAX_REPORTED) this.#reported.add(key);
      out.push(
        this.#event(device, {
          kind: 'context-lifecycle',
          change: 'discovered',
          context: name,
          originContext: ADMIN_CONTEXT,
        }),
      );
    }
    return out;
  }

  /** `confirmed` / `absent` for the contexts acesync holds, against one `show context` listing. */
  #reconcileListed(device: string, listed: Set<string>): AceEvent[] {
    const out: AceEvent[] = [];
    for (const c of this.#deps.storedContexts?.(device) ?? []) {
      if (c.context === ADMIN_CONTEXT || c.sync === 'removed') continue;
      const change = listed.has(c.context) ? (c.sync === 'unconfirmed' ? 'confirmed' : undefined) : 'absent';
      if (change === undefined) continue;
      out.push(
        this.#event(device, {
          kind: 'context-lifecycle',
          change,
          context: c.context,
          originContext: ADMIN_CONTEXT,
          data: { listed: listed.size },
        }),
      );
    }
    return out;
  }

  async #readFt(s: AceSession, signal?: AbortSignal): Promise<FtGroupStatus[]> {
    try {
      return parseFtGroups(await s.run('show ft group detail', { signal }));
    } catch (err) {
      if (!(err instanceof AceCommandError)) throw err;
      return parseFtGroups(await s.run('show ft group status', { signal }));
    }
  }

  /** Audit-result and logging-drift events for one context's raw `show running-config`. */
  async #auditContext(device: string, context: string, raw: string, jobId?: number): Promise<AceEvent[]> {
    const p = this.#deps.poller;
    if (raw.length > p.max_config_chars)
      return [this.#auditError(device, context, `running-config larger than ${p.max_config_chars} characters`, jobId)];
    const { text, hash } = hashRunningConfig(raw, { volatile: this.#volatile });
    const [base, prev] = await Promise.all([
      this.#deps.baseline?.(device, context),
      this.#deps.previous?.(device, context),
    ]);
    const data: AuditResultData = {
      outcome: base === undefined ? 'no-baseline' : base.hash === hash ? 'in-sync' : 'differs',
      hash,
      config: text,
    };
    if (base !== undefined) data.anmHash = base.hash;
    if (prev?.text !== undefined && prev.hash !== hash && p.diff_max_lines > 0)
      data.diff = shortDiff(
        unifiedDiff(prev.text, text, {
          fromName: `${device}/${context} (stored)`,
          toName: `${device}/${context} (device)`,
          maxEdits: DIFF_MAX_EDITS,
        }),
        p.diff_max_lines,
      );
    if (jobId !== undefined) data.jobId = jobId;
    const drift = loggingDrift(parseLoggingConfig(text), p.expected_logging);
    const bad = !noDrift(drift);
    // Every audit says whether logging is complete: a logging-silenced alert resolves on it.
    data.logging = bad ? 'incomplete' : 'complete';
    const out: AceEvent[] = [this.#event(device, { kind: 'audit-result', context, data: { ...data } })];

    const key = `${device}|${context}`;
    // Report gaps every time, a clean context only when it just got clean or on the first
    // look since start (so alerts raised before a restart can resolve).
    if (bad || this.#drifting.has(key) || !this.#lookedAtLogging.has(key))
      out.push(
        this.#event(device, {
          kind: 'logging-drift',
          context,
          data: bad ? { ...drift, fix: loggingFix(drift, p.expected_logging.min_trap_level) } : { ...drift },
        }),
      );
    if (bad) this.#drifting.add(key);
    else this.#drifting.delete(key);
    if (this.#lookedAtLogging.size < 100_000) this.#lookedAtLogging.add(key);
    return out;
  }

  /** Audit a device: FT roles, then each context's configuration and logging settings. */
  async auditDevice(device: string, opts: AuditOptions = {}): Promise<AceEvent[]> {
    const inv = this.#deps.inventory.devices.get(device);
    if (!inv) throw new AcesyncError('ACESYNC_NOT_FOUND', `device '${device}' is not in the inventory`);
    const signal = this.#signal(opts);
    const full = opts.contexts === undefined;
    let targets = [...new Set(opts.contexts ?? inv.contexts)];
    const events: AceEvent[] = [];
    const done = new Set<string>();
    let reached = false;
    let audited = 0;
    const jobOf = (ctx: string): number | undefined => opts.jobIds?.get(ctx) ?? opts.jobId;
    try {
      await this.#pool.withDevice(device, signal, async (lease: DeviceLease) => {
        let s = await lease.session();
        reached = true;
        let present: Set<string> | undefined;
        try {
          await s.changeto(ADMIN_CONTEXT);
          // Every audit, targeted or not: a context learnt from a message stays unconfirmed
          // until a listing from the device itself names it.
          const names = parseShowContext(await s.run('show context', { signal })).map((c) => c.name);
          // An empty listing is a parse problem, never "every context is gone".
          if (names.length > 0) {
            present = new Set(names);
            events.push(...this.#reconcileListed(device, present));
            if (full) {
              events.push(...this.#discovered(device, names));
              targets = [...new Set([...targets, ...names])];
            }
          }
          events.push(
            ...this.#ft.observe(device, await this.#readFt(s, signal), {
              transport: 'poll',
              receivedAt: this.#clock.now(),
            }),
          );
        } catch (err) {
          if (err instanceof ConnectFailure || signal?.aborted) throw err;
          this.#deps.logger.warn({ device, err: message(err) }, 'Admin-context checks failed');
        }
        let brokenInARow = 0;
        for (const ctx of targets) {
          if (signal?.aborted) break;
          const jobId = jobOf(ctx);
          if (opts.wanted && !opts.wanted(ctx)) {
            done.add(ctx);
            continue;
          }
          if (present && !present.has(ctx)) {
            // A configured context that is missing is an audit failure an operator must see; a
            // learnt one is reported `absent` above (and goes removed), there is nothing to retry.
            if (inv.contexts.includes(ctx))
              events.push(this.#auditError(device, ctx, `context '${ctx}' does not exist on the device`, jobId));
            done.add(ctx);
            continue;
          }
          try {
            s = await lease.session();
            const raw = await s.runningConfig(ctx);
            events.push(...(await this.#auditContext(device, ctx, raw, jobId)));
            audited++;
            brokenInARow = 0;
          } catch (err) {
            if (err instanceof ConnectFailure) throw err;
            events.push(this.#auditError(device, ctx, err, jobId));
            // A device that times out twice in a row is not answering: stop, do not queue N timeouts.
            if (s.closed && ++brokenInARow >= 2) throw err;
          }
          done.add(ctx);
        }
      });
    } catch (err) {
      this.#deps.logger.warn({ device, err: message(err) }, 'audit failed');
      for (const ctx of targets) if (!done.has(ctx)) events.push(this.#auditError(device, ctx, err, jobOf(ctx)));
      if (err instanceof ConnectFailure && !signal?.aborted) events.push(this.#sshFailure(device, err));
    }
    this.#deps.onAudit?.(device, reached && audited > 0);
    return events;
  }

  /** `context-lifecycle discovered` for contexts on the device the inventory does not know. */
  async discover(device: string, opts: { signal?: AbortSignal; deadlineMs?: number } = {}): Promise<AceEvent[]> {
    const signal = this.#signal(opts);
    return this.#pool.withSession(device, signal, async (s) => {
      await s.changeto(ADMIN_CONTEXT);
      const names = parseShowContext(await s.run('show context', { signal })).map((c) => c.name);
      if (names.length === 0) return [];
      return [...this.#reconcileListed(device, new Set(names)), ...this.#discovered(device, names)];
    });
  }

  async #cryptoInventories(
    device: string,
    contexts: string[],
    signal?: AbortSignal,
  ): Promise<Map<string, CryptoInventory | Error>> {
    const out = new Map<string, CryptoInventory | Error>();
    try {
      await this.#pool.withDevice(device, signal, async (lease) => {
        for (const ctx of contexts) {
          try {
            out.set(ctx, await readCryptoInventory(await lease.session(), ctx, { signal }));
          } catch (err) {
            if (err instanceof ConnectFailure) throw err;
            out.set(ctx, err instanceof Error ? err : new Error(String(err)));
          }
        }
      });
    } catch (err) {
      for (const ctx of contexts) if (!out.has(ctx)) out.set(ctx, err instanceof Error ? err : new Error(String(err)));
    }
    return out;
  }

  /**
   * Certificate/key parity of `device` and `peer` per context (default: the contexts both
   * know), plus `show ft config-error`. One `crypto-parity` event per context and device
   * (each names the other as `peer`); on a read failure the event carries `error`.
   */
  async checkCrypto(
    device: string,
    peer: string,
    contexts?: string[],
    opts: { signal?: AbortSignal; deadlineMs?: number } = {},
  ): Promise<AceEvent[]> {
    const inv = this.#deps.inventory;
    const a = inv.devices.get(device);
    const b = inv.devices.get(peer);
    if (!a || !b) throw new AcesyncError('ACESYNC_NOT_FOUND', `device '${!a ? device : peer}' is not in the inventory`);
    const list = contexts ?? a.contexts.filter((c) => b.contexts.includes(c));
    const signal = this.#signal(opts);
    const [mine, theirs] = await Promise.all([
      this.#cryptoInventories(device, list, signal),
      this.#cryptoInventories(peer, list, signal),
    ]);
    const events: AceEvent[] = [];
    for (const ctx of list) {
      const x = mine.get(ctx)!;
      const y = theirs.get(ctx)!;
      if (x instanceof Error || y instanceof Error) {
        const err = x instanceof Error ? `${device}: ${x.message}` : `${peer}: ${(y as Error).message}`;
        const empty = { ok: false, missingOnDevice: [], missingOnPeer: [], different: [] };
        events.push(
          this.#event(device, {
            kind: 'crypto-parity',
            context: ctx,
            error: err.slice(0, 500),
            data: { peer, ...empty },
          }),
        );
        events.push(
          this.#event(peer, {
            kind: 'crypto-parity',
            context: ctx,
            error: err.slice(0, 500),
            data: { peer: device, ...empty },
          }),
        );
        continue;
      }
      events.push(this.#event(device, { kind: 'crypto-parity', context: ctx, data: { ...compareCrypto(peer, x, y) } }));
      events.push(this.#event(peer, { kind: 'crypto-parity', context: ctx, data: { ...compareCrypto(device, y, x) } }));
    }
    return events;
  }

  async close(): Promise<void> {
    await this.#pool.close();
  }
}
