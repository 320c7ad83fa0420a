// CONTRACT STUB — implemented by the SNMP work (issue "SNMP trap ingest"). Signatures are fixed.
import type { IngestDeps, Listener } from './types.js';

/** SNMP trap/inform receiver (v1, v2c, v3) feeding the sink. */
export class SnmpIngest implements Listener {
  constructor(readonly deps: IngestDeps) {}
  async start(): Promise<void> {}
  async stop(): Promise<void> {}
  addresses(): ReturnType<Listener['addresses']> {
    return [];
  }
}
