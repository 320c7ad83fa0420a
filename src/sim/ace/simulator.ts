/**
 * `AceSimulator`: start N simulated ACE devices (usually an HA pair) in-process, each an
 * SSH server on loopback with the ACE CLI, and drive them from tests, benchmarks and the
 * demo: read/write configurations, type commands as a user, add/remove crypto files,
 * switch over, fail and recover devices, and see every syslog/trap they sent.
 */
import { readFileSync } from 'node:fs';
import { systemClock, type Clock } from '../../core/clock.js';
import { addLine, findBlock, parseConfigTree, type ConfigNode } from './config-tree.js';
import { CliSession } from './cli.js';
import { ADMIN, SimDevice, type EmittedMessage, type SimNetwork, type SimUser } from './device.js';
import type { CryptoFile } from './context.js';
import { SyslogSender, TrapSender } from './emitters.js';
import { bulkSync, failDevice, recoverDevice, switchover } from './ha.js';
import { shorthandLines, validateSimSpec, type DeviceSpec, type SimSpec, type SimSpecInput } from './spec.js';
import { generateHostKey, SimSshServer } from './ssh-server.js';
import { mintSelfSigned } from './x509.js';

export interface SimulatorOptions {
  clock?: Clock;
  /** Most messages kept in `sent` (oldest dropped). Default 10 000. */
  maxRecorded?: number;
  /** Do not start SSH servers (the stdio CLI serves one device without them). */
  noSsh?: boolean;
}

export interface DeviceEndpoint {
  device: string;
  hostname: string;
  host: string;
  port: number;
  hostKeySha256: string;
  legacyOnly: boolean;
}

function ensureBlock(tree: ConfigNode[], header: string, children: string[]): void {
  let b = findBlock(tree, header);
  if (!b) b = addLine(tree, header, true);
  for (const c of children) addLine(b.children, c);
}

/** Build one device's state from its spec (no sockets). `shared` makes generated crypto identical on both peers. */
export function buildDevice(d: DeviceSpec, net: SimNetwork, shared: Map<string, string>): SimDevice {
  const users: SimUser[] = d.users.map((u) => ({
    username: u.username,
    password: u.password,
    authorizedKeys: u.authorized_keys,
    context: u.context,
  }));
  const adminSpec = d.contexts.find((c) => c.name === ADMIN);
  const dev = new SimDevice(d.name, net, users, adminSpec?.config ?? '', adminSpec?.source);
  dev.lockStandbyConfig = d.lock_standby_config;
  const admin = dev.admin.tree;
  if (!admin.some((n) => /^hostname\s/.test(n.line)))
    admin.unshift({ line: `hostname ${d.hostname ?? d.name}`, children: [] });
  const groups = new Map<number, string[]>();
  for (const c of d.contexts) {
    const ctx = c.name === ADMIN ? dev.admin : dev.addContext(c.name, c.config, c.source);
    const tree: ConfigNode[] = ctx.tree;
    for (const l of shorthandLines(c)) addLine(tree, l, true);
    if (c.name !== ADMIN && !findBlock(admin, `context ${c.name}`)) ensureBlock(admin, `context ${c.name}`, []);
    if (c.ft_group !== undefined) groups.set(c.ft_group, [...(groups.get(c.ft_group) ?? []), c.name]);
    for (const f of c.crypto) {
      let pem = f.pem;
      if (pem === undefined) {
        const key = `${c.name}/${f.name}/${f.type}`;
        pem = shared.get(key);
        if (pem === undefined) {
          const m = mintSelfSigned(f.subject ?? f.name);
          pem = f.type === 'cert' ? m.cert : m.key;
          shared.set(key, pem);
        }
      }
      ctx.addCrypto({ name: f.name, kind: f.type, exportable: f.exportable, pem });
    }
    ctx.touch();
  }
  if (groups.size > 0 && d.peer !== undefined && !admin.some((n) => /^ft peer /.test(n.line)))
    ensureBlock(admin, 'ft peer 1', ['heartbeat interval 300', 'heartbeat count 10']);
  for (const [g, members] of groups)
    ensureBlock(admin, `ft group ${g}`, [
      'peer 1',
      `priority ${d.role === 'standby' ? 100 : 110}`,
      `peer priority ${d.role === 'standby' ? 110 : 100}`,
      ...members.map((m) => `associate-context ${m}`),
      'inservice',
    ]);
  dev.admin.touch();
  return dev;
}

export class AceSimulator {
  readonly devices = new Map<string, SimDevice>();
  readonly servers = new Map<string, SimSshServer>();
  readonly spec: SimSpec;
  /** SSH logins open now, and the most open at once (across all devices). */
  readonly sessions = { active: 0, peak: 0 };
  /** Every syslog/trap sent, oldest first (bounded). */
  readonly sent: EmittedMessage[] = [];
  readonly #net: SimNetwork;
  readonly #syslog = new SyslogSender();
  readonly #traps = new TrapSender();
  readonly #max: number;
  #listeners = new Set<(m: EmittedMessage) => void>();

  private constructor(spec: SimSpec, opts: SimulatorOptions) {
    this.spec = spec;
    this.#max = opts.maxRecorded ?? 10_000;
    this.#net = {
      clock: opts.clock ?? systemClock,
      syslog: this.#syslog,
      traps: this.#traps,
      record: (m) => {
        this.sent.push(m);
        if (this.sent.length > this.#max) this.sent.splice(0, this.sent.length - this.#max);
        for (const l of this.#listeners) l(m);
      },
    };
  }

  /** Build the devices, wire peers, bulk-sync FT groups, and start one SSH server per device. */
  static async start(input: SimSpecInput | SimSpec, opts: SimulatorOptions = {}): Promise<AceSimulator> {
    const spec = validateSimSpec(input);
    const sim = new AceSimulator(spec, opts);
    const shared = new Map<string, string>();
    for (const d of spec.devices) sim.devices.set(d.name, buildDevice(d, sim.#net, shared));
    const paired = new Set<string>();
    for (const d of spec.devices) {
      const dev = sim.devices.get(d.name)!;
      const peerName = d.peer ?? spec.devices.find((x) => x.peer === d.name)?.name;
      if (peerName === undefined) continue;
      const peer = sim.devices.get(peerName)!;
      dev.peer = peer;
      peer.peer = dev;
      if (paired.has(d.name)) continue;
      paired.add(d.name).add(peerName);
      const peerSpec = spec.devices.find((x) => x.name === peerName)!;
      const firstActive = d.role === 'standby' || peerSpec.role === 'active' ? peer : dev;
      const second = firstActive === dev ? peer : dev;
      for (const g of firstActive.ftGroups()) {
        firstActive.ftState(g.id).state = 'ACTIVE';
        second.ftState(g.id).state = 'STANDBY_HOT';
      }
      for (const g of firstActive.ftGroups()) bulkSync(firstActive, g.id);
    }
    if (!opts.noSsh) {
      try {
        for (const d of spec.devices) {
          const hostKey = d.ssh.host_key_file
            ? readFileSync(d.ssh.host_key_file, 'utf8')
            : generateHostKey(d.ssh.legacy_only);
          const server = new SimSshServer(
            sim.devices.get(d.name)!,
            { host: d.ssh.host, port: d.ssh.port, hostKey, legacyOnly: d.ssh.legacy_only },
            sim.sessions,
          );
          sim.servers.set(d.name, server);
          await server.listen();
        }
      } catch (err) {
        await sim.stop();
        throw err;
      }
    }
    return sim;
  }

  device(name: string): SimDevice {
    const d = this.devices.get(name);
    if (!d) throw new Error(`no simulated device '${name}'`);
    return d;
  }

  endpoints(): DeviceEndpoint[] {
    return [...this.servers.entries()].map(([name, s]) => ({
      device: name,
      hostname: this.device(name).hostname,
      host: s.opts.host,
      port: s.port,
      hostKeySha256: s.hostKeySha256,
      legacyOnly: s.opts.legacyOnly,
    }));
  }

  endpoint(name: string): DeviceEndpoint {
    const e = this.endpoints().find((x) => x.device === name);
    if (!e) throw new Error(`no SSH server for '${name}'`);
    return e;
  }

  /** Successful SSH logins across all devices. */
  get sessionsOpened(): number {
    let n = 0;
    for (const s of this.servers.values()) n += s.sessionsOpened;
    return n;
  }

  /** Called for each syslog/trap as it is sent. Returns an unsubscribe function. */
  onMessage(fn: (m: EmittedMessage) => void): () => void {
    this.#listeners.add(fn);
    return () => this.#listeners.delete(fn);
  }

  // ------------------------------------------------------------------ test API

  getRunningConfig(device: string, context: string): string {
    const c = this.device(device).contexts.get(context);
    if (!c) throw new Error(`no context '${context}' on '${device}'`);
    return c.text();
  }

  /** Replace a context's configuration silently (no syslog, no replication): drift behind everyone's back. */
  setRunningConfig(device: string, context: string, text: string): void {
    const dev = this.device(device);
    const c = dev.contexts.get(context) ?? dev.addContext(context);
    c.tree = parseConfigTree(text);
    c.touch();
  }

  /**
   * Type commands as a user would on the CLI (changeto first when `context` is not the
   * user's home), with all side effects: 111008, replication, 504001, switchover.
   * Returns what the device printed.
   */
  type(device: string, context: string, commands: string | string[], opts: { user?: string } = {}): string {
    const dev = this.device(device);
    const user =
      opts.user !== undefined
        ? dev.users.find((u) => u.username === opts.user)
        : (dev.users.find((u) => u.context === ADMIN) ?? dev.users[0]);
    if (!user) throw new Error(`no user '${opts.user}' on '${device}'`);
    const cli = new CliSession(dev, user);
    let out = '';
    if (cli.context !== context) out += cli.line(`changeto ${context}`);
    for (const c of Array.isArray(commands) ? commands : [commands]) out += cli.line(c);
    return out;
  }

  /** `configure terminal`, the lines, `end`, in `context`. */
  configure(device: string, context: string, lines: string[], opts: { user?: string } = {}): string {
    return this.type(device, context, ['configure terminal', ...lines, 'end'], opts);
  }

  addCryptoFile(
    device: string,
    context: string,
    file: Partial<CryptoFile> & { name: string; kind: 'cert' | 'key' },
  ): CryptoFile {
    const c = this.device(device).contexts.get(context);
    if (!c) throw new Error(`no context '${context}' on '${device}'`);
    const pem = file.pem ?? (file.kind === 'cert' ? mintSelfSigned(file.name).cert : mintSelfSigned(file.name).key);
    const f: CryptoFile = { name: file.name, kind: file.kind, exportable: file.exportable ?? true, pem };
    c.addCrypto(f);
    return f;
  }

  removeCryptoFile(device: string, context: string, name: string): boolean {
    return this.device(device).contexts.get(context)?.crypto.delete(name) ?? false;
  }

  cryptoFiles(device: string, context: string): CryptoFile[] {
    return [...(this.device(device).contexts.get(context)?.crypto.values() ?? [])];
  }

  ftState(device: string, group: number): { state: string; peerState: string } {
    const d = this.device(device);
    return { state: d.ftState(group).state, peerState: d.peerState(group) };
  }

  /** Switch a group over from its active (found automatically unless named). */
  switchover(group: number, opts: { device?: string; force?: boolean } = {}): void {
    const dev =
      opts.device !== undefined
        ? this.device(opts.device)
        : [...this.devices.values()].find(
            (d) => d.up && d.ftGroups().some((g) => g.id === group) && d.ftState(group).state === 'ACTIVE',
          );
    if (!dev) throw new Error(`no active device for FT group ${group}`);
    switchover(dev, group, opts.force);
  }

  /** Power loss: SSH stops answering, the peer takes over every group (727012). */
  async failDevice(name: string): Promise<void> {
    const dev = this.device(name);
    failDevice(dev);
    await this.servers.get(name)?.close();
  }

  /** Power back: SSH listens on the same port, the device rejoins as standby after a bulk sync. */
  async recoverDevice(name: string): Promise<void> {
    const dev = this.device(name);
    if (dev.up) return;
    await this.servers.get(name)?.listen();
    recoverDevice(dev);
  }

  bulkSync(group: number, device?: string): boolean {
    const dev =
      device !== undefined
        ? this.device(device)
        : [...this.devices.values()].find((d) => d.ftGroups().some((g) => g.id === group));
    if (!dev) throw new Error(`no device with FT group ${group}`);
    return bulkSync(dev, group);
  }

  /** Messages sent so far matching a filter. */
  messages(filter: Partial<Pick<EmittedMessage, 'device' | 'context' | 'kind' | 'id'>> = {}): EmittedMessage[] {
    return this.sent.filter((m) => Object.entries(filter).every(([k, v]) => m[k as keyof EmittedMessage] === v));
  }

  async stop(): Promise<void> {
    await Promise.all([...this.servers.values()].map((s) => s.close()));
    await this.#syslog.close();
    this.#traps.close();
  }
}
