/**
 * One interactive SSH session to an ACE: log in, wait for the `host/Context#` prompt,
 * `terminal length 0`, then run commands one at a time and read each output up to the
 * next prompt. The same session serves every context of the device through `changeto`.
 *
 * Stable API (the ANM simulator and client import it): `openAceSession`, `AceSession`,
 * `AceSessionOptions`. Additions are optional fields only.
 */
import ssh2 from 'ssh2';
import type { ClientChannel, ConnectConfig } from 'ssh2';
import { createHash } from 'node:crypto';
import { StringDecoder } from 'node:string_decoder';
import { SshError } from './ssh-error.js';
import { cleanTerminalText, commandError, extractOutput, pagerAtEnd, promptAtEnd } from '../parse/cli/prompt.js';
import { stripRunningConfigHeader } from '../parse/cli/running-config.js';

const { Client } = ssh2;

export interface AceSessionOptions {
  host: string;
  port: number;
  username: string;
  password?: string;
  privateKey?: Buffer | string;
  passphrase?: string;
  /** Pinned host key, `SHA256:<base64>` (ssh-keygen -lf form; `=` padding optional). */
  hostKeySha256?: string;
  /** Also offer old kex/cipher/MAC algorithms (diffie-hellman-group1/14-sha1, aes-cbc/3des-cbc). */
  legacyAlgorithms?: boolean;
  /** TCP connect + SSH handshake + login + first prompt. Default 10 s. */
  connectTimeoutMs?: number;
  /** Per command, until the prompt returns. Default 60 s. */
  commandTimeoutMs?: number;
  /** Aborts the whole session (it is closed). */
  signal?: AbortSignal;
  /**
   * Trust-on-first-use hook, called with the key's fingerprint when `hostKeySha256` is not
   * set; return true to accept. With neither pin nor hook the session is refused: an
   * unverified key is never accepted silently.
   */
  onHostKey?: (fingerprint: string) => boolean;
  /** Largest output of one command accepted, in characters. Default 16 MiB. */
  maxOutputChars?: number;
}

export interface AceSession {
  /** Hostname from the prompt. */
  readonly hostname: string;
  /** Context of the current prompt. */
  readonly context: string;
  /** `SHA256:<base64>` fingerprint of the host key the device presented (extra, optional use). */
  readonly hostKeySha256: string;
  /** True once the session has been closed or broken (timeouts and aborts break it). */
  readonly closed: boolean;
  /**
   * Run one command in the current context and return its output (echo and prompt removed,
   * lines joined by `\n`). A device error (`% Invalid command ...`, `Error: ...`) rejects
   * with an `AceCommandError` that carries the output.
   */
  run(command: string, opts?: { timeoutMs?: number; signal?: AbortSignal }): Promise<string>;
  /** `changeto <context>` unless already there; rejects if the prompt does not follow. */
  changeto(context: string): Promise<void>;
  /** `show running-config` of `context`, raw output minus the `Generating configuration....` header. */
  runningConfig(context: string): Promise<string>;
  close(): Promise<void>;
}

/** The device refused a command; `output` is what it printed (bounded). */
export class AceCommandError extends SshError {
  readonly output: string;
  readonly command: string;
  constructor(command: string, line: string, output: string) {
    super('rejected', `device rejected '${command.slice(0, 80)}': ${line}`, { command: command.slice(0, 200) });
    this.command = command;
    this.output = output.slice(0, 4096);
  }
}

/** `SHA256:<base64 without padding>` of an SSH public key blob, as `ssh-keygen -lf` prints it. */
export function hostKeyFingerprint(keyBlob: Buffer): string {
  return 'SHA256:' + createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '');
}

function sameFingerprint(a: string, b: string): boolean {
  return a.replace(/=+$/, '') === b.replace(/=+$/, '');
}

/** Old ACE software offers only these; appended to ssh2's modern defaults when asked. */
export const LEGACY_ALGORITHMS = {
  kex: ['diffie-hellman-group14-sha1', 'diffie-hellman-group1-sha1', 'diffie-hellman-group-exchange-sha1'],
  cipher: ['aes128-cbc', 'aes256-cbc', '3des-cbc'],
  hmac: ['hmac-sha1', 'hmac-md5'],
  serverHostKey: ['ssh-rsa', 'ssh-dss'],
} as const;

const CONTEXT_NAME = /^[A-Za-z0-9_.-]{1,64}$/;

function sshError(err: Error & { level?: string }, hostKeyRejected: string | undefined, host: string): SshError {
  if (hostKeyRejected !== undefined) return new SshError('hostkey', `${host}: ${hostKeyRejected}`);
  if (err.level === 'client-timeout')
    return new SshError('timeout', `${host}: SSH handshake timed out`, {}, { cause: err });
  if (err.level === 'client-authentication')
    return new SshError('auth', `${host}: authentication failed`, {}, { cause: err });
  return new SshError('connect', `${host}: ${err.message}`, {}, { cause: err });
}

interface Waiter {
  command: string;
  resolve(output: string): void;
  reject(err: Error): void;
}

class ShellSession implements AceSession {
  hostname = '';
  context = '';
  readonly hostKeySha256: string;
  closed = false;
  readonly #conn: InstanceType<typeof Client>;
  readonly #channel: ClientChannel;
  readonly #opts: AceSessionOptions;
  readonly #decoder = new StringDecoder('utf8');
  #buffer = '';
  #heldCr = false;
  #waiter: Waiter | undefined;
  #chain: Promise<unknown> = Promise.resolve();
  #closeReason: Error | undefined;
  readonly #onAbort = (): void => this.#break(new SshError('aborted', `${this.#opts.host}: session aborted`));

  constructor(conn: InstanceType<typeof Client>, channel: ClientChannel, opts: AceSessionOptions, fingerprint: string) {
    this.#conn = conn;
    this.#channel = channel;
    this.#opts = opts;
    this.hostKeySha256 = fingerprint;
    channel.on('data', (chunk: Buffer) => this.#onData(chunk));
    channel.stderr.on('data', (chunk: Buffer) => this.#onData(chunk));
    channel.on('close', () => this.#break(new SshError('closed', `${opts.host}: session closed by the device`)));
    conn.on('error', (err: Error) => this.#break(new SshError('connection', `${opts.host}: ${err.message}`)));
    conn.on('close', () => this.#break(new SshError('closed', `${opts.host}: connection closed`)));
    opts.signal?.addEventListener('abort', this.#onAbort, { once: true });
  }

  #onData(chunk: Buffer): void {
    let text = this.#decoder.write(chunk);
    // A CR at a chunk end may be half of a CRLF: hold it until the next chunk.
    if (this.#heldCr) text = '\r' + text;
    this.#heldCr = text.endsWith('\r');
    if (this.#heldCr) text = text.slice(0, -1);
    this.#buffer += cleanTerminalText(text);
    const max = this.#opts.maxOutputChars ?? 16 * 1024 * 1024;
    if (this.#buffer.length > max) {
      this.#break(new SshError('oversize', `${this.#opts.host}: output larger than ${max} characters`));
      return;
    }
    this.#check();
  }

  #check(): void {
    const w = this.#waiter;
    if (!w) return;
    const tail = this.#buffer.slice(-400);
    if (pagerAtEnd(tail)) {
      // `terminal length 0` did not take: page on, and drop the marker from the output.
      this.#buffer = this.#buffer.replace(/--More--\s*$/, '');
      this.#channel.write(' ');
      return;
    }
    const p = promptAtEnd(tail, this.hostname === '' ? undefined : this.hostname);
    if (!p) return;
    this.hostname = p.hostname;
    this.context = p.context;
    const out = extractOutput(this.#buffer, w.command);
    this.#buffer = '';
    this.#waiter = undefined;
    w.resolve(out);
  }

  #break(err: Error): void {
    if (!this.closed) {
      this.closed = true;
      this.#closeReason = err;
      this.#opts.signal?.removeEventListener('abort', this.#onAbort);
      this.#conn.end();
      // end() waits for the peer; a hung device never answers, so destroy shortly after.
      setTimeout(() => this.#conn.destroy(), 1000).unref();
    }
    const w = this.#waiter;
    this.#waiter = undefined;
    w?.reject(this.#closeReason ?? err);
  }

  /** Wait for the next prompt after writing `command` (empty: just wait, used at login). */
  #exchange(command: string, timeoutMs: number, signal?: AbortSignal): Promise<string> {
    if (this.closed) return Promise.reject(this.#closeReason ?? new SshError('closed', 'session closed'));
    return new Promise<string>((resolve, reject) => {
      // Declared before `done` closes over it; assigned once the waiter is installed.
      // eslint-disable-next-line prefer-const
      let timer: NodeJS.Timeout | undefined;
      const onAbort = (): void => this.#break(new SshError('aborted', `${this.#opts.host}: '${command}' aborted`));
      const done = (): void => {
        if (timer) clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      };
      this.#waiter = {
        command,
        resolve: (out) => {
          done();
          resolve(out);
        },
        reject: (err) => {
          done();
          reject(err);
        },
      };
      // A command that never returns its prompt leaves the session out of step: break it.
      timer = setTimeout(
        () =>
          this.#break(
            new SshError('timeout', `${this.#opts.host}: no prompt ${timeoutMs} ms after '${command.slice(0, 80)}'`),
          ),
        timeoutMs,
      );
      if (signal?.aborted) return onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });
      if (command !== '') this.#channel.write(command + '\n');
      else this.#check();
    });
  }

  run(command: string, opts: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<string> {
    if (/[\r\n]/.test(command)) return Promise.reject(new SshError('bad-command', 'a command must be one line'));
    const timeoutMs = opts.timeoutMs ?? this.#opts.commandTimeoutMs ?? 60_000;
    // One command at a time: the device answers in order and outputs must not interleave.
    const next = this.#chain.then(async () => {
      const out = await this.#exchange(command, timeoutMs, opts.signal);
      const bad = commandError(out);
      if (bad !== undefined) throw new AceCommandError(command, bad, out);
      return out;
    });
    this.#chain = next.catch(() => undefined);
    return next;
  }

  /** Wait for the login prompt, then switch the pager off. */
  async init(timeoutMs: number): Promise<void> {
    await this.#exchange('', timeoutMs, this.#opts.signal);
    await this.run('terminal length 0');
  }

  async changeto(context: string): Promise<void> {
    if (!CONTEXT_NAME.test(context))
      throw new SshError('bad-context', `invalid context name '${context.slice(0, 80)}'`);
    await this.#chain;
    if (this.context === context) return;
    await this.run(`changeto ${context}`);
    if (this.context !== context)
      throw new SshError('changeto', `${this.#opts.host}: changeto ${context} left the prompt in ${this.context}`);
  }

  async runningConfig(context: string): Promise<string> {
    await this.changeto(context);
    return stripRunningConfigHeader(await this.run('show running-config'));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    const closedP = new Promise<void>((resolve) => {
      this.#conn.once('close', () => resolve());
      setTimeout(resolve, 2000).unref();
    });
    this.#break(new SshError('closed-by-us', 'session closed'));
    await closedP;
  }
}

/** Log in to an ACE over SSH and return a session at its first prompt. */
export async function openAceSession(opts: AceSessionOptions): Promise<AceSession> {
  const connectTimeoutMs = opts.connectTimeoutMs ?? 10_000;
  if (opts.signal?.aborted) throw new SshError('aborted', `${opts.host}: aborted before connecting`);
  const conn = new Client();
  let fingerprint = '';
  let hostKeyRejected: string | undefined;
  const started = Date.now();

  const config: ConnectConfig = {
    host: opts.host,
    port: opts.port,
    username: opts.username,
    password: opts.password,
    privateKey: opts.privateKey,
    passphrase: opts.passphrase,
    tryKeyboard: opts.password !== undefined,
    readyTimeout: connectTimeoutMs,
    keepaliveInterval: 0,
    hostVerifier: (key: Buffer): boolean => {
      fingerprint = hostKeyFingerprint(key);
      if (opts.hostKeySha256 !== undefined) {
        if (sameFingerprint(fingerprint, opts.hostKeySha256)) return true;
        hostKeyRejected = `host key ${fingerprint} does not match the pinned ${opts.hostKeySha256}`;
        return false;
      }
      if (opts.onHostKey?.(fingerprint) === true) return true;
      hostKeyRejected = opts.onHostKey
        ? `host key ${fingerprint} was refused`
        : `host key ${fingerprint} is not pinned and no trust-on-first-use hook was given`;
      return false;
    },
  };
  if (opts.legacyAlgorithms) {
    config.algorithms = {
      kex: { append: [...LEGACY_ALGORITHMS.kex] },
      cipher: { append: [...LEGACY_ALGORITHMS.cipher] },
      hmac: { append: [...LEGACY_ALGORITHMS.hmac] },
      serverHostKey: { append: [...LEGACY_ALGORITHMS.serverHostKey] },
    } as unknown as ConnectConfig['algorithms'];
  }

  await new Promise<void>((resolve, reject) => {
    let settled = false;
    const finish = (err?: Error): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      conn.removeListener('ready', onReady);
      if (err) {
        conn.on('error', () => undefined); // late errors after we gave up
        conn.destroy();
        reject(err);
      } else resolve();
    };
    const onReady = (): void => finish();
    const onAbort = (): void => finish(new SshError('aborted', `${opts.host}: aborted while connecting`));
    // readyTimeout only starts once TCP is up; this one also bounds the TCP connect.
    const timer = setTimeout(
      () => finish(new SshError('timeout', `${opts.host}:${opts.port}: no SSH session within ${connectTimeoutMs} ms`)),
      connectTimeoutMs,
    );
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    conn.once('ready', onReady);
    conn.once('error', (err: Error) => finish(sshError(err, hostKeyRejected, opts.host)));
    conn.on('keyboard-interactive', (_name, _instructions, _lang, prompts, answer) => {
      answer(prompts.map(() => opts.password ?? ''));
    });
    conn.connect(config);
  });
  conn.setNoDelay(true);

  const remaining = Math.max(1, connectTimeoutMs - (Date.now() - started));
  const channel = await new Promise<ClientChannel>((resolve, reject) => {
    const timer = setTimeout(() => {
      conn.destroy();
      reject(new SshError('timeout', `${opts.host}: no shell within ${connectTimeoutMs} ms`));
    }, remaining);
    // A wide terminal: the device must not wrap long configuration lines.
    conn.shell({ term: 'vt100', cols: 511, rows: 24 }, (err, ch) => {
      clearTimeout(timer);
      if (err) {
        conn.destroy();
        reject(new SshError('shell', `${opts.host}: shell refused: ${err.message}`));
      } else resolve(ch);
    });
  });

  const session = new ShellSession(conn, channel, opts, fingerprint);
  try {
    await session.init(Math.max(1, connectTimeoutMs - (Date.now() - started)));
  } catch (err) {
    await session.close();
    throw err;
  }
  return session;
}
