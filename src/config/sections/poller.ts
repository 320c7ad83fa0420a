import { z } from 'zod';
import { ip } from './common.js';

/** A regular expression given as a string; rejected at load time if it does not compile. */
const regexSource = z
  .string()
  .min(1)
  .max(500)
  .refine(
    (s) => {
      try {
        new RegExp(s);
        return true;
      } catch {
        return false;
      }
    },
    { message: 'not a valid regular expression' },
  );

/** SSH poller (issue "ACE simulator and SSH poller" owns the details). */
export const pollerSchema = z
  .strictObject({
    enabled: z.boolean().default(true),
    /** Full audit of every device on this interval (with jitter). */
    interval_ms: z
      .number()
      .int()
      .min(1000)
      .default(15 * 60 * 1000),
    jitter_ratio: z.number().min(0).max(1).default(0.1),
    /**
     * First audits after start (and of devices a reload adds) are spread at random over this window, so a large
     * estate is not logged in to all at once. Default min(interval_ms, 30 s); 0 audits every device at once.
     */
    startup_spread_ms: z.number().int().min(0).optional(),
    /** Interval for devices put on fast polling by a rule. */
    fast_interval_ms: z
      .number()
      .int()
      .min(500)
      .default(60 * 1000),
    /** SSH sessions open at once, all devices together (one per device at most). */
    max_sessions: z.number().int().min(1).default(8),
    /** Raise an alert event when a device has had no successful audit for this long. */
    overdue_after_ms: z
      .number()
      .int()
      .min(1000)
      .default(60 * 60 * 1000),
    /** Attempts to open a session before an audit step fails (backoff between them). */
    connect_attempts: z.number().int().min(1).max(10).default(3),
    /** First reconnect delay; doubles per consecutive failure up to `backoff_max_ms` (with jitter). */
    backoff_base_ms: z.number().int().min(10).default(1000),
    backoff_max_ms: z.number().int().min(10).default(60_000),
    /** Keep a device's session open this long after its last command, for the next job. 0 closes at once. */
    idle_close_ms: z.number().int().min(0).default(15_000),
    /** Extra patterns of running-config lines that change without a config change (never hashed). */
    volatile_patterns: z.array(regexSource).default([]),
    /** Largest running-config accepted per context, in characters. */
    max_config_chars: z
      .number()
      .int()
      .min(1024)
      .default(4 * 1024 * 1024),
    /** Lines of unified diff carried by an audit-result event. */
    diff_max_lines: z.number().int().min(0).default(80),
    /** Logging lines every context must carry, on both peers. */
    expected_logging: z
      .strictObject({
        /** Syslog targets that must be configured (ANM's and acesync's addresses). */
        hosts: z.array(ip).default([]),
        /** Highest `logging trap` level acceptable is at least this (111008 is level 5). */
        min_trap_level: z.number().int().min(0).max(7).default(5),
        /** Message ids that must not be switched off or re-levelled below the trap level. */
        required_messages: z
          .array(z.string().regex(/^\d{6}$/, 'six-digit ACE message id'))
          .default(['111008', '727012']),
        /** Also require `logging standby`, so commands typed on a standby are reported too. */
        standby: z.boolean().default(false),
      })
      .prefault({}),
  })
  .prefault({});

/**
 * Why logging drift (silenced syslog) is not checked, or undefined when it is. acesync cannot
 * know which of its addresses the devices use, so an empty `expected_logging.hosts` is warned
 * about loudly (start-up log, /readyz, the page) instead of guessed; `acesync discover` fills it.
 */
export function loggingDriftUnchecked(cfg: {
  devices: readonly unknown[];
  poller: { enabled: boolean; expected_logging: { hosts: readonly string[] } };
}): string | undefined {
  if (cfg.devices.length === 0 || !cfg.poller.enabled || cfg.poller.expected_logging.hosts.length > 0) return undefined;
  return (
    'logging drift is NOT checked: poller.expected_logging.hosts is empty, so a context whose syslog to ANM and ' +
    'acesync is silenced goes unnoticed; list the logging hosts there (acesync discover finds them)'
  );
}
