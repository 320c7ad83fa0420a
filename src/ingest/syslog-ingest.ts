// CONTRACT STUB — implemented by the syslog ingest work (issue "Foundation"). Signatures are fixed.
import type { IngestDeps, Listener } from './types.js';

/** UDP (and optionally TCP) syslog listeners feeding the sink. */
export class SyslogIngest implements Listener {
  constructor(readonly deps: IngestDeps) {}
  async start(): Promise<void> {}
  async stop(): Promise<void> {}
  addresses(): ReturnType<Listener['addresses']> {
    return [];
  }
}
