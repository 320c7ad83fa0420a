import { describe, expect, it } from 'vitest';
import { AceSimulator, haPairSpec } from '../../../src/sim/ace/index.js';
import { udpReceiver } from '../../devices/fixture.js';

describe('haPairSpec', () => {
  it('starts a synced pair whose contexts log from their own addresses', async () => {
    const rx = await udpReceiver();
    const sim = await AceSimulator.start(
      haPairSpec({ password: 'pw', syslog: { ip: '127.0.0.1', port: rx.port }, contexts: ['VC_WEB'] }),
      { noSsh: true },
    );
    try {
      expect(sim.ftState('ace-a', 2)).toEqual({ state: 'ACTIVE', peerState: 'STANDBY_HOT' });
      expect(sim.getRunningConfig('ace-b', 'VC_WEB')).toBe(sim.getRunningConfig('ace-a', 'VC_WEB'));
      expect(sim.getRunningConfig('ace-a', 'VC_WEB')).toContain('serverfarm host SF1');
      sim.configure('ace-b', 'VC_WEB', ['probe icmp ON-STANDBY']);
      const hit = await rx.waitFor((g) => g.text.includes("'probe icmp ON-STANDBY'"));
      expect(hit.from).toBe('127.0.51.2');
    } finally {
      await sim.stop();
      await rx.close();
    }
  });
});
