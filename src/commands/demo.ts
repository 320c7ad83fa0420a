/**
 * `acesync demo change|failover|silence-logging|status`: drive the running demo (see
 * `acesync demo`, what `npm start` runs) as an operator would, over SSH to the
 * simulated ACEs, and say what to watch on the page. Exit 0 with a short description;
 * exit 1 when no demo is running here. Never prints the demo's credentials.
 */
import { resolve } from 'node:path';
import { AcesyncError, EXIT } from '../core/errors.js';
import { inert } from '../core/inert.js';
import { DEMO_TIMINGS } from '../demo/config.js';
import { DEMO_CONTEXTS } from '../demo/spec.js';
import { demoStatePath, isAlive, readDemoState, type DemoState } from '../demo/state-file.js';
import { ftRoles, rolesOf, typeLines } from '../demo/operator.js';
import type { Parsed } from './args.js';

const out = (s: string): void => {
  process.stdout.write(s.endsWith('\n') ? s : s + '\n');
};
/** One output line built from device or simulator text: inert (control characters escaped). */
const line = (s: string): void => out(inert(s));

/** The running demo's state file, or an exit-1 message. */
function runningDemo(dataDir: string): DemoState | string {
  const file = demoStatePath(dataDir);
  const s = readDemoState(file);
  const how = 'Start one with `npm start` (or `acesync demo`), then run this command from the same folder.';
  if (!s) return `acesync demo: no demo is running here (no ${file}). ${how}`;
  if (!isAlive(s.pid))
    return `acesync demo: no demo is running here (${file} was left by process ${s.pid}, which has stopped). ${how}`;
  return s;
}

function pickContext(state: DemoState, name: string | undefined): string {
  const ctx = name ?? state.contexts.find((c) => c !== 'Admin') ?? DEMO_CONTEXTS[0];
  if (!state.contexts.includes(ctx))
    throw new AcesyncError('ACESYNC_USAGE', `the demo has no context '${ctx}' (it has ${state.contexts.join(', ')})`);
  return ctx;
}

function stamp(): { name: string; ip: string } {
  const t = Date.now();
  return {
    name: `DEMO-${t.toString(36).toUpperCase().slice(-6)}`,
    ip: `10.200.${Math.floor(t / 1000) % 250}.${(Math.floor(t / 10) % 250) + 1}`,
  };
}

async function doChange(state: DemoState, o: { standby: boolean; context?: string }): Promise<void> {
  const ctx = pickContext(state, o.context);
  const r = await rolesOf(state, ctx);
  const device = o.standby ? r.standby : r.active;
  const { name, ip } = stamp();
  await typeLines(state, device, ctx, [`rserver host ${name}`, `ip address ${ip}`, 'inservice'], { configure: true });
  out(`Typed on ${device} (${o.standby ? 'standby' : 'active'} of FT group ${r.group}), context ${ctx}:`);
  out(`  configure terminal / rserver host ${name} / ip address ${ip} / inservice / end`);
  out('');
  if (o.standby) {
    out(
      `A change on the standby is not replicated back, and ANM never deploys to a standby: its copy of ${device}/${ctx} is now stale.`,
    );
    out(
      `Watch ${state.url}: ${ctx} on ${device} goes suspect -> stale -> syncing -> in-sync (settle window, audit, upload, re-audit),`,
    );
    out(`and a warning that ${ctx} was changed on the standby. ${r.active} is suspected too and confirmed in sync.`);
  } else {
    out(`ft auto-sync copied it to ${r.standby}; each peer reported the command (111008).`);
    out(`Watch ${state.url}: ${ctx} on ${r.active} and ${r.standby} goes suspect -> stale -> syncing -> in-sync`);
    out(
      `(a settle window of ${DEMO_TIMINGS.settleMs / 1000} s, an SSH audit of each peer, an upload to ANM each, a confirming audit).`,
    );
  }
}

async function doFailover(state: DemoState, o: { context?: string }): Promise<void> {
  const ctx = pickContext(state, o.context);
  const r = await rolesOf(state, ctx);
  const printed = await typeLines(state, r.active, 'Admin', [`ft switchover ${r.group}`]);
  if (/Error|Invalid/.test(printed))
    throw new AcesyncError('ACESYNC_SSH', `${r.active} refused the switchover: ${printed.trim().slice(0, 200)}`);
  out(`Typed on ${r.active} (Admin): ft switchover ${r.group}`);
  out(`FT group ${r.group} (${ctx}) is now active on ${r.standby}; ${r.active} is its standby. Both sent 727012.`);
  out('');
  out(`Watch ${state.url}: ${ctx} on both peers turns suspect at once, is audited after a 10 s settle window, and`);
  out(
    "returns to in-sync (nothing changed in the configuration), or goes stale -> uploaded where ANM's copy is out of date.",
  );
  out(
    'An info alert says the failover happened; a warning follows if a context is not confirmed in sync within 15 minutes.',
  );
}

async function doSilenceLogging(state: DemoState, o: { context?: string; undo: boolean }): Promise<void> {
  const ctx = pickContext(state, o.context);
  const r = await rolesOf(state, ctx);
  const line = o.undo
    ? `logging host ${state.syslog.host} udp/${state.syslog.port}`
    : `no logging host ${state.syslog.host}`;
  await typeLines(state, r.standby, ctx, [line], { configure: true });
  out(`Typed on ${r.standby} (standby of FT group ${r.group}), context ${ctx}: ${line}`);
  out('');
  if (o.undo) {
    out(
      `${ctx} on ${r.standby} logs to acesync again. Watch ${state.url}: the logging alerts resolve at the next audit, and`,
    );
    out(`${ctx} on ${r.standby} goes stale -> uploaded -> in-sync (the restored line is a change too).`);
    return;
  }
  out(`${ctx} on ${r.standby} no longer sends syslog to acesync. acesync heard the command all the same, through its`);
  out('second channel (the context forwards syslog as SNMP traps), so:');
  out(`  - a critical alert fires at once ("notifications ... may be silenced");`);
  out(
    `  - ${r.standby} and ${r.active} are polled fast (an audit every ${DEMO_TIMINGS.fastIntervalMs / 1000} s instead of every ${DEMO_TIMINGS.auditIntervalMs / 1000} s);`,
  );
  out(
    `  - the next audit reports the logging drift (logging host ${state.syslog.host} missing) and uploads the changed ${ctx}.`,
  );
  out(`Undo with: acesync demo silence-logging --undo${o.context ? ` --context ${ctx}` : ''}`);
}

interface AnmStateView {
  copies?: Array<{ device: string; context: string; sha256: string }>;
  history?: Array<{ ok: boolean }>;
}

async function doStatus(state: DemoState): Promise<void> {
  out(`demo running since ${state.startedAt} (pid ${state.pid}); page: ${state.url}`);
  let anm: AnmStateView = {};
  try {
    const res = await fetch(`${state.anm.controlUrl}/state`, { signal: AbortSignal.timeout(5_000) });
    anm = (await res.json()) as AnmStateView;
  } catch (err) {
    line(`(the simulated ANM did not answer: ${(err as Error).message})`);
  }
  const roles = await ftRoles(state).catch((err: unknown) => {
    line(`(could not read FT roles: ${(err as Error).message})`);
    return [];
  });
  const { StoreReader } = await import('../store/reader.js');
  let reader;
  try {
    reader = StoreReader.open(state.store);
  } catch (err) {
    line(`(cannot read acesync's state database ${state.store}: ${(err as Error).message})`);
  }
  const rows: string[][] = [['device', 'context', 'FT role', 'acesync state', 'since', 'ANM copy']];
  try {
    for (const d of state.devices) {
      for (const c of state.contexts) {
        const role = roles.find((v) => v.device === d.name && v.contexts.includes(c))?.state ?? '?';
        const st = reader?.context(d.name, c);
        const copy = anm.copies?.find((x) => x.device === d.name && x.context === c);
        rows.push(
          [
            d.name,
            c,
            role,
            st?.sync ?? '-',
            st ? new Date(st.since).toISOString().slice(11, 19) : '-',
            copy ? copy.sha256.slice(0, 12) : 'none',
          ].map(inert),
        );
      }
    }
  } finally {
    reader?.close();
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  for (const r of rows)
    out(
      r
        .map((v, i) => v.padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    );
  if (anm.history)
    out(
      `ANM uploads so far: ${anm.history.filter((h) => h.ok).length} ok, ${anm.history.filter((h) => !h.ok).length} failed`,
    );
}

/** Runs one demo command against the demo running in `--data` (exit 1 when there is none). */
async function withDemo(args: Parsed, fn: (state: DemoState) => Promise<void>): Promise<number> {
  const state = runningDemo(resolve(args.string('data') ?? 'data'));
  if (typeof state === 'string') {
    process.stderr.write(state + '\n');
    return EXIT.FAILURE;
  }
  try {
    await fn(state);
  } catch (err) {
    if (err instanceof AcesyncError && err.code === 'ACESYNC_USAGE') throw err;
    process.stderr.write(`acesync ${args.path.join(' ')}: ${(err as Error).message}\n`);
    return EXIT.FAILURE;
  }
  return EXIT.OK;
}

const contextOf = (args: Parsed): { context?: string } => {
  const c = args.string('context');
  return c !== undefined ? { context: c } : {};
};

export const change = (args: Parsed): Promise<number> =>
  withDemo(args, (s) => doChange(s, { standby: args.bool('standby'), ...contextOf(args) }));
export const failover = (args: Parsed): Promise<number> => withDemo(args, (s) => doFailover(s, contextOf(args)));
export const silenceLogging = (args: Parsed): Promise<number> =>
  withDemo(args, (s) => doSilenceLogging(s, { undo: args.bool('undo'), ...contextOf(args) }));
export const status = (args: Parsed): Promise<number> => withDemo(args, doStatus);
