/**
 * FT (HA) behaviour between two simulated devices: auto-sync replication of the active's
 * context configuration to the standby, the standby going STANDBY_COLD when it lacks a
 * crypto file the configuration references (reference 2.5, 4.6), switchover, device
 * failure and recovery, each with the 727xxx messages a real pair sends.
 */
import { cloneTree, type ConfigNode } from './config-tree.js';
import { ADMIN, STARTUP_SYNC_DONE, SYNC_DONE, type SimDevice } from './device.js';
import type { SimContext } from './context.js';

/** Admin lines that belong to one device and are never replicated (hostname, FT setup). */
function deviceLocal(n: ConfigNode): boolean {
  return /^hostname\s/.test(n.line) || /^ft (?:peer|group|interface|track)\s/.test(n.line);
}

function setState(dev: SimDevice, group: number, state: string, reason: string): void {
  const rt = dev.ftState(group);
  if (rt.state === state) return;
  rt.state = state;
  rt.since = dev.net.clock.now();
  const members = dev.ftGroups().find((g) => g.id === group)?.contexts ?? [];
  for (const c of members)
    dev.emit(
      c,
      6,
      '727012',
      `${dev.hostname}: HA: FT Group ${group} changed state to FSM_FT_STATE_${state}. Reason: ${reason}.`,
      { ha: true },
    );
}

/** The peer of `dev` when it is up and the pair can talk. */
function livePeer(dev: SimDevice): SimDevice | undefined {
  return dev.up && dev.peer?.up ? dev.peer : undefined;
}

/**
 * Copy a context's configuration from the active to the standby. Admin keeps the
 * standby's own device-local lines, and contexts defined in Admin appear (or go) on the
 * standby. Returns the standby's context.
 */
function copyContext(active: SimDevice, standby: SimDevice, name: string): SimContext | undefined {
  const src = active.contexts.get(name);
  if (!src) return undefined;
  let dst = standby.contexts.get(name);
  if (!dst) dst = standby.addContext(name, '', undefined);
  if (name === ADMIN) {
    const local = dst.tree.filter(deviceLocal);
    dst.tree = [...local, ...cloneTree(src.tree.filter((n) => !deviceLocal(n)))];
    // Contexts follow Admin's `context X` definitions.
    const defined = new Set(
      src.tree.map((n) => /^context (\S+)$/.exec(n.line)?.[1]).filter((x): x is string => x !== undefined),
    );
    for (const c of defined) if (!standby.contexts.has(c)) standby.addContext(c);
    for (const c of [...standby.contexts.keys()])
      if (c !== ADMIN && !defined.has(c) && active.contexts.has(c) === false) standby.contexts.delete(c);
  } else {
    dst.tree = cloneTree(src.tree);
  }
  dst.touch();
  return dst;
}

/** Check the standby has every crypto file the replicated configuration references. */
function checkStandby(standby: SimDevice, group: number, kind: 'Incremental' | 'Bulk'): boolean {
  const members = standby.ftGroups().find((g) => g.id === group)?.contexts ?? [];
  const now = standby.net.clock.now();
  let ok = true;
  const reasons: string[] = [];
  for (const name of members) {
    const ctx = standby.contexts.get(name);
    if (!ctx) continue;
    const errors = ctx
      .cryptoReferences()
      .filter((r) => !ctx.crypto.has(r.file))
      .map((r) => ({
        command: r.command,
        error: `Unable to locate the ${r.kind === 'cert' ? 'certificate' : 'key'} file '${r.file}'`,
      }));
    ctx.configErrors = errors;
    ctx.configErrorsAt = now;
    if (errors.length > 0) {
      ok = false;
      reasons.push(`${errors[0]!.error}`);
      standby.emit(
        name,
        3,
        '727005',
        `${standby.hostname}: HA: Config replication failed for context ${name}. Error : ${errors[0]!.error}`,
        { ha: true },
      );
    }
  }
  const rt = standby.ftState(group);
  const active = standby.peer;
  if (!ok) {
    const why = `${kind} Sync Failure: ${reasons[0] ?? 'config error'}`;
    rt.runningSync = why;
    if (active) active.ftState(group).runningSync = `Peer in Cold State. ${why}`;
    setState(standby, group, 'STANDBY_COLD', `${kind} sync failure`);
  } else if (kind === 'Bulk' || rt.state !== 'STANDBY_COLD') {
    rt.runningSync = SYNC_DONE;
    rt.startupSync = STARTUP_SYNC_DONE;
    if (active) {
      active.ftState(group).runningSync = SYNC_DONE;
      active.ftState(group).startupSync = STARTUP_SYNC_DONE;
    }
    if (rt.state !== 'ACTIVE') setState(standby, group, 'STANDBY_HOT', 'Bulk sync completed');
  }
  return ok;
}

/**
 * After a configuration change in `context` on `dev`: if `dev` is the active of the
 * context's FT group and the context has `ft auto-sync running-config`, replicate it to
 * the standby (dynamic sync). Replication is not a user executing a command, so the
 * standby sends no 111008 for it (an assumption: the reference does not say; were a real
 * standby to log replicated commands, rules/standby-change.yaml would need to tell the two
 * apart). A command typed on the standby itself is logged if `logging standby` is set.
 */
export function afterConfigChange(dev: SimDevice, context: string, _user: string, _command: string): void {
  const group = dev.groupOf(context);
  const peer = livePeer(dev);
  if (group === undefined || !peer || dev.ftState(group).state !== 'ACTIVE') return;
  const src = dev.contexts.get(context);
  if (!src || !src.autoSync()) {
    dev.ftState(group).runningSync = 'Running configuration sync is disabled';
    return;
  }
  const hadContext = new Set(peer.contexts.keys());
  copyContext(dev, peer, context);
  if (context === ADMIN) {
    for (const c of peer.contexts.keys())
      if (!hadContext.has(c)) peer.emit(ADMIN, 5, '504001', `Security context ${c} was added to the system`);
    for (const c of hadContext)
      if (!peer.contexts.has(c)) peer.emit(ADMIN, 5, '504002', `Security context ${c} was removed from the system`);
  }
  checkStandby(peer, group, 'Incremental');
}

/** Bulk sync of a group from whichever device is active to the other (peer up, auto-sync re-enabled). */
export function bulkSync(dev: SimDevice, group: number): boolean {
  const peer = livePeer(dev);
  if (!peer) return false;
  const [active, standby] = dev.ftState(group).state === 'ACTIVE' ? [dev, peer] : [peer, dev];
  const members = active.ftGroups().find((g) => g.id === group)?.contexts ?? [];
  for (const c of members) if (active.contexts.get(c)?.autoSync()) copyContext(active, standby, c);
  return checkStandby(standby, group, 'Bulk');
}

export class FtError extends Error {}

/** `ft switchover [group] [force]` on `dev`, which must be the group's active. */
export function switchover(dev: SimDevice, group: number, force = false): void {
  const peer = livePeer(dev);
  const rt = dev.ftState(group);
  if (rt.state !== 'ACTIVE')
    throw new FtError('Switchover can only be initiated from the active member of the FT group');
  if (!peer) throw new FtError('Peer is not reachable, switchover not possible');
  const ps = peer.ftState(group).state;
  if (ps !== 'STANDBY_HOT' && !force) throw new FtError(`Peer is in ${ps} state, use 'ft switchover ${group} force'`);
  setState(peer, group, 'ACTIVE', 'Switchover requested by user');
  setState(dev, group, 'STANDBY_HOT', 'Switchover requested by user');
  // The new standby receives the new active's configuration.
  bulkSync(peer, group);
}

/** Power loss: the peer takes every group over. */
export function failDevice(dev: SimDevice): void {
  if (!dev.up) return;
  dev.up = false;
  const peer = dev.peer;
  if (!peer?.up) return;
  for (const g of peer.ftGroups()) setState(peer, g.id, 'ACTIVE', 'Peer down');
}

/** Back from failure: rejoin every group as standby, after a bulk sync from the active. */
export function recoverDevice(dev: SimDevice): void {
  if (dev.up) return;
  dev.up = true;
  const peer = dev.peer;
  for (const g of dev.ftGroups()) {
    if (!peer?.up) {
      dev.ftState(g.id).state = 'ACTIVE';
      continue;
    }
    // Quietly reset: a rebooted device comes up in INIT, not in its old role.
    const rt = dev.ftState(g.id);
    rt.state = 'STANDBY_CONFIG';
    rt.since = dev.net.clock.now();
    for (const c of g.contexts)
      peer.emit(c, 6, '727013', `${peer.hostname}: HA: Peer 1 is UP and reachable.`, { ha: true });
    bulkSync(dev, g.id);
  }
}
