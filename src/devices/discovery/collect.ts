/**
 * Discovery, the I/O half: log into each device's Admin context over one SSH session and
 * read what analysis needs (`show context`, `show ft group detail` falling back to
 * `status`, `show ft peer detail`, and every context's running-config). A device that
 * cannot be reached or logged into becomes a failed snapshot, never an exception: one bad
 * device must not stop the others. The host key is accepted on first use and recorded, so
 * the written configuration can pin it.
 */
import { SshError } from '../ssh-error.js';
import { AcesyncError } from '../../core/errors.js';
import { parseFtGroups, parseFtPeers, type FtGroupStatus, type FtPeerStatus } from '../../parse/cli/ft-group.js';
import { parseShowContext } from '../../parse/cli/show-context.js';
import { AceCommandError, openAceSession, type AceSession, type AceSessionOptions } from '../ace-session.js';

export interface DiscoveryTarget {
  host: string;
  port: number;
  username: string;
  password: string;
  legacyAlgorithms: boolean;
}

export interface ContextSnapshot {
  name: string;
  runningConfig?: string;
  /** Why the running-config could not be read. */
  error?: string;
}

export type DeviceSnapshot =
  | {
      ok: true;
      target: Omit<DiscoveryTarget, 'password'>;
      hostname: string;
      hostKeySha256: string;
      /** Context the login landed in (must be Admin to see them all). */
      loginContext: string;
      contexts: ContextSnapshot[];
      ftGroups: FtGroupStatus[];
      ftPeers: FtPeerStatus[];
      /** Commands the device refused (the analysis says what that leaves undecided). */
      refused: string[];
    }
  | {
      ok: false;
      target: Omit<DiscoveryTarget, 'password'>;
      reason: 'auth' | 'unreachable' | 'timeout' | 'hostkey' | 'other';
      error: string;
    };

export interface CollectOptions {
  connectTimeoutMs?: number;
  commandTimeoutMs?: number;
  /** Devices read at once. */
  concurrency?: number;
  signal?: AbortSignal;
  /** Test seam. */
  open?: (o: AceSessionOptions) => Promise<AceSession>;
}

const MAX_CONTEXTS = 512;

function publicTarget(t: DiscoveryTarget): Omit<DiscoveryTarget, 'password'> {
  return { host: t.host, port: t.port, username: t.username, legacyAlgorithms: t.legacyAlgorithms };
}

function failure(t: DiscoveryTarget, err: unknown): DeviceSnapshot {
  const msg = err instanceof Error ? err.message : String(err);
  let reason: 'auth' | 'unreachable' | 'timeout' | 'hostkey' | 'other' = 'other';
  if (err instanceof SshError) {
    const kind = err.details.kind;
    if (kind === 'timeout') reason = 'timeout';
    else if (kind === 'hostkey') reason = 'hostkey';
    else if (kind === 'auth') reason = 'auth';
    else if (kind === 'connect') reason = 'unreachable';
  } else if (err instanceof AcesyncError && err.code === 'ACESYNC_SSH_TIMEOUT') reason = 'timeout';
  return { ok: false, target: publicTarget(t), reason, error: msg.slice(0, 300) };
}

/** Run a show command; a refusal is recorded and answered with undefined. */
async function tryRun(s: AceSession, command: string, refused: string[]): Promise<string | undefined> {
  try {
    return await s.run(command);
  } catch (err) {
    if (err instanceof AceCommandError) {
      refused.push(command);
      return undefined;
    }
    throw err;
  }
}

export async function collectDevice(t: DiscoveryTarget, o: CollectOptions = {}): Promise<DeviceSnapshot> {
  let session: AceSession;
  let fingerprint = '';
  try {
    session = await (o.open ?? openAceSession)({
      host: t.host,
      port: t.port,
      username: t.username,
      password: t.password,
      legacyAlgorithms: t.legacyAlgorithms,
      connectTimeoutMs: o.connectTimeoutMs ?? 10_000,
      commandTimeoutMs: o.commandTimeoutMs ?? 60_000,
      onHostKey: (fp) => {
        fingerprint = fp;
        return true;
      },
      ...(o.signal ? { signal: o.signal } : {}),
    });
  } catch (err) {
    return failure(t, err);
  }
  try {
    const refused: string[] = [];
    const loginContext = session.context;
    const ctxOut = await tryRun(session, 'show context', refused);
    const names = ctxOut !== undefined ? parseShowContext(ctxOut).map((c) => c.name) : [];
    if (!names.includes(loginContext)) names.unshift(loginContext);
    const groupsOut =
      (await tryRun(session, 'show ft group detail', refused)) ??
      (await tryRun(session, 'show ft group status', refused));
    const peersOut = await tryRun(session, 'show ft peer detail', refused);
    const contexts: ContextSnapshot[] = [];
    for (const name of names.slice(0, MAX_CONTEXTS)) {
      try {
        contexts.push({ name, runningConfig: await session.runningConfig(name) });
      } catch (err) {
        if (session.closed) throw err;
        contexts.push({ name, error: (err instanceof Error ? err.message : String(err)).slice(0, 300) });
      }
    }
    // Back to where we started, so an interrupted run leaves no session in a user context.
    if (session.context !== loginContext) await session.changeto(loginContext).catch(() => undefined);
    return {
      ok: true,
      target: publicTarget(t),
      hostname: session.hostname,
      hostKeySha256: session.hostKeySha256 || fingerprint,
      loginContext,
      contexts,
      ftGroups: groupsOut !== undefined ? parseFtGroups(groupsOut) : [],
      ftPeers: peersOut !== undefined ? parseFtPeers(peersOut) : [],
      refused,
    };
  } catch (err) {
    return failure(t, err);
  } finally {
    await session.close().catch(() => undefined);
  }
}

/** Every target, `concurrency` at a time; the result keeps the order of `targets`. */
export async function collectAll(
  targets: readonly DiscoveryTarget[],
  o: CollectOptions = {},
): Promise<DeviceSnapshot[]> {
  const out: DeviceSnapshot[] = new Array<DeviceSnapshot>(targets.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < targets.length) {
      const i = next++;
      out[i] = await collectDevice(targets[i]!, o);
    }
  };
  await Promise.all(Array.from({ length: Math.min(o.concurrency ?? 4, targets.length) }, worker));
  return out;
}
