/**
 * Reload of the listener sections (syslog UDP/TCP, SNMP): a slot whose keys changed gets a listener built from
 * the new configuration. When the new one binds other ports than the old, it starts first and the old stops
 * after (nothing is missed); when it takes over a port of the old, the old stops first. A new listener that
 * cannot bind (port busy) is stopped, the old configuration's listener is put back, and the reload is refused
 * with the listener's ACESYNC_LISTEN message, which names the key (`syslog.udp.port`, ...).
 */
import type { Config } from '../config/schema.js';
import type { LoadedConfig } from '../config/load.js';
import { AcesyncError } from '../core/errors.js';
import type { Logger } from '../core/log.js';
import type { Listener } from '../ingest/types.js';
import type { LiveControls } from './app.js';
import { boundPorts, listenerKeyPrefixes, type ListenerSlot } from './listeners.js';
import { under } from './reload-keys.js';

export type ListenerSwapOutcome = { ok: true; swapped: string[] } | { ok: false; problem: string };

/** `file:line:col message` when the error names the key it is about (as `acesync start` prints it). */
function locatedProblem(err: unknown, loaded: LoadedConfig): string {
  if (!(err instanceof AcesyncError)) return err instanceof Error ? err.message : String(err);
  const key = (err.details as { key?: string[] } | undefined)?.key;
  const text = `${err.code}: ${err.message}`;
  if (!key || !loaded.src || !loaded.file) return text;
  const at = loaded.src.locate(key);
  return `${[loaded.file, at.line, at.column].filter((x) => x !== undefined).join(':')} ${text}`;
}

async function stopQuietly(l: Listener | undefined, logger: Logger): Promise<void> {
  await l?.stop().catch((err) => logger.warn({ err }, 'listener stop failed'));
}

/** Put a slot back on the previous configuration's listener (a fresh one: the replaced one may be half-stopped). */
async function restore(slot: ListenerSlot, live: LiveControls, prev: Config, logger: Logger): Promise<void> {
  await stopQuietly(slot.listener, logger);
  const back = live.makeListener(slot.name, prev);
  try {
    await back?.start();
    slot.listener = back;
  } catch (err) {
    slot.listener = undefined;
    logger.error({ err, listener: slot.name }, 'the previous listener could not be started again: it is down');
  }
}

/** Swap one slot; throws the new listener's error after putting the old one back. */
async function swapOne(
  slot: ListenerSlot,
  live: LiveControls,
  prev: Config,
  next: Config,
  logger: Logger,
): Promise<void> {
  const old = slot.listener;
  const fresh = live.makeListener(slot.name, next);
  const oldPorts = new Set(boundPorts(slot.name, prev));
  const takesOver = boundPorts(slot.name, next).some((p) => oldPorts.has(p));
  if (!takesOver) {
    // Start the new one beside the old: a failure leaves the old one running, untouched.
    await fresh?.start();
    slot.listener = fresh;
    await stopQuietly(old, logger);
    return;
  }
  await stopQuietly(old, logger);
  slot.listener = undefined;
  try {
    await fresh?.start();
    slot.listener = fresh;
  } catch (err) {
    await restore(slot, live, prev, logger);
    throw err;
  }
}

/**
 * Rebuild every listener whose configuration changed (`changed`: the dotted keys). On a failure the slots
 * already swapped go back to the previous configuration too, and the outcome carries the located problem.
 */
export async function swapListeners(
  live: LiveControls,
  prev: Config,
  next: LoadedConfig,
  changed: readonly string[],
  logger: Logger,
): Promise<ListenerSwapOutcome> {
  const done: ListenerSlot[] = [];
  for (const slot of live.slots) {
    if (!changed.some((k) => listenerKeyPrefixes(slot.name).some((p) => under(k, p)))) continue;
    try {
      await swapOne(slot, live, prev, next.config, logger);
      done.push(slot);
      logger.info(
        { listener: slot.name, addresses: slot.listener?.addresses() ?? [] },
        slot.listener
          ? 'listener rebuilt from the new configuration'
          : 'listener stopped: the new configuration disables it',
      );
    } catch (err) {
      for (const s of done.reverse()) await restore(s, live, prev, logger);
      return { ok: false, problem: locatedProblem(err, next) };
    }
  }
  return { ok: true, swapped: done.map((s) => s.name) };
}
