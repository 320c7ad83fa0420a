import { z } from 'zod';
import { envName, host, port } from './common.js';

export const httpSchema = z
  .strictObject({
    enabled: z.boolean().default(true),
    host: host.default('127.0.0.1'),
    port: port.default(8080),
    /** Environment variable holding the bearer token that mutating API calls need. */
    token_env: envName.default('ACESYNC_TOKEN'),
    /**
     * Live-update streams from one remote address at most (the global bound is 50). Behind a
     * reverse proxy every browser shares the proxy's address: raise it there.
     */
    live_clients_per_address: z.number().int().min(1).max(1000).default(10),
    /** Public URL of this page, used in alert links. */
    external_url: z.string().url().optional(),
  })
  .prefault({});
