import { z } from 'zod';
import { ip } from './common.js';

/** SSH poller (issue "ACE simulator and SSH poller" owns the details). */
export const pollerSchema = z
  .strictObject({
    enabled: z.boolean().default(true),
    /** Full audit of every device on this interval (with jitter). */
    interval_ms: z.number().int().min(1000).default(15 * 60 * 1000),
    jitter_ratio: z.number().min(0).max(1).default(0.1),
    /** Interval for devices put on fast polling by a rule. */
    fast_interval_ms: z.number().int().min(500).default(60 * 1000),
    max_sessions: z.number().int().min(1).default(8),
    /** Raise an alert event when a device has had no successful audit for this long. */
    overdue_after_ms: z.number().int().min(1000).default(60 * 60 * 1000),
    /** Logging lines every context must carry, on both peers. */
    expected_logging: z
      .strictObject({
        /** Syslog targets that must be configured (ANM's and acesync's addresses). */
        hosts: z.array(ip).default([]),
        /** Highest `logging trap` level acceptable is at least this (111008 is level 5). */
        min_trap_level: z.number().int().min(0).max(7).default(5),
      })
      .prefault({}),
  })
  .prefault({});
