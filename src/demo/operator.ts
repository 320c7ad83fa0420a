/**
 * Driving the running demo's simulated ACEs the way an operator would: an SSH login to
 * the device (host key pinned from the demo's state file), `changeto`, then commands
 * typed one by one, each waiting for the prompt. The simulator reacts exactly as to a
 * person: 111008 per command, auto-sync to the standby, 727012 on a switchover.
 */
import { openAceSession, type AceSession } from '../devices/ace-session.js';
import { parseFtGroups } from '../parse/cli/ft-group.js';
import type { DemoState } from './state-file.js';

const CONNECT_TIMEOUT_MS = 5_000;
const COMMAND_TIMEOUT_MS = 10_000;

export async function withDevice<T>(state: DemoState, device: string, fn: (s: AceSession) => Promise<T>): Promise<T> {
  const d = state.devices.find((x) => x.name === device);
  if (!d) throw new Error(`the demo has no device '${device}'`);
  const s = await openAceSession({
    host: d.host,
    port: d.port,
    username: state.username,
    password: state.password,
    hostKeySha256: d.hostKeySha256,
    connectTimeoutMs: CONNECT_TIMEOUT_MS,
    commandTimeoutMs: COMMAND_TIMEOUT_MS,
  });
  try {
    return await fn(s);
  } finally {
    await s.close();
  }
}

/** Type lines in `context` (configuration mode when `configure` is set). Returns what the device printed. */
export async function typeLines(
  state: DemoState,
  device: string,
  context: string,
  lines: string[],
  opts: { configure?: boolean } = {},
): Promise<string> {
  return withDevice(state, device, async (s) => {
    await s.changeto(context);
    const out: string[] = [];
    if (opts.configure) out.push(await s.run('configure terminal'));
    try {
      for (const l of lines) out.push(await s.run(l));
    } finally {
      if (opts.configure) await s.run('end').catch(() => undefined);
    }
    return out.filter((o) => o.trim() !== '').join('\n');
  });
}

export interface FtView {
  device: string;
  group: number;
  state: string;
  peerState?: string;
  contexts: string[];
}

/** Every device's FT groups, as `show ft group detail` in Admin prints them. */
export async function ftRoles(state: DemoState): Promise<FtView[]> {
  const out: FtView[] = [];
  for (const d of state.devices) {
    const groups = await withDevice(state, d.name, async (s) => {
      await s.changeto('Admin');
      return parseFtGroups(await s.run('show ft group detail'));
    });
    for (const g of groups)
      out.push({
        device: d.name,
        group: g.group,
        state: g.myState,
        ...(g.peerState !== undefined ? { peerState: g.peerState } : {}),
        contexts: g.contexts,
      });
  }
  return out;
}

/** The active and standby device of the FT group a context belongs to. */
export async function rolesOf(
  state: DemoState,
  context: string,
): Promise<{ group: number; active: string; standby: string; standbyState: string }> {
  const views = (await ftRoles(state)).filter((v) => v.contexts.includes(context));
  const active = views.find((v) => v.state === 'ACTIVE');
  const standby = views.find((v) => v !== active);
  if (!active || !standby)
    throw new Error(
      `no active/standby pair found for ${context} (FT states: ${views.map((v) => `${v.device}=${v.state}`).join(', ') || 'none'})`,
    );
  return { group: active.group, active: active.device, standby: standby.device, standbyState: standby.state };
}
