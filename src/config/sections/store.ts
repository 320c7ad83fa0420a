import { z } from 'zod';

export const storeSchema = z
  .strictObject({
    path: z.string().min(1).default('./data/acesync.db'),
    /**
     * A git repository (created if needed) every newly stored configuration version is committed to, as
     * `acesync export git` writes it; relative to the config file's folder. Absent: no mirror.
     */
    git_mirror: z.string().min(1).optional(),
    retention: z
      .strictObject({
        events_days: z.number().min(0.01).default(30),
        decisions_days: z.number().min(0.01).default(90),
        jobs_days: z.number().min(0.01).default(30),
        /** Distinct configuration versions kept per context (the newest ones, and ANM's copy always). */
        config_versions: z.number().int().min(2).default(50),
        max_events: z.number().int().min(1000).default(1_000_000),
      })
      .prefault({}),
  })
  .prefault({});
