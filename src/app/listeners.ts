/**
 * The listeners of the service (syslog UDP/TCP, SNMP) as named slots whose listener a configuration reload can
 * replace, and the factory that builds a listener from a configuration. Only the `Listener` interface
 * (start/stop/addresses) is used: what happens inside a listener is the ingest stage's business.
 */
import type { Config } from '../config/schema.js';
import type { IngestDeps, Listener } from '../ingest/types.js';
import { SyslogIngest } from '../ingest/syslog-ingest.js';
import { SnmpIngest, type SnmpIngestOptions } from '../ingest/snmp-receiver.js';

export const LISTENER_NAMES = ['listener:syslog', 'listener:snmp'] as const;
export type ListenerName = (typeof LISTENER_NAMES)[number];

/** One listener place; `listener` is undefined while the configuration enables none there. */
export interface ListenerSlot {
  readonly name: ListenerName;
  listener: Listener | undefined;
}

/** What every listener is built with, but the configuration (given per build), plus the SNMP store hooks. */
export interface ListenerFactoryDeps extends Omit<IngestDeps, 'config' | 'procRoot'> {
  snmp: SnmpIngestOptions;
}

/** Builds (does not start) the listener of a slot from a configuration; undefined when that config enables none. */
export type ListenerFactory = (name: ListenerName, config: Config) => Listener | undefined;

export function listenerFactory(d: ListenerFactoryDeps): ListenerFactory {
  return (name, config) => {
    const { snmp, ...common } = d;
    const deps: IngestDeps = { ...common, config };
    if (name === 'listener:syslog')
      return config.syslog.udp.enabled || config.syslog.tcp.enabled ? new SyslogIngest(deps) : undefined;
    return config.snmp.enabled ? new SnmpIngest(deps, snmp) : undefined;
  };
}

/** The configuration keys a slot's listener is built from: a change to any of them rebuilds it. */
export function listenerKeyPrefixes(name: ListenerName): string[] {
  // SNMP reads the source policy and noise storage of the syslog section too.
  return name === 'listener:syslog'
    ? [
        'syslog.udp',
        'syslog.tcp',
        'syslog.relays',
        'syslog.accept_unknown_sources',
        'syslog.max_message_bytes',
        'syslog.store_noise',
        'syslog.loss_check_interval_ms',
      ]
    : ['snmp', 'syslog.accept_unknown_sources', 'syslog.store_noise'];
}

/** The (transport, port) pairs a configuration binds for a slot; port 0 (any free port) binds nothing fixed. */
export function boundPorts(name: ListenerName, config: Config): string[] {
  const out: string[] = [];
  if (name === 'listener:syslog') {
    if (config.syslog.udp.enabled && config.syslog.udp.port !== 0) out.push(`udp:${config.syslog.udp.port}`);
    if (config.syslog.tcp.enabled && config.syslog.tcp.port !== 0) out.push(`tcp:${config.syslog.tcp.port}`);
  } else if (config.snmp.enabled && config.snmp.port !== 0) out.push(`udp:${config.snmp.port}`);
  return out;
}
