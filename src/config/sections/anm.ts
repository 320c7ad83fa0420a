import { z } from 'zod';

/** ANM client and upload strategy (issue "Uploads to ANM" owns the details). */
export const anmSchema = z
  .strictObject({
    enabled: z.boolean().default(false),
  })
  .prefault({});
