/**
 * Discovery, the pure half: from what each device showed (snapshots), work out the HA
 * pairs, each context's FT group and source addresses, and the logging hosts in use, and
 * say what could not be decided. The result renders as acesync.yaml (config/render-yaml).
 *
 * How a pair is recognised (ANM's own rules, anm.md 1.1): the FT interface addresses are
 * reversed between the two devices (`ip address` of one is `peer ip address` of the other);
 * failing that, any peer address one device names (FT, `show ft peer`, Admin interfaces)
 * is an own address of the other and back. More than one candidate is "inconclusive", as
 * ANM calls it, and left to the operator.
 *
 * Sources: each context's own `ip address` lines (never `alias`, which moves with the
 * active role). If both peers show the same `ip address` for a context (a replicated config
 * that was not swapped), the standby's address is taken to be the `peer ip address`, and
 * the report says so. An address claimed twice is dropped, since the config loader would
 * refuse it.
 */
import type { DiscoveredConfig, DiscoveredContext, DiscoveredDevice } from '../../config/render-yaml.js';
import { parseLoggingConfig, type LoggingSettings } from '../../parse/cli/logging.js';
import {
  ftPeerAddresses,
  inSubnet,
  parseFtConfig,
  parseInterfaces,
  type ConfigInterface,
} from '../../parse/cli/interfaces.js';
import type { DeviceSnapshot } from './collect.js';

export interface ReportLine {
  level: 'error' | 'warn' | 'info';
  /** Device (or address when the device could not be read), and context, when the line is about one. */
  device?: string;
  context?: string;
  text: string;
}

export interface AnalyseOptions {
  /** How the written config gets the SSH password: the variable or file discover was given. */
  passwordEnv?: string;
  passwordFile?: string;
  rules?: string;
  anm?: DiscoveredConfig['anm'];
  now: Date;
}

export interface Analysis {
  config: DiscoveredConfig;
  report: ReportLine[];
}

type OkSnapshot = Extract<DeviceSnapshot, { ok: true }>;

interface DeviceView {
  snap: OkSnapshot;
  name: string;
  own: Set<string>;
  peerAddrs: Set<string>;
  ftLocal?: string;
  ftPeer?: string;
  ftVlan?: number;
  groupOf: Map<string, number>;
  stateOf: Map<number, string>;
  contexts: Array<{ name: string; itfs: ConfigInterface[]; logging?: LoggingSettings; error?: string }>;
  hasFt: boolean;
}

const NAME_OK = /^[A-Za-z0-9_.-]{1,64}$/;

function deviceName(hostname: string, host: string, used: Set<string>): string {
  let base = hostname.replace(/[^A-Za-z0-9_.-]/g, '-').slice(0, 56);
  if (!NAME_OK.test(base) || base === '') base = `ace-${host.replace(/[^A-Za-z0-9]/g, '-')}`.slice(0, 56);
  let name = base;
  for (let i = 2; used.has(name); i++) name = `${base}-${i}`;
  used.add(name);
  return name;
}

function view(snap: OkSnapshot, used: Set<string>): DeviceView {
  const admin =
    snap.contexts.find((c) => c.name === 'Admin') ?? snap.contexts.find((c) => c.name === snap.loginContext);
  const adminText = admin?.runningConfig ?? '';
  const ft = parseFtConfig(adminText);
  const own = new Set<string>([snap.target.host]);
  const peerAddrs = new Set<string>();
  const ftPeerCfg = ft.peers[0];
  const ftItf = ft.interfaces.find((i) => i.vlan === ftPeerCfg?.ftVlan) ?? ft.interfaces[0];
  let ftLocal: string | undefined = ftItf?.address?.ip;
  let ftPeer: string | undefined = ftItf?.peerAddress?.ip;
  let ftVlan: number | undefined = ftItf?.vlan;
  for (const p of snap.ftPeers) {
    const a = ftPeerAddresses(p);
    ftLocal ??= a.localIp;
    ftPeer ??= a.peerIp;
    ftVlan ??= a.ftVlan;
    if (a.peerQueryIp) peerAddrs.add(a.peerQueryIp);
  }
  if (ftLocal) own.add(ftLocal);
  if (ftPeer) peerAddrs.add(ftPeer);
  for (const i of parseInterfaces(adminText)) {
    for (const a of i.addresses) own.add(a.ip);
    for (const a of i.peerAddresses) peerAddrs.add(a.ip);
  }
  const groupOf = new Map<string, number>();
  for (const g of ft.groups) for (const c of g.contexts) groupOf.set(c, g.id);
  for (const g of snap.ftGroups) for (const c of g.contexts) if (!groupOf.has(c)) groupOf.set(c, g.group);
  const stateOf = new Map<number, string>();
  for (const g of snap.ftGroups) stateOf.set(g.group, g.myState);
  const contexts = snap.contexts.map((c) =>
    c.runningConfig === undefined
      ? { name: c.name, itfs: [], ...(c.error ? { error: c.error } : {}) }
      : { name: c.name, itfs: parseInterfaces(c.runningConfig), logging: parseLoggingConfig(c.runningConfig) },
  );
  return {
    snap,
    name: deviceName(snap.hostname, snap.target.host, used),
    own,
    peerAddrs,
    ...(ftLocal ? { ftLocal } : {}),
    ...(ftPeer ? { ftPeer } : {}),
    ...(ftVlan !== undefined ? { ftVlan } : {}),
    groupOf,
    stateOf,
    contexts,
    hasFt: ft.groups.length > 0 || snap.ftGroups.length > 0,
  };
}

function reversedFt(a: DeviceView, b: DeviceView): boolean {
  return (
    a.ftLocal !== undefined &&
    a.ftPeer !== undefined &&
    a.ftLocal === b.ftPeer &&
    a.ftPeer === b.ftLocal &&
    (a.ftVlan === undefined || b.ftVlan === undefined || a.ftVlan === b.ftVlan)
  );
}

function namesEachOther(a: DeviceView, b: DeviceView): boolean {
  const hit = (x: DeviceView, y: DeviceView): boolean => [...x.peerAddrs].some((p) => y.own.has(p));
  return hit(a, b) && hit(b, a);
}

/** Pairs by FT addresses, then by any reversed addresses; ambiguous candidates are reported, not guessed. */
function pairDevices(views: DeviceView[], report: ReportLine[]): Map<string, string> {
  const peers = new Map<string, string>();
  const ambiguous = new Set<string>();
  for (const rule of [reversedFt, namesEachOther]) {
    // Candidates of every device first, so an ambiguity is seen whatever the order of the devices.
    const cands = new Map<string, DeviceView[]>();
    for (const a of views)
      if (!peers.has(a.name) && !ambiguous.has(a.name))
        cands.set(
          a.name,
          views.filter((b) => b !== a && !peers.has(b.name) && !ambiguous.has(b.name) && rule(a, b)),
        );
    for (const [name, list] of cands) {
      if (list.length < 2) continue;
      ambiguous.add(name);
      for (const b of list) ambiguous.add(b.name);
      report.push({
        level: 'warn',
        device: name,
        text: `inconclusive HA peer: ${list.map((c) => c.name).join(', ')} all match its FT addresses; set peer: by hand`,
      });
    }
    for (const [name, list] of cands) {
      const b = list[0];
      if (list.length !== 1 || ambiguous.has(name) || ambiguous.has(b!.name) || peers.has(name) || peers.has(b!.name))
        continue;
      peers.set(name, b!.name);
      peers.set(b!.name, name);
    }
  }
  for (const a of views) {
    if (peers.has(a.name) || ambiguous.has(a.name)) continue;
    if (a.ftPeer !== undefined)
      report.push({
        level: 'warn',
        device: a.name,
        text: `its FT peer ${a.ftPeer} is not among the devices discovered: add --ssh for the peer's management address`,
      });
    else if (a.hasFt)
      report.push({
        level: 'warn',
        device: a.name,
        text: 'has FT groups but no FT peer address was found (show ft peer detail, ft interface vlan): peer unknown',
      });
  }
  return peers;
}

const isStandby = (s: string | undefined): boolean => s !== undefined && s.startsWith('STANDBY');

export function analyseDiscovery(snaps: readonly DeviceSnapshot[], o: AnalyseOptions): Analysis {
  const report: ReportLine[] = [];
  const used = new Set<string>();
  const views: DeviceView[] = [];
  for (const s of snaps) {
    if (!s.ok) {
      const what =
        s.reason === 'auth'
          ? 'login refused (wrong user or password?)'
          : s.reason === 'unreachable'
            ? 'cannot connect (address, port, firewall?)'
            : s.reason === 'timeout'
              ? 'no SSH session in time (address, port; old ACE software may need --legacy-algorithms)'
              : s.reason === 'hostkey'
                ? 'host key refused'
                : 'SSH failed';
      report.push({ level: 'error', device: `${s.target.host}:${s.target.port}`, text: `${what}: ${s.error}` });
      continue;
    }
    const v = view(s, used);
    views.push(v);
    if (s.loginContext !== 'Admin')
      report.push({
        level: 'warn',
        device: v.name,
        text: `the login landed in context ${s.loginContext}, not Admin: only that context was seen`,
      });
    for (const c of s.refused)
      report.push({ level: 'info', device: v.name, text: `the device refused '${c}' (older software?)` });
  }
  const peers = pairDevices(views, report);
  const byName = new Map(views.map((v) => [v.name, v]));

  // Sources per (device, context), before the pair-wide and estate-wide checks.
  const sources = new Map<string, { list: string[]; notes: string[] }>();
  const key = (d: string, c: string): string => `${d}/${c}`;
  for (const v of views)
    for (const c of v.contexts) {
      const notes: string[] = [];
      const list: string[] = [];
      for (const itf of c.itfs) {
        if (itf.shutdown) continue;
        for (const a of itf.addresses) {
          const faces = c.logging?.hosts.some((h) => inSubnet(h.ip, a)) ? ', faces a logging host' : '';
          list.push(a.ip);
          notes.push(`source ${a.ip}: interface ${itf.name}${faces}`);
        }
      }
      sources.set(key(v.name, c.name), { list, notes });
    }
  // A replicated config shows the same `ip address` on both peers: the standby sends from the `peer ip address`.
  for (const v of views) {
    const p = peers.get(v.name);
    if (p === undefined || v.name > p) continue;
    const w = byName.get(p)!;
    for (const c of v.contexts) {
      const mine = sources.get(key(v.name, c.name));
      const theirs = sources.get(key(w.name, c.name));
      if (!mine || !theirs || !mine.list.some((a) => theirs.list.includes(a))) continue;
      const g = v.groupOf.get(c.name) ?? w.groupOf.get(c.name);
      const sv = g !== undefined ? v.stateOf.get(g) : undefined;
      const sw = g !== undefined ? w.stateOf.get(g) : undefined;
      const standby = isStandby(sv) ? v : isStandby(sw) ? w : undefined;
      if (!standby) {
        report.push({
          level: 'warn',
          device: `${v.name}+${w.name}`,
          context: c.name,
          text: 'both peers show the same interface addresses and neither is standby: sources left to you',
        });
        mine.list = [];
        theirs.list = [];
        continue;
      }
      const sc = standby.contexts.find((x) => x.name === c.name)!;
      const peerIps = sc.itfs.filter((i) => !i.shutdown).flatMap((i) => i.peerAddresses.map((a) => a.ip));
      const target = standby === v ? mine : theirs;
      target.list = peerIps;
      target.notes = peerIps.map((a) => `source ${a}: the standby's peer ip address (config replicated unswapped)`);
      report.push({
        level: 'info',
        device: standby.name,
        context: c.name,
        text: `same ip address on both peers: took the standby's sources from 'peer ip address' (${peerIps.join(', ') || 'none'})`,
      });
    }
  }
  // The loader refuses an address claimed by two owners: drop it everywhere and say so.
  const claims = new Map<string, string[]>();
  for (const [k, s] of sources) for (const a of new Set(s.list)) claims.set(a, [...(claims.get(a) ?? []), k]);
  for (const [a, owners] of claims) {
    if (owners.length < 2) continue;
    for (const k of owners) {
      const s = sources.get(k)!;
      s.list = s.list.filter((x) => x !== a);
      s.notes.push(`REVIEW: ${a} is also configured on ${owners.filter((o) => o !== k).join(', ')}: left out`);
    }
    report.push({ level: 'warn', text: `address ${a} is configured on ${owners.join(' and ')}: not used as a source` });
  }

  // Logging hosts: those most contexts log to are the expected ones; the rest are reported.
  const hostCount = new Map<string, number>();
  let readable = 0;
  for (const v of views)
    for (const c of v.contexts) {
      if (!c.logging) continue;
      readable++;
      for (const h of new Set(c.logging.hosts.map((x) => x.ip))) hostCount.set(h, (hostCount.get(h) ?? 0) + 1);
    }
  const expected = [...hostCount.entries()]
    .filter(([, n]) => n * 2 >= readable)
    .map(([h]) => h)
    .sort();
  const loggingNotes: string[] = [];
  for (const [h, n] of hostCount)
    loggingNotes.push(
      `logging host ${h}: in ${n} of ${readable} contexts${expected.includes(h) ? '' : ' (not required)'}`,
    );
  if (expected.length === 0 && readable > 0)
    report.push({
      level: 'warn',
      text: 'no logging host is shared by most contexts: poller.expected_logging.hosts is empty, silenced syslog is not detected',
    });

  const devices: DiscoveredDevice[] = views.map((v) => {
    const contexts: DiscoveredContext[] = [];
    for (const c of v.contexts) {
      const s = sources.get(key(v.name, c.name))!;
      const notes = [...s.notes];
      if (c.error !== undefined) {
        notes.push(`REVIEW: running-config not readable: ${c.error}`);
        report.push({
          level: 'warn',
          device: v.name,
          context: c.name,
          text: `running-config not readable: ${c.error}`,
        });
      } else if (c.logging) {
        const d = c.logging.deviceId;
        const dev =
          d === undefined
            ? 'none'
            : d.kind === 'string'
              ? `string ${d.value}`
              : d.kind === 'ipaddress'
                ? `ipaddress ${d.interface}`
                : d.kind;
        notes.push(
          `logging: ${c.logging.enabled ? 'enabled' : 'NOT enabled'}, hosts ${c.logging.hosts.map((h) => h.ip).join(' ') || 'none'}, device-id ${dev}`,
        );
        const missing = expected.filter((h) => !c.logging!.hosts.some((x) => x.ip === h));
        if (missing.length > 0)
          report.push({
            level: 'warn',
            device: v.name,
            context: c.name,
            text: `does not log to ${missing.join(', ')}: the first audit will report logging drift`,
          });
      }
      if (s.list.length === 0 && c.error === undefined) {
        const byId = c.logging?.deviceId?.kind === 'context-name';
        notes.push(
          byId
            ? 'no interface address: messages are attributed by device-id context-name only'
            : 'REVIEW: no usable source address; add sources: or set `logging device-id context-name`',
        );
        report.push({
          level: byId ? 'info' : 'warn',
          device: v.name,
          context: c.name,
          text: byId
            ? 'no interface address; attributed by its device-id (context-name)'
            : 'no usable source address (no interface with an ip address): add sources: by hand',
        });
      }
      const g = v.groupOf.get(c.name);
      const state = g !== undefined ? v.stateOf.get(g) : undefined;
      if (state !== undefined) notes.unshift(`FT group ${g}: ${state}`);
      contexts.push({ name: c.name, ...(g !== undefined ? { ftGroup: g } : {}), sources: [...new Set(s.list)], notes });
    }
    const peer = peers.get(v.name);
    const notes = [
      `${v.snap.hostname} at ${v.snap.target.host}:${v.snap.target.port}` +
        (v.ftLocal ? `, FT ${v.ftLocal} -> peer ${v.ftPeer ?? '?'}` : '') +
        (peer ? ` (pair with ${peer})` : ''),
    ];
    return {
      name: v.name,
      host: v.snap.target.host,
      ...(peer ? { peer } : {}),
      ssh: {
        port: v.snap.target.port,
        username: v.snap.target.username,
        ...(o.passwordEnv !== undefined ? { password_env: o.passwordEnv } : {}),
        ...(o.passwordFile !== undefined ? { password_file: o.passwordFile } : {}),
        ...(v.snap.hostKeySha256 ? { host_key_sha256: v.snap.hostKeySha256 } : {}),
        legacy_algorithms: v.snap.target.legacyAlgorithms,
      },
      contexts,
      notes,
    };
  });

  const unresolved = report
    .filter((r) => r.level !== 'info')
    .map((r) => [r.device, r.context].filter(Boolean).join('/') + (r.device ? ': ' : '') + r.text);
  return {
    config: {
      generatedAt: o.now.toISOString(),
      devices,
      expectedLoggingHosts: expected,
      loggingNotes,
      ...(o.anm ? { anm: o.anm } : {}),
      ...(o.rules !== undefined ? { rules: o.rules } : {}),
      unresolved,
    },
    report,
  };
}
