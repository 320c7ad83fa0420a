/**
 * Ready-made simulator specs: an HA pair with a few user contexts, each context logging to
 * the given syslog target (and trapping to an SNMP target) from its own loopback address.
 * The demo and tests start from here instead of writing YAML.
 */
import type { SimSpecInput } from './spec.js';

export interface HaPairOptions {
  /** Device names (default ace-a, ace-b; the first starts active). */
  names?: [string, string];
  password: string;
  username?: string;
  /** User contexts (Admin is always there). Default VC_WEB, VC_APP. */
  contexts?: string[];
  syslog: { ip: string; port: number };
  snmp?: { ip: string; port: number; community?: string };
  /** Send from 127.0.<n>.x: device i uses 127.0.<base+i>.<context index + 1>. Default 50. */
  sourceBase?: number;
  /** SSH ports (default 0: any free). */
  ports?: [number, number];
  /** Initial configuration of user contexts by name (default: a small load-balancing config). */
  configs?: Record<string, string>;
  /** `logging standby` in every context, so changes typed on the standby are reported. Default true. */
  loggingStandby?: boolean;
}

function defaultConfig(i: number): string {
  return [
    'access-list ALL line 8 extended permit ip any any',
    '',
    `rserver host SRV${i}-1`,
    `  ip address 10.20.${i}.11`,
    '  inservice',
    `rserver host SRV${i}-2`,
    `  ip address 10.20.${i}.12`,
    '  inservice',
    '',
    `serverfarm host SF${i}`,
    `  rserver SRV${i}-1`,
    '    inservice',
    `  rserver SRV${i}-2`,
    '    inservice',
  ].join('\n');
}

/** Two peers; every context in its own FT group with auto-sync; the standby is filled by bulk sync. */
export function haPairSpec(o: HaPairOptions): SimSpecInput {
  const [a, b] = o.names ?? ['ace-a', 'ace-b'];
  const contexts = ['Admin', ...(o.contexts ?? ['VC_WEB', 'VC_APP'])];
  const base = o.sourceBase ?? 50;
  const users = [{ username: o.username ?? 'admin', password: o.password }];
  const logging = {
    hosts: [{ ip: o.syslog.ip, port: o.syslog.port }],
    trap: 6,
    device_id: 'context-name' as const,
    standby: o.loggingStandby ?? true,
  };
  const snmp = o.snmp
    ? { hosts: [{ ip: o.snmp.ip, port: o.snmp.port, community: o.snmp.community ?? 'public' }] }
    : undefined;
  const device = (name: string, peer: string, idx: number) => ({
    name,
    peer,
    role: idx === 0 ? ('active' as const) : ('standby' as const),
    ssh: { port: o.ports?.[idx] ?? 0 },
    users,
    contexts: contexts.map((c, i) => ({
      name: c,
      source: `127.0.${base + idx}.${i + 1}`,
      ft_group: i + 1,
      logging,
      ...(snmp ? { snmp } : {}),
      ...(idx === 0 && c !== 'Admin' ? { config: o.configs?.[c] ?? defaultConfig(i) } : {}),
    })),
  });
  return { devices: [device(a, b, 0), device(b, a, 1)] };
}
