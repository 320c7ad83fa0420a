/**
 * The simulated ACE HA pair of the demo (and of the end-to-end tests): two peers on
 * loopback, Admin plus a few user contexts each in its own FT group with auto-sync, every
 * context logging to acesync from its own 127.x.y.z address and sending its traps there,
 * and a certificate + key pair on both peers that one context's `ssl-proxy service` uses.
 *
 * Two channels reach acesync from every context: syslog (`logging host`) and SNMP
 * (`snmp-server host`, with `snmp-server enable traps syslog` + `logging history 5` so
 * 111008 also travels as clogMessageGenerated). That is how acesync hears a
 * `no logging host` at once: the simulated ACE, like a real one as far as we know,
 * accounts a command after it took effect, so the removed syslog host never receives
 * the 111008 of its own removal; the trap still does.
 */
import { haPairSpec, type SimSpecInput } from '../sim/ace/index.js';

/** Device names of the demo pair; the first starts active in every FT group. */
export const DEMO_DEVICES = ['ace-a', 'ace-b'] as const;
/** User contexts of the demo (Admin is always there). */
export const DEMO_CONTEXTS = ['VC_WEB', 'VC_APP'] as const;
/** The context whose `ssl-proxy service` uses the certificate and key. */
export const DEMO_SSL_CONTEXT = 'VC_WEB';
export const DEMO_CERT = 'web-cert.pem';
export const DEMO_KEY = 'web-key.pem';
export const DEMO_USER = 'admin';
/** Contexts log from 127.0.<base + device index>.<context index + 1>. */
export const DEMO_SOURCE_BASE = 50;

export interface DemoSpecOptions {
  /** Password of the ACE user (demo-only, random per run). */
  password: string;
  /** Where acesync listens (loopback). */
  syslogPort: number;
  snmpPort: number;
  /** User contexts (default DEMO_CONTEXTS). */
  contexts?: string[];
  /** SSH ports of the two devices (default 0: any free one). */
  sshPorts?: [number, number];
  /** Also forward syslog as SNMP traps (`snmp-server enable traps syslog`). Default true. */
  trapForwarding?: boolean;
}

/** Admin address of a device: the address its Admin context logs from, also where its SSH listens. */
export function demoManagementAddress(deviceIndex: number): string {
  return `127.0.${DEMO_SOURCE_BASE + deviceIndex}.1`;
}

/** Source address of a context (index in ['Admin', ...contexts]). */
export function demoSourceAddress(deviceIndex: number, contextIndex: number): string {
  return `127.0.${DEMO_SOURCE_BASE + deviceIndex}.${contextIndex + 1}`;
}

const SSL_LINES = ['ssl-proxy service SSL-WEB', `  key ${DEMO_KEY}`, `  cert ${DEMO_CERT}`];

/** The simulator spec of the demo pair. */
export function demoAceSpec(o: DemoSpecOptions): SimSpecInput {
  const contexts = o.contexts ?? [...DEMO_CONTEXTS];
  const spec = haPairSpec({
    names: [DEMO_DEVICES[0], DEMO_DEVICES[1]],
    username: DEMO_USER,
    password: o.password,
    contexts,
    syslog: { ip: '127.0.0.1', port: o.syslogPort },
    snmp: { ip: '127.0.0.1', port: o.snmpPort },
    sourceBase: DEMO_SOURCE_BASE,
    ...(o.sshPorts ? { ports: o.sshPorts } : {}),
    loggingStandby: true,
  });
  const forward = o.trapForwarding ?? true;
  const devices = spec.devices.map((d, i) => ({
    ...d,
    ssh: { ...d.ssh, host: demoManagementAddress(i) },
    contexts: (d.contexts ?? []).map((c) => {
      const extra: string[] = [];
      if (forward) extra.push('logging history 5', 'snmp-server enable traps syslog');
      if (c.name === DEMO_SSL_CONTEXT) extra.push(...SSL_LINES);
      // Only the first device's configuration matters: bulk sync copies it to the standby.
      const config = i === 0 ? [c.config ?? '', ...extra].filter((l) => l !== '').join('\n') : c.config;
      const crypto =
        c.name === DEMO_SSL_CONTEXT
          ? [
              { name: DEMO_CERT, type: 'cert' as const, subject: 'www.demo.example' },
              { name: DEMO_KEY, type: 'key' as const, subject: 'www.demo.example' },
            ]
          : undefined;
      return { ...c, ...(config !== undefined ? { config } : {}), ...(crypto ? { crypto } : {}) };
    }),
  }));
  return { devices };
}
