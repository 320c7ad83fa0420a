/**
 * One simulated virtual context: its running-config tree, crypto files, the address its
 * messages come from, and the config-sync errors a standby records for it.
 */
import { parseLoggingConfig, type LoggingSettings } from '../../parse/cli/logging.js';
import type { FtConfigError } from '../../parse/cli/ft-config-error.js';
import { parseConfigTree, renderConfigTree, type ConfigNode } from './config-tree.js';

export interface CryptoFile {
  name: string;
  kind: 'cert' | 'key';
  exportable: boolean;
  /** PEM text as imported (never leaves the simulator except by `crypto export`). */
  pem: string;
}

export interface SnmpHost {
  ip: string;
  port: number;
  community: string;
  inform: boolean;
}

const MAX_CRYPTO_FILES = 512;

export class SimContext {
  readonly name: string;
  readonly id: number;
  tree: ConfigNode[];
  readonly crypto = new Map<string, CryptoFile>();
  /** Address this context's syslog and traps are sent from (undefined: the OS picks). */
  source: string | undefined;
  /** `show ft config-error` content recorded by the last failed config sync. */
  configErrors: FtConfigError[] = [];
  configErrorsAt = 0;
  /** Bumped on every change; caches key on it. */
  version = 0;
  #loggingCache: { version: number; value: LoggingSettings } | undefined;
  #snmpCache: { version: number; value: { hosts: SnmpHost[]; syslogTraps: boolean } } | undefined;

  constructor(name: string, id: number, config = '', source?: string) {
    this.name = name;
    this.id = id;
    this.tree = parseConfigTree(config);
    this.source = source;
  }

  text(): string {
    return renderConfigTree(this.tree);
  }

  setText(text: string): void {
    this.tree = parseConfigTree(text);
    this.touch();
  }

  touch(): void {
    this.version++;
  }

  logging(): LoggingSettings {
    if (this.#loggingCache?.version !== this.version)
      this.#loggingCache = { version: this.version, value: parseLoggingConfig(this.text()) };
    return this.#loggingCache.value;
  }

  /** `snmp-server host <ip> {traps|informs} version 2c <community> [udp-port <n>]` lines. */
  snmp(): { hosts: SnmpHost[]; syslogTraps: boolean } {
    if (this.#snmpCache?.version === this.version) return this.#snmpCache.value;
    const hosts: SnmpHost[] = [];
    let syslogTraps = false;
    for (const n of this.tree) {
      const m = /^snmp-server host (\S+) (traps|informs) version 2c (\S+)(?: udp-port (\d+))?/.exec(n.line);
      if (m) hosts.push({ ip: m[1]!, inform: m[2] === 'informs', community: m[3]!, port: m[4] ? Number(m[4]) : 162 });
      if (/^snmp-server enable traps(?: syslog)?\s*$/.test(n.line)) syslogTraps = true;
    }
    this.#snmpCache = { version: this.version, value: { hosts, syslogTraps } };
    return this.#snmpCache.value;
  }

  /** `ft auto-sync running-config` present in this context's configuration. */
  autoSync(): boolean {
    return this.tree.some((n) => n.line === 'ft auto-sync running-config');
  }

  /** Crypto files the configuration references (`ssl-proxy service` and chaingroup blocks). */
  cryptoReferences(): Array<{ command: string; kind: 'cert' | 'key'; file: string }> {
    const out: Array<{ command: string; kind: 'cert' | 'key'; file: string }> = [];
    for (const n of this.tree) {
      if (!/^(?:ssl-proxy service|crypto chaingroup)\s/.test(n.line)) continue;
      for (const c of n.children) {
        const m = /^(key|cert) (\S+)/.exec(c.line);
        if (m) out.push({ command: c.line, kind: m[1] as 'cert' | 'key', file: m[2]! });
      }
    }
    return out;
  }

  addCrypto(file: CryptoFile): void {
    if (!this.crypto.has(file.name) && this.crypto.size >= MAX_CRYPTO_FILES) throw new Error('crypto file store full');
    this.crypto.set(file.name, { ...file });
  }
}
