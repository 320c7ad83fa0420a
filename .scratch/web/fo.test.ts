import { test } from 'vitest';
import { harness, testConfig, PAIR_DEVICES } from '../../test/rules/helpers.js';
test('fo', () => {
  const contexts = Array.from({ length: 5 }, (_, i) => ({ name: `VC_${i}`, ft_group: 2 }));
  const devices = PAIR_DEVICES.map((d) => ({ ...d, contexts: [{ name: 'Admin', ft_group: 1 }, ...contexts] }));
  const h = harness({ config: testConfig({ devices }) });
  h.feed({ kind: 'ha-state', id: '727012', device: 'ace1', ftGroup: 2, state: 'ACTIVE', prevState: 'STANDBY_HOT', reason: 'peer down' });
  h.advance(16 * 60_000, 5_000);
  console.log(h.records.filter(r => r.kind !== 'match').map(r => `${r.kind} ${r.rule} ${r.action} ${r.device}/${r.context} ${r.reason}`).join('\n'));
  console.log(h.store.jobs.list({type:'alert'}).length);
});
