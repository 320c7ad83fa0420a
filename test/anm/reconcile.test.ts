import { describe, it, expect } from 'vitest';
import { reconcile, inventoryContextRefs } from '../../src/anm/reconcile.js';
import { Inventory } from '../../src/inventory/inventory.js';
import { configSchema } from '../../src/config/schema.js';

describe('reconcile', () => {
  const inv = inventoryContextRefs([
    { name: 'ace-a', host: '10.1.1.1', contexts: ['Admin', 'VC_WEB', 'VC_NEW'] },
    { name: 'ace-b', host: '10.1.1.2', contexts: ['Admin', 'VC_WEB'] },
  ]);

  it('matches by address and context name, and reports both kinds of difference', () => {
    const r = reconcile(
      [
        { name: 'Admin', deviceType: 'VIRTUAL_CONTEXT', ipAddr: '10.1.1.1' },
        { name: 'VC_WEB', deviceType: 'VIRTUAL_CONTEXT', ipAddr: '::ffff:10.1.1.1' },
        { name: 'Admin', deviceType: 'VIRTUAL_CONTEXT', ipAddr: '10.1.1.2' },
        { name: 'VC_WEB', deviceType: 'VIRTUAL_CONTEXT', ipAddr: '10.1.1.2' },
        { name: 'VC_OTHER', deviceType: 'VIRTUAL_CONTEXT', ipAddr: '10.1.1.2' },
        { name: 'Admin', deviceType: 'VIRTUAL_CONTEXT', ipAddr: '10.7.7.7' },
      ],
      inv,
    );
    expect(r.matched.map((m) => `${m.device}/${m.context}`)).toEqual([
      'ace-a/Admin',
      'ace-a/VC_WEB',
      'ace-b/Admin',
      'ace-b/VC_WEB',
    ]);
    expect(r.missingInAnm).toEqual([{ device: 'ace-a', context: 'VC_NEW', host: '10.1.1.1' }]);
    expect(r.unknownToAcesync.map((d) => `${d.ipAddr}/${d.name}`)).toEqual(['10.1.1.2/VC_OTHER', '10.7.7.7/Admin']);
  });

  it('matches module contexts by chassis address, and address-less items only when unambiguous', () => {
    const r = reconcile(
      [
        { name: 'VC_NEW' }, // only ace-a has VC_NEW
        { name: 'VC_WEB' }, // both have VC_WEB: ambiguous
        { name: 'Admin', chassisIPAddr: '10.1.1.2', slot: '3' },
        { deviceType: 'VIRTUAL_CONTEXT' }, // no name at all
      ],
      inv,
    );
    expect(r.matched.map((m) => `${m.device}/${m.context}`)).toEqual(['ace-b/Admin', 'ace-a/VC_NEW']);
    expect(r.unknownToAcesync).toEqual([{ deviceType: 'VIRTUAL_CONTEXT' }, { name: 'VC_WEB' }]);
    expect(r.missingInAnm.map((m) => `${m.device}/${m.context}`)).toEqual([
      'ace-a/Admin',
      'ace-a/VC_WEB',
      'ace-b/VC_WEB',
    ]);
  });

  it('never matches one inventory context twice', () => {
    const r = reconcile(
      [
        { name: 'Admin', ipAddr: '10.1.1.2' },
        { name: 'Admin', ipAddr: '10.1.1.2' },
      ],
      inv,
    );
    expect(r.matched).toHaveLength(1);
    expect(r.unknownToAcesync).toHaveLength(1);
  });

  it('takes the inventory (with its implicit Admin context) as input', () => {
    const cfg = configSchema.parse({ devices: [{ name: 'x', host: '192.0.2.1', contexts: [{ name: 'C1' }] }] });
    expect(inventoryContextRefs(Inventory.fromConfig(cfg).devices.values())).toEqual([
      { device: 'x', context: 'Admin', host: '192.0.2.1' },
      { device: 'x', context: 'C1', host: '192.0.2.1' },
    ]);
  });
});
