/** What the service logs about itself: decisions as they are made, and where it listens. */
import type { FastifyInstance } from 'fastify';
import type { Logger } from '../core/log.js';
import type { DecisionRecord } from '../store/state-writes.js';

export function logDecisions(logger: Logger, records: DecisionRecord[]): void {
  for (const r of records) {
    if (r.kind === 'state')
      logger.info(
        {
          device: r.device,
          context: r.context,
          from: r.from,
          to: r.to,
          rule: r.rule,
          eventId: r.eventId,
          reason: r.reason,
        },
        'state changed',
      );
    else if (r.kind === 'action' && !r.action?.startsWith('settle:') && r.detail?.merged !== true)
      logger.info({ action: r.action, device: r.device, context: r.context, rule: r.rule, due: r.due }, 'action');
    else if (r.kind === 'expect-expired')
      logger.warn({ device: r.device, context: r.context, rule: r.rule, reason: r.reason }, 'expectation expired');
  }
}

/** Bound addresses of the web server, in the listener format (`transport: 'http'`). */
export function webAddresses(
  web: FastifyInstance | undefined,
): Array<{ transport: 'http'; address: string; port: number }> {
  if (!web) return [];
  const a = web.server.address();
  return a && typeof a === 'object' ? [{ transport: 'http', address: a.address, port: a.port }] : [];
}
