import { describe, expect, it } from 'vitest';
import { Inventory } from '../../src/inventory/inventory.js';
import { enforceSourceOrigin, mayChangeLifecycle } from '../../src/inventory/trust.js';
import { parseSyslog } from '../../src/parse/syslog.js';
import type { AceEvent } from '../../src/core/events.js';
import { PAIR_DEVICES } from '../engine/helpers.js';
import { configSchema } from '../../src/config/schema.js';

// ace1: device-level 10.0.0.1 (Admin's); VC_WEB 10.0.1.1. Admin listed, no own address.
const inv = Inventory.fromConfig(configSchema.parse({ devices: PAIR_DEVICES }));
const lookup = (a: string) => inv.lookupSource(a);
const line = (text: string, source: string): AceEvent => inv.attribute(parseSyslog(text), source);

describe('trust model: who may create and remove contexts', () => {
  it("a user context's address may not, whatever its device-id says", () => {
    const e = line("<189>Admin: %ACE-5-111008: User 'x' executed the 'context PH_1' command.", '10.0.1.1');
    expect(e).toMatchObject({
      kind: 'context-lifecycle',
      device: 'ace1',
      originContext: 'VC_WEB',
      claimedOrigin: 'Admin',
    });
    expect(mayChangeLifecycle(e, lookup)).toEqual({ allowed: false, reason: 'not-admin', sourceContext: 'VC_WEB' });
  });

  it("Admin's (device-level) address may, unless the line says it came from a user context", () => {
    expect(
      mayChangeLifecycle(line('<189>%ACE-5-504001: Security context N was added to the system', '10.0.0.1'), lookup),
    ).toEqual({
      allowed: true,
      speaker: 'device-source',
    });
    const fromWeb = line('<189>VC_WEB: %ACE-5-504001: Security context N was added to the system', '10.0.0.1');
    expect(fromWeb.originContext).toBe('VC_WEB');
    expect(mayChangeLifecycle(fromWeb, lookup)).toMatchObject({ allowed: false, reason: 'not-admin' });
  });

  it('an unknown address may not; what acesync saw over SSH may', () => {
    const e = line('<189>%ACE-5-504002: Security context VC_APP was removed from the system', '192.0.2.99');
    expect(mayChangeLifecycle(e, lookup)).toEqual({ allowed: false, reason: 'unknown-source' });
    expect(
      mayChangeLifecycle(
        { kind: 'context-lifecycle', transport: 'poll', device: 'ace1', change: 'discovered' },
        lookup,
      ),
    ).toMatchObject({
      allowed: true,
    });
  });

  it("a trap's clogOriginID naming Admin from VC_WEB's address is put back to VC_WEB and refused", () => {
    // What the SNMP receiver hands on: attributed by source, then its contextName origin laid over it.
    const e: AceEvent = inv.attribute(
      { kind: 'context-lifecycle', change: 'added', context: 'PH_T', transport: 'snmp' },
      '10.0.1.1',
    );
    e.originContext = 'Admin';
    expect(enforceSourceOrigin(e, lookup)).toBe(true);
    expect(e).toMatchObject({ originContext: 'VC_WEB', claimedOrigin: 'Admin' });
    expect(mayChangeLifecycle(e, lookup)).toMatchObject({ allowed: false, reason: 'not-admin' });
  });
});
