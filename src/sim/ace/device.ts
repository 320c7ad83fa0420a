/**
 * One simulated ACE: hostname, contexts, FT group roles, users, and how its contexts
 * emit syslog and traps. HA behaviour between two devices lives in `ha.ts`; the CLI in
 * `cli.ts`; the SSH front end in `ssh-server.ts`.
 */
import type { Clock } from '../../core/clock.js';
import { DEFAULT_FACILITY, messageReachesHosts } from '../../parse/cli/logging.js';
import { SimContext } from './context.js';
import { formatAceSyslog, type SyslogSender, type TrapSender } from './emitters.js';

export const ADMIN = 'Admin';

/** What a device sent, kept (bounded) so tests can see it without a receiver. */
export interface EmittedMessage {
  at: number;
  device: string;
  context: string;
  kind: 'syslog' | 'trap';
  id: string;
  target: string;
  /** The syslog line, or the trap's message text. */
  text: string;
}

/** Shared by every device of a simulator: senders, clock, the record of what was sent. */
export interface SimNetwork {
  clock: Clock;
  syslog: SyslogSender;
  traps: TrapSender;
  record(m: EmittedMessage): void;
}

export interface SimUser {
  username: string;
  password?: string;
  /** OpenSSH public key lines (`ssh-ed25519 AAAA... comment`). */
  authorizedKeys: string[];
  /** Context the user lands in; only Admin users may `changeto`. */
  context: string;
}

export interface FtRuntime {
  state: string;
  since: number;
  runningSync: string;
  startupSync: string;
}

export interface FtGroupConfig {
  id: number;
  contexts: string[];
  priority?: number;
  peerPriority?: number;
  inservice: boolean;
}

export const SYNC_DONE = 'Running configuration sync has completed';
export const STARTUP_SYNC_DONE = 'Startup configuration sync has completed';

export class SimDevice {
  readonly name: string;
  readonly contexts = new Map<string, SimContext>();
  readonly ft = new Map<number, FtRuntime>();
  readonly users: SimUser[];
  readonly net: SimNetwork;
  readonly bootedAt: number;
  peer: SimDevice | undefined;
  up = true;
  /** Refuse configuration mode on a standby whose context has auto-sync on (ACE locks it). */
  lockStandbyConfig = false;
  #nextContextId = 1;
  #historyIndex = 0;

  constructor(name: string, net: SimNetwork, users: SimUser[], adminConfig = '', adminSource?: string) {
    this.name = name;
    this.net = net;
    this.users = users;
    this.bootedAt = net.clock.now();
    this.contexts.set(ADMIN, new SimContext(ADMIN, 0, adminConfig, adminSource));
  }

  get admin(): SimContext {
    return this.contexts.get(ADMIN)!;
  }

  /** `hostname X` in Admin, else the device name. */
  get hostname(): string {
    const h = this.admin.tree.find((n) => /^hostname\s/.test(n.line));
    return h ? h.line.split(/\s+/)[1]! : this.name;
  }

  /** Create a context object (no syslog: see `createContextByCommand`). */
  addContext(name: string, config = '', source?: string): SimContext {
    const existing = this.contexts.get(name);
    if (existing) return existing;
    const ctx = new SimContext(name, this.#nextContextId++, config, source);
    this.contexts.set(name, ctx);
    return ctx;
  }

  /** FT groups as configured in Admin (`ft group N` blocks). */
  ftGroups(): FtGroupConfig[] {
    const out: FtGroupConfig[] = [];
    for (const n of this.admin.tree) {
      const m = /^ft group (\d+)$/.exec(n.line);
      if (!m) continue;
      const g: FtGroupConfig = { id: Number(m[1]), contexts: [], inservice: false };
      for (const c of n.children) {
        let k: RegExpExecArray | null;
        if ((k = /^associate-context (\S+)$/.exec(c.line))) g.contexts.push(k[1]!);
        else if ((k = /^priority (\d+)$/.exec(c.line))) g.priority = Number(k[1]);
        else if ((k = /^peer priority (\d+)$/.exec(c.line))) g.peerPriority = Number(k[1]);
        else if (c.line === 'inservice') g.inservice = true;
      }
      out.push(g);
    }
    return out;
  }

  groupOf(context: string): number | undefined {
    return this.ftGroups().find((g) => g.contexts.includes(context))?.id;
  }

  ftState(group: number): FtRuntime {
    let r = this.ft.get(group);
    if (!r) {
      r = { state: 'ACTIVE', since: this.net.clock.now(), runningSync: SYNC_DONE, startupSync: STARTUP_SYNC_DONE };
      this.ft.set(group, r);
    }
    return r;
  }

  /** The peer's role for a group as this device sees it. */
  peerState(group: number): string {
    if (!this.peer || !this.peer.up || !this.up) return 'UNKNOWN';
    return this.peer.ftState(group).state;
  }

  /** Non-redundant contexts are always active. */
  isActiveFor(context: string): boolean {
    const g = this.groupOf(context);
    return g === undefined || this.ftState(g).state === 'ACTIVE';
  }

  uptimeCs(): number {
    return Math.floor((this.net.clock.now() - this.bootedAt) / 10);
  }

  /**
   * A context emits a message. Syslog goes to each `logging host` when logging is enabled
   * and the level passes `logging trap` (with per-message overrides); a standby context
   * stays silent unless `logging standby`. HA messages (727xxx) come from the FT
   * subsystem and are sent regardless of the standby gate (simulator choice; reference
   * leaves it unknown). SNMP: HA messages always become clogMessageGenerated to each
   * `snmp-server host`; others only with `snmp-server enable traps syslog` and a
   * `logging history` level that passes.
   */
  emit(contextName: string, severity: number, id: string, text: string, opts: { ha?: boolean } = {}): void {
    const ctx = this.contexts.get(contextName);
    if (!ctx || !this.up) return;
    const log = ctx.logging();
    const standby = !this.isActiveFor(contextName);
    if (standby && !opts.ha && !log.standby) return;
    const now = this.net.clock.now();
    if (messageReachesHosts(log, id, severity)) {
      let deviceId: string | undefined;
      switch (log.deviceId?.kind) {
        case 'hostname':
          deviceId = this.hostname;
          break;
        case 'context-name':
          deviceId = contextName;
          break;
        case 'ipaddress':
          deviceId = ctx.source;
          break;
        case 'string':
          deviceId = log.deviceId.value;
          break;
        default:
          break;
      }
      const line = formatAceSyslog({
        facility: log.facility ?? DEFAULT_FACILITY,
        severity: log.messageLevels[id] ?? severity,
        id,
        text,
        timestampMs: log.timestamp ? now : undefined,
        deviceId,
      });
      for (const h of log.hosts) {
        this.net.syslog.send(ctx.source, { ip: h.ip, port: h.port, protocol: h.protocol }, line);
        this.net.record({
          at: now,
          device: this.name,
          context: contextName,
          kind: 'syslog',
          id,
          target: `${h.ip}:${h.port}`,
          text: line,
        });
      }
    }
    const snmp = ctx.snmp();
    const history = log.history;
    const trapIt = opts.ha || (snmp.syslogTraps && history !== undefined && severity <= history && log.enabled);
    if (trapIt && snmp.hosts.length > 0) {
      const origin =
        log.deviceId?.kind === 'context-name'
          ? { type: 5, id: contextName }
          : log.deviceId?.kind === 'hostname'
            ? { type: 3, id: this.hostname }
            : { type: 1, id: '' };
      for (const h of snmp.hosts) {
        this.net.traps.sendClog(ctx.source, h, {
          severity,
          id,
          text,
          uptimeCs: this.uptimeCs(),
          origin,
          historyIndex: ++this.#historyIndex,
        });
        this.net.record({
          at: now,
          device: this.name,
          context: contextName,
          kind: 'trap',
          id,
          target: `${h.ip}:${h.port}`,
          text,
        });
      }
    }
  }

  /** Command accounting: `%ACE-5-111008: User 'u' executed the 'cmd' command.` */
  executed(contextName: string, user: string, command: string): void {
    this.emit(contextName, 5, '111008', `User '${user}' executed the '${command}' command.`);
  }
}
