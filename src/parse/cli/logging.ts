/**
 * Logging settings of one context, read from the `logging ...` lines of its running-config
 * (reference 1.3), and loosely from `show logging` (4.8: field wording unconfirmed, so the
 * running-config is preferred). Shared by the poller (drift) and the simulator (emission).
 */

export interface LoggingHost {
  ip: string;
  protocol: 'udp' | 'tcp';
  port: number;
  emblem: boolean;
  /** The line as configured. */
  line: string;
}

export type DeviceIdSetting =
  | { kind: 'hostname' }
  | { kind: 'context-name' }
  | { kind: 'ipaddress'; interface: string }
  | { kind: 'string'; value: string };

export interface LoggingSettings {
  enabled: boolean;
  hosts: LoggingHost[];
  /** `logging trap <n>`; undefined when the line is absent. */
  trap?: number;
  timestamp: boolean;
  deviceId?: DeviceIdSetting;
  /** `logging facility <n>`; undefined = device default (20, LOCAL4). */
  facility?: number;
  standby: boolean;
  fastpath: boolean;
  /** `logging history <n>` (level forwarded as SNMP clogMessageGenerated). */
  history?: number;
  /** Message ids switched off with `no logging message <id>`. */
  disabledMessages: string[];
  /** `logging message <id> level <n>` overrides. */
  messageLevels: Record<string, number>;
  /** `logging rate-limit ...` lines, verbatim. */
  rateLimits: string[];
  /** Every logging-related line, verbatim (bounded by the config size). */
  lines: string[];
}

const LEVEL_NAMES: Record<string, number> = {
  emergencies: 0,
  alerts: 1,
  critical: 2,
  errors: 3,
  warnings: 4,
  notifications: 5,
  informational: 6,
  debugging: 7,
};

/** `logging trap 6` or `logging trap informational` -> 6. */
export function parseLevel(s: string | undefined): number | undefined {
  if (s === undefined) return undefined;
  if (/^[0-7]$/.test(s)) return Number(s);
  return LEVEL_NAMES[s.toLowerCase()];
}

/** Default facility when `logging facility` is absent: 20 (LOCAL4), as on ASA [I]. */
export const DEFAULT_FACILITY = 20;

/**
 * Read the logging settings from a context's running-config. Only top-level lines count
 * (logging is configured at the context level, never inside a block).
 */
export function parseLoggingConfig(config: string): LoggingSettings {
  const s: LoggingSettings = {
    enabled: false,
    hosts: [],
    timestamp: false,
    standby: false,
    fastpath: false,
    disabledMessages: [],
    messageLevels: {},
    rateLimits: [],
    lines: [],
  };
  for (const raw of config.split('\n')) {
    if (raw.startsWith(' ')) continue;
    const line = raw.trim();
    if (!/^(?:no )?logging\b/.test(line)) continue;
    s.lines.push(line);
    const t = line.split(/\s+/);
    if (t[0] === 'no') {
      if (t[1] === 'logging' && t[2] === 'message' && t[3] !== undefined) s.disabledMessages.push(t[3]);
      continue;
    }
    switch (t[1]) {
      case 'enable':
        s.enabled = true;
        break;
      case 'host': {
        const ip = t[2];
        if (ip === undefined) break;
        let protocol: 'udp' | 'tcp' = 'udp';
        let port = 514;
        const pp = t[3] !== undefined ? /^(udp|tcp)\/(\d{1,5})$/.exec(t[3]) : null;
        if (pp) {
          protocol = pp[1] as 'udp' | 'tcp';
          port = Number(pp[2]);
        }
        s.hosts.push({ ip, protocol, port, emblem: /\bformat emblem\b/.test(line), line });
        break;
      }
      case 'trap':
        s.trap = parseLevel(t[2]);
        break;
      case 'timestamp':
        s.timestamp = true;
        break;
      case 'device-id':
        if (t[2] === 'hostname') s.deviceId = { kind: 'hostname' };
        else if (t[2] === 'context-name') s.deviceId = { kind: 'context-name' };
        else if (t[2] === 'ipaddress') s.deviceId = { kind: 'ipaddress', interface: t.slice(3).join(' ') };
        else if (t[2] === 'string') s.deviceId = { kind: 'string', value: t.slice(3).join(' ') };
        break;
      case 'facility': {
        const f = Number(t[2]);
        if (Number.isInteger(f) && f >= 0 && f <= 23) s.facility = f;
        break;
      }
      case 'standby':
        s.standby = true;
        break;
      case 'fastpath':
        s.fastpath = true;
        break;
      case 'history':
        s.history = parseLevel(t[2]);
        break;
      case 'message': {
        const id = t[2];
        const lvl = t[3] === 'level' ? parseLevel(t[4]) : undefined;
        if (id !== undefined && lvl !== undefined) s.messageLevels[id] = lvl;
        break;
      }
      case 'rate-limit':
        s.rateLimits.push(line);
        break;
      default:
        break;
    }
  }
  return s;
}

/** Would a message of this id and default severity reach the `logging host` targets? */
export function messageReachesHosts(s: LoggingSettings, id: string, severity: number): boolean {
  if (!s.enabled || s.fastpath) return false;
  if (s.disabledMessages.includes(id)) return false;
  const level = s.messageLevels[id] ?? severity;
  return s.trap !== undefined && level <= s.trap;
}

/** Loose reading of `show logging` (field names unconfirmed; see reference 4.8). */
export interface ShowLogging {
  enabled?: boolean;
  trapLevel?: number;
  facility?: number;
  standby?: boolean;
  timestamp?: boolean;
  hosts: string[];
}

export function parseShowLogging(output: string): ShowLogging {
  const r: ShowLogging = { hosts: [] };
  for (const raw of output.split('\n')) {
    const line = raw.trim();
    let m: RegExpExecArray | null;
    if ((m = /^Syslog logging\s*:\s*(enabled|disabled)/i.exec(line))) r.enabled = m[1]!.toLowerCase() === 'enabled';
    else if ((m = /^Trap logging\s*:\s*(?:level\s+)?(\w+)/i.exec(line))) r.trapLevel = parseLevel(m[1]);
    else if ((m = /^Facility\s*:\s*(\d+)/i.exec(line))) r.facility = Number(m[1]);
    else if ((m = /^Standby logging\s*:\s*(enabled|disabled)/i.exec(line)))
      r.standby = m[1]!.toLowerCase() === 'enabled';
    else if ((m = /^Timestamp logging\s*:\s*(enabled|disabled)/i.exec(line)))
      r.timestamp = m[1]!.toLowerCase() === 'enabled';
    else if ((m = /^Logging to\s+(\S+)/i.exec(line))) r.hosts.push(m[1]!);
  }
  return r;
}
