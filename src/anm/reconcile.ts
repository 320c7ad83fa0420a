/**
 * Compare ANM's inventory (DeviceIDs of virtual contexts) with acesync's, purely.
 * The point is to report contexts ANM does not know: an upload of a context ANM has not
 * imported cannot succeed, and a new user context is only imported after the Admin
 * context is synced (the HA procedure, anm.md section 2).
 *
 * Identity: ANM knows a context by its name and the management address the ACE was
 * imported with (`ipAddr`, or `chassisIPAddr` for a module). acesync knows the device
 * `host`. When ANM gives no address, a context name that exists on exactly one unmatched
 * acesync device is taken as that one.
 */
import type { DeviceId } from './soap-client.js';

export interface InventoryContextRef {
  device: string;
  context: string;
  /** Management address of the device (acesync's `devices[].host`). */
  host: string;
}

export interface ReconcileResult {
  /** Contexts both sides know. */
  matched: Array<InventoryContextRef & { anm: DeviceId }>;
  /** acesync contexts ANM does not list: uploads for them will fail until ANM imports them. */
  missingInAnm: InventoryContextRef[];
  /** Contexts ANM lists that acesync's inventory does not have. */
  unknownToAcesync: DeviceId[];
}

/** Addresses compared the way sockets report them (`::ffff:` prefix, case). */
function addr(a: string | undefined): string | undefined {
  if (a === undefined) return undefined;
  const t = a.trim().toLowerCase();
  return t.startsWith('::ffff:') && t.includes('.') ? t.slice(7) : t;
}

const key = (address: string, context: string): string => `${address}\u0000${context}`;

export function reconcile(
  anmContexts: readonly DeviceId[],
  inventoryContexts: readonly InventoryContextRef[],
): ReconcileResult {
  const byKey = new Map<string, InventoryContextRef>();
  for (const c of inventoryContexts) byKey.set(key(addr(c.host)!, c.context), c);

  const matched: ReconcileResult['matched'] = [];
  const unknownToAcesync: DeviceId[] = [];
  const taken = new Set<InventoryContextRef>();
  const addressless: DeviceId[] = [];

  for (const d of anmContexts) {
    if (d.name === undefined) {
      unknownToAcesync.push(d);
      continue;
    }
    const addresses = [addr(d.ipAddr), addr(d.chassisIPAddr)].filter((a): a is string => a !== undefined);
    if (addresses.length === 0) {
      addressless.push(d);
      continue;
    }
    const hit = addresses.map((a) => byKey.get(key(a, d.name!))).find((c) => c !== undefined && !taken.has(c));
    if (hit) {
      taken.add(hit);
      matched.push({ ...hit, anm: d });
    } else unknownToAcesync.push(d);
  }

  // Second pass, so an address-less item never steals a context an addressed item matches.
  for (const d of addressless) {
    const candidates = inventoryContexts.filter((c) => c.context === d.name && !taken.has(c));
    if (candidates.length === 1) {
      taken.add(candidates[0]!);
      matched.push({ ...candidates[0]!, anm: d });
    } else unknownToAcesync.push(d);
  }

  const missingInAnm = inventoryContexts.filter((c) => !taken.has(c));
  return { matched, missingInAnm, unknownToAcesync };
}

/** acesync's contexts as reconcile input, from the inventory's devices. */
export function inventoryContextRefs(
  devices: Iterable<{ name: string; host: string; contexts: readonly string[] }>,
): InventoryContextRef[] {
  const out: InventoryContextRef[] = [];
  for (const d of devices) for (const c of d.contexts) out.push({ device: d.name, context: c, host: d.host });
  return out;
}
