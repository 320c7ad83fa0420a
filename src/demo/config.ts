/**
 * acesync's configuration for the simulated lab: the two simulated devices (SSH pinned to
 * the host keys the simulator generated), each context's loopback source address, the
 * ANM simulator behind the `http` upload strategy, and every listener on loopback.
 * Built through the real schema, so the demo runs exactly what a configuration file would.
 */
import { resolve } from 'node:path';
import { configSchema, type Config } from '../config/schema.js';
import type { DeviceEndpoint } from '../sim/ace/index.js';
import { DEMO_DEVICES, DEMO_USER, demoSourceAddress } from './spec.js';

/** Environment variables the demo sets for acesync (in-process only; never printed). */
export const DEMO_ACE_PASSWORD_ENV = 'ACESYNC_DEMO_ACE_PASSWORD';
export const DEMO_ANM_PASSWORD_ENV = 'ACESYNC_DEMO_ANM_PASSWORD';
export const DEMO_ANM_USER = 'acesync';

/** Timings of the lab; the demo's defaults suit a person watching, tests pass shorter ones. */
export interface LabTimings {
  /** Full audit of every device (default 60 s). */
  auditIntervalMs?: number;
  /** First audits spread over this window after start (default min(auditIntervalMs, 30 s)). */
  startupSpreadMs?: number;
  /** Audit interval of a device on fast polling (default 5 s). */
  fastIntervalMs?: number;
  /** Settle window of `settle: default` (default 2 s). */
  settleMs?: number;
  /** First retry delay of a failed job (default 2 s). */
  jobBackoffMs?: number;
  /** ANM circuit breaker: failures that open it and how long it stays open. */
  breakerFailures?: number;
  breakerResetMs?: number;
  /** How often due timers are looked for (default 250 ms). */
  tickMs?: number;
}

/** What the demo is tuned for: a person watching the page. */
export const DEMO_TIMINGS = {
  auditIntervalMs: 60_000,
  // The first audits within 2 s of start, not at random within 30 s: the README promises "within seconds".
  startupSpreadMs: 2_000,
  fastIntervalMs: 5_000,
  settleMs: 2_000,
  jobBackoffMs: 2_000,
  breakerFailures: 3,
  breakerResetMs: 5_000,
} as const satisfies LabTimings;

export interface LabConfigOptions {
  endpoints: DeviceEndpoint[];
  /** User contexts (Admin is added). */
  contexts: string[];
  anmUrl: string;
  storePath: string;
  rulesPath: string;
  syslogPort: number;
  snmpPort: number;
  snmpEnabled?: boolean;
  httpPort?: number;
  httpEnabled?: boolean;
  logLevel?: Config['log']['level'];
  timings?: LabTimings;
  /** Merged over the generated object before validation (tests tweak a key). */
  overrides?: Record<string, unknown>;
}

/** The plain object (what a YAML file would hold); `labConfig` validates it. */
export function labConfigObject(o: LabConfigOptions): Record<string, unknown> {
  const t = o.timings ?? {};
  const names = ['Admin', ...o.contexts];
  const devices = DEMO_DEVICES.map((name, i) => {
    const e = o.endpoints.find((x) => x.device === name);
    if (!e) throw new Error(`the simulator has no device ${name}`);
    return {
      name,
      host: e.host,
      peer: DEMO_DEVICES[1 - i],
      contexts: names.map((c, k) => ({ name: c, ft_group: k + 1, sources: [demoSourceAddress(i, k)] })),
      ssh: {
        port: e.port,
        username: DEMO_USER,
        password_env: DEMO_ACE_PASSWORD_ENV,
        host_key_sha256: e.hostKeySha256,
        connect_timeout_ms: 5_000,
        command_timeout_ms: 10_000,
      },
    };
  });
  const obj: Record<string, unknown> = {
    syslog: { udp: { host: '127.0.0.1', port: o.syslogPort }, tcp: { enabled: false } },
    snmp: { enabled: o.snmpEnabled ?? true, host: '127.0.0.1', port: o.snmpPort, communities: ['public'] },
    http: { enabled: o.httpEnabled ?? true, host: '127.0.0.1', port: o.httpPort ?? 8080 },
    store: { path: resolve(o.storePath) },
    rules: o.rulesPath,
    log: { level: o.logLevel ?? 'info' },
    devices,
    poller: {
      interval_ms: t.auditIntervalMs ?? 60_000,
      fast_interval_ms: t.fastIntervalMs ?? 5_000,
      ...(t.startupSpreadMs !== undefined ? { startup_spread_ms: t.startupSpreadMs } : {}),
      jitter_ratio: 0.1,
      connect_attempts: 2,
      backoff_base_ms: 200,
      backoff_max_ms: 2_000,
      idle_close_ms: 2_000,
      overdue_after_ms: 10 * 60_000,
      expected_logging: { hosts: ['127.0.0.1'], min_trap_level: 5, standby: true },
    },
    anm: {
      enabled: true,
      url: o.anmUrl,
      username: DEMO_ANM_USER,
      password_env: DEMO_ANM_PASSWORD_ENV,
      timeout_ms: 10_000,
      breaker: { failure_threshold: t.breakerFailures ?? 3, reset_ms: t.breakerResetMs ?? 5_000 },
      strategy: { type: 'http', timeout_ms: 20_000 },
    },
    engine: {
      default_settle_ms: t.settleMs ?? 2_000,
      tick_interval_ms: t.tickMs ?? 250,
      watch_rules: false,
      jobs: {
        max_attempts: 10,
        backoff_base_ms: t.jobBackoffMs ?? 2_000,
        backoff_max_ms: Math.max(t.jobBackoffMs ?? 2_000, 10_000),
        jitter_ratio: 0.2,
      },
    },
  };
  for (const [k, v] of Object.entries(o.overrides ?? {})) {
    const cur = obj[k];
    obj[k] =
      cur && typeof cur === 'object' && !Array.isArray(cur) && v && typeof v === 'object' && !Array.isArray(v)
        ? { ...cur, ...v }
        : v;
  }
  return obj;
}

/** The validated configuration (throws like a bad file would). */
export function labConfig(o: LabConfigOptions): Config {
  return configSchema.parse(labConfigObject(o));
}
