/**
 * The trust model: who may speak for what. Pure.
 *
 * - Context creation and removal (`context X` / `no context X` in 111008, 504001/504002,
 *   cmVirtContextAdded/Removed) are Admin's business: they count only from the Admin
 *   context of the device they are about, i.e. from an address configured under its Admin
 *   context, or from a device-level address (the sample configuration lists the Admin
 *   context's address there) when no `device-id` / clogOriginID claims another context.
 * - Every other line speaks for the context its source address belongs to, whatever its
 *   `device-id` token says (a user context's address cannot claim to be Admin).
 * - What acesync observed itself over SSH (`transport: poll`) and its own events are trusted.
 * - Relays (a collector forwarding many devices' lines) are not a trusted speaker yet.
 */
import type { AceEvent } from '../core/events.js';
import { ADMIN_CONTEXT, normaliseAddress, type Attribution } from './inventory.js';

export type LifecycleVerdict =
  | { allowed: true; speaker: 'acesync' | 'admin-source' | 'device-source' }
  | { allowed: false; reason: 'not-admin' | 'unknown-source'; sourceContext?: string };

/** Transports whose events acesync produced itself (SSH polls, job outcomes, timers). */
const OWN_TRANSPORTS = new Set(['poll', 'action', 'internal']);

/** May this event change the set of contexts of its device? */
export function mayChangeLifecycle(
  event: AceEvent,
  lookup: (addr: string) => Attribution | undefined,
): LifecycleVerdict {
  if (event.transport !== undefined && OWN_TRANSPORTS.has(event.transport))
    return { allowed: true, speaker: 'acesync' };
  if (event.source === undefined || event.device === undefined) return { allowed: false, reason: 'unknown-source' };
  const hit = lookup(normaliseAddress(event.source));
  if (!hit || hit.device !== event.device) return { allowed: false, reason: 'unknown-source' };
  if (hit.context === ADMIN_CONTEXT) return { allowed: true, speaker: 'admin-source' };
  if (hit.context !== undefined) return { allowed: false, reason: 'not-admin', sourceContext: hit.context };
  // A device-level address: Admin's, unless the line itself says it came from a user context.
  const claimed = event.claimedOrigin ?? event.originContext;
  if (claimed === undefined || claimed === ADMIN_CONTEXT) return { allowed: true, speaker: 'device-source' };
  return { allowed: false, reason: 'not-admin' };
}

/**
 * Keep the source's attribution when a token in the message (device-id, a trap's
 * clogOriginID) names another context than the one the source address belongs to.
 * Returns true when a mismatch was found (and recorded in `claimedOrigin`).
 */
export function enforceSourceOrigin(event: AceEvent, lookup: (addr: string) => Attribution | undefined): boolean {
  if (event.source === undefined) return false;
  const hit = lookup(normaliseAddress(event.source));
  if (!hit || hit.context === undefined || hit.device !== event.device) return event.claimedOrigin !== undefined;
  if (event.originContext !== undefined && event.originContext !== hit.context) {
    event.claimedOrigin = event.originContext;
    event.originContext = hit.context;
  }
  return event.claimedOrigin !== undefined;
}
