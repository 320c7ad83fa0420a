/**
 * Output of the simulator's `show` commands, shaped after reference section 4 (verbatim
 * where the reference quotes real output, plausible where it marks fields [I]).
 */
import { DEFAULT_FACILITY } from '../../parse/cli/logging.js';
import { renderConfigTree } from './config-tree.js';
import { ADMIN, type SimDevice } from './device.js';
import type { SimContext } from './context.js';
import { describeCertificate, describeKey } from './x509.js';

const pad = (k: string): string => k.padEnd(29) + ': ';
const kv = (k: string, v: string | number): string => `${pad(k)}${v}`;

function ctime(ms: number): string {
  const d = new Date(ms);
  const days = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
  const mon = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${days[d.getUTCDay()]} ${mon[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, ' ')} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} UTC ${d.getUTCFullYear()}`;
}

/** `show running-config [section]`: header, blank line, the context's configuration. */
export function showRunningConfig(ctx: SimContext, section?: string): string {
  let text: string;
  if (section === undefined) text = ctx.text();
  else {
    const nodes = ctx.tree.filter((n) => n.line.split(/\s+/)[0] === section);
    text = renderConfigTree(nodes);
  }
  return `Generating configuration....\n\n${text}\n\n`;
}

export function showContext(dev: SimDevice, from: string, name?: string): string {
  const list = [...dev.contexts.values()].filter(
    (c) => (from === ADMIN ? true : c.name === from) && (name === undefined || c.name === name),
  );
  const out: string[] = [`Number of Contexts = ${list.length}`, ''];
  for (const c of list) {
    const desc =
      c.name === ADMIN
        ? ''
        : (dev.admin.tree
            .find((n) => n.line === `context ${c.name}`)
            ?.children.find((k) => k.line.startsWith('description '))
            ?.line.slice(12) ?? '');
    const member =
      c.name === ADMIN
        ? 'default'
        : (dev.admin.tree
            .find((n) => n.line === `context ${c.name}`)
            ?.children.find((k) => k.line.startsWith('member '))
            ?.line.slice(7) ?? 'default');
    const vlans = (c.name === ADMIN ? [] : (dev.admin.tree.find((n) => n.line === `context ${c.name}`)?.children ?? []))
      .map((k) => /^allocate-interface vlan (\d+)/.exec(k.line)?.[1])
      .filter((v): v is string => v !== undefined)
      .map((v) => `Vlan${v}`);
    out.push(
      `Name: ${c.name} , Id: ${c.id}`,
      `Config count: ${c.tree.length}`,
      `Description: ${desc}`,
      `Resource-class: ${member}`,
      `Vlans: ${vlans.join(', ')}`,
      '',
    );
  }
  return out.join('\n');
}

const S = (s: string): string => `FSM_FT_STATE_${s}`;

export function showFtGroup(dev: SimDevice, from: string, view: string, groupId?: number): string {
  const groups = dev
    .ftGroups()
    .filter((g) => (from === ADMIN || g.contexts.includes(from)) && (groupId === undefined || g.id === groupId));
  if (groups.length === 0)
    return groupId !== undefined ? `Error: FT group ${groupId} does not exist\n` : 'No FT groups configured\n';
  const blocks: string[] = [];
  for (const g of groups) {
    const rt = dev.ftState(g.id);
    const peer = dev.peerState(g.id);
    const autoSync = g.contexts.some((c) => dev.contexts.get(c)?.autoSync());
    const lines: string[] = [kv('FT Group', g.id)];
    if (view === 'brief') {
      lines.push(kv('My State', S(rt.state)), kv('Peer State', S(peer)), kv('Context Name', g.contexts.join(', ')));
    } else if (view === 'summary') {
      lines.push(
        kv('Configured Status', g.inservice ? 'in-service' : 'out-of-service'),
        kv('My State', S(rt.state)),
        kv('Peer State', S(peer)),
        kv('No. of Contexts', g.contexts.length),
      );
    } else if (view === 'detail') {
      lines.push(kv('No. of Contexts', g.contexts.length));
      for (const c of g.contexts) lines.push(kv('Context Name', c), kv('Context Id', dev.contexts.get(c)?.id ?? '-'));
      lines.push(
        kv('Configured Status', g.inservice ? 'in-service' : 'out-of-service'),
        kv('Maintenance mode', 'MAINT_MODE_OFF'),
        kv('My State', S(rt.state)),
        kv('My Config Priority', g.priority ?? 100),
        kv('My Net Priority', g.priority ?? 100),
        kv('My Preempt', 'Enabled'),
        kv('Peer State', S(peer)),
        kv('Peer Config Priority', g.peerPriority ?? 100),
        kv('Peer Net Priority', g.peerPriority ?? 100),
        kv('Peer Preempt', 'Enabled'),
        kv('Peer Id', 1),
        kv('Last State Change time', ctime(rt.since)),
        kv('Running cfg sync enabled', autoSync ? 'Enabled' : 'Disabled'),
        kv('Running cfg sync status', rt.runningSync),
        kv('Startup cfg sync enabled', autoSync ? 'Enabled' : 'Disabled'),
        kv('Startup cfg sync status', rt.startupSync),
        'Bulk sync done for ARP: 0',
        'Bulk sync done for LB: 0',
        'Bulk sync done for ICM: 0',
      );
    } else {
      lines.push(
        kv('Configured Status', g.inservice ? 'in-service' : 'out-of-service'),
        kv('Maintenance mode', 'MAINT_MODE_OFF'),
        kv('My State', S(rt.state)),
        kv('Peer State', S(peer)),
        kv('Peer Id', 1),
        kv('No. of Contexts', g.contexts.length),
        kv('Running cfg sync status', rt.runningSync),
        kv('Startup cfg sync status', rt.startupSync),
      );
    }
    blocks.push(lines.join('\n'));
  }
  return blocks.join('\n\n') + '\n';
}

export function showFtPeer(dev: SimDevice): string {
  const peerUp = dev.peer?.up === true && dev.up;
  const peerLine = dev.admin.tree.find((n) => /^ft peer \d+$/.test(n.line));
  const hb = peerLine?.children.find((c) => /^heartbeat interval /.test(c.line))?.line.split(/\s+/)[2] ?? '300';
  // Addresses live in the `ft interface vlan N` block the peer names (`ft-interface vlan N`), as on an ACE.
  const ftVlan = peerLine?.children.find((c) => /^ft-interface vlan \d+$/.test(c.line))?.line.split(/\s+/)[2];
  const ftItf = dev.admin.tree.find((n) =>
    ftVlan !== undefined ? n.line === `ft interface vlan ${ftVlan}` : /^ft interface vlan \d+$/.test(n.line),
  );
  const addr = (re: RegExp): string | undefined =>
    ftItf?.children
      .find((c) => re.test(c.line))
      ?.line.replace(re, '')
      .split(/\s+/)[0];
  const ip =
    addr(/^peer ip address /) ??
    peerLine?.children.find((c) => /^peer ip address /.test(c.line))?.line.split(/\s+/)[3] ??
    '0.0.0.0';
  return [
    kv('Peer Id', 1),
    kv('State', peerUp ? 'FSM_PEER_STATE_COMPATIBLE' : 'FSM_PEER_STATE_DOWN'),
    kv('Maintenance mode', 'MAINT_MODE_OFF'),
    kv('FT Vlan', ftItf ? ftItf.line.split(/\s+/)[3]! : 'Not Configured'),
    kv('My IP Addr', addr(/^ip address /) ?? '0.0.0.0'),
    kv('Peer IP', ip),
    kv('Heartbeat interval', hb),
    kv('SRG Compatibility', peerUp ? 'COMPATIBLE' : 'INIT'),
    kv('License Compatibility', peerUp ? 'COMPATIBLE' : 'INIT'),
    kv('FT Groups', dev.ftGroups().length),
    '',
  ].join('\n');
}

export function showFtConfigError(dev: SimDevice, ctx: SimContext): string {
  if (ctx.configErrors.length === 0) return 'No bulk config apply errors found\n';
  const out = [ctime(ctx.configErrorsAt), ''];
  for (const e of ctx.configErrors) out.push(`\`${e.command}\``, `Error: ${e.error}`);
  void dev;
  return out.join('\n') + '\n';
}

export function showLogging(dev: SimDevice, ctx: SimContext): string {
  const l = ctx.logging();
  const lvl = [
    'emergencies',
    'alerts',
    'critical',
    'errors',
    'warnings',
    'notifications',
    'informational',
    'debugging',
  ];
  const out = [
    `Syslog logging: ${l.enabled ? 'enabled' : 'disabled'}`,
    `    Facility: ${l.facility ?? DEFAULT_FACILITY}`,
    `    Timestamp logging: ${l.timestamp ? 'enabled' : 'disabled'}`,
    `    Standby logging: ${l.standby ? 'enabled' : 'disabled'}`,
    `    Console logging: disabled`,
    `    Monitor logging: disabled`,
    `    Buffer logging: disabled`,
    `    Trap logging: ${l.trap === undefined ? 'disabled' : `level ${lvl[l.trap]}`}`,
    ...l.hosts.map((h) => `        Logging to ${h.ip} ${h.protocol}/${h.port}`),
    `    History logging: ${l.history === undefined ? 'disabled' : `level ${lvl[l.history]}`}`,
    `    Device ID: ${l.deviceId === undefined ? 'disabled' : l.deviceId.kind === 'string' ? `'${l.deviceId.value}'` : l.deviceId.kind === 'hostname' ? `hostname ${dev.hostname}` : l.deviceId.kind}`,
  ];
  return out.join('\n') + '\n';
}

export function showCryptoFiles(ctx: SimContext): string {
  const out = [
    'Filename                                 File  File    Expor      Key/',
    '                                         Size  Type    table      Cert',
    '-----------------------------------------------------------------------',
  ];
  for (const f of [...ctx.crypto.values()].sort((a, b) => a.name.localeCompare(b.name)))
    out.push(
      `${f.name.padEnd(40)} ${String(f.pem.length).padEnd(5)} PEM     ${(f.exportable ? 'Yes' : 'No').padEnd(10)} ${f.kind === 'key' ? 'KEY' : 'CERT'}`,
    );
  return out.join('\n') + '\n';
}

export function showCryptoCertificate(ctx: SimContext, which: string): string {
  const files = [...ctx.crypto.values()].filter((f) => f.kind === 'cert' && (which === 'all' || f.name === which));
  if (files.length === 0) return which === 'all' ? '' : `Error: Certificate file '${which}' not found\n`;
  const out: string[] = [];
  for (const f of files) {
    const d = describeCertificate(f.pem);
    out.push(
      `Certificate file: ${f.name}`,
      `Subject: ${d?.subject ?? 'unknown'}`,
      `Issuer: ${d?.issuer ?? 'unknown'}`,
      `Serial Number: ${d?.serial ?? 'unknown'}`,
      `Validity:`,
      `   Not Before: ${d?.validFrom ?? 'unknown'}`,
      `   Not After : ${d?.validTo ?? 'unknown'}`,
      `Public Key Algorithm: ${d?.keyType ?? 'unknown'}`,
      '',
    );
  }
  return out.join('\n');
}

export function showCryptoKey(ctx: SimContext, which: string): string {
  const files = [...ctx.crypto.values()].filter((f) => f.kind === 'key' && (which === 'all' || f.name === which));
  if (files.length === 0) return which === 'all' ? '' : `Error: Key file '${which}' not found\n`;
  const out: string[] = [];
  for (const f of files) {
    const d = describeKey(f.pem);
    out.push(`${f.name}:`, `${d?.bits ?? ''} bit ${d?.type ?? 'unknown'} key pair`.trim(), '');
  }
  return out.join('\n');
}

export function showVersion(dev: SimDevice): string {
  const up = Math.floor((dev.net.clock.now() - dev.bootedAt) / 1000);
  return [
    'Cisco Application Control Software (ACSW)',
    'TAC support: http://www.cisco.com/tac',
    'Software',
    '  system:    Version A5(3.0) [build 3.0(0)A5(3.0)] (acesync simulator)',
    `${dev.hostname} kernel uptime is 0 days 0 hours ${Math.floor(up / 60)} minute(s) ${up % 60} second(s)`,
    '',
  ].join('\n');
}
