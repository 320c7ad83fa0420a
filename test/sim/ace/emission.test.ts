import { describe, expect, it } from 'vitest';
import dgram from 'node:dgram';
import net from 'node:net';
import { once } from 'node:events';
import { CLOG } from '../../../src/sim/ace/emitters.js';
import { openAceSession } from '../../../src/devices/ace-session.js';
import { pairLab, PASSWORD } from '../../devices/fixture.js';

const lab = pairLab();
const settle = (ms = 150): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('simulated ACE syslog', () => {
  it("sends 111008 from the context's own address, only while logging is enabled", async () => {
    const line = "User 'admin' executed the 'probe icmp P1' command.";
    lab.sim.configure('ace-a', 'C1', ['probe icmp P1']);
    const hit = await lab.rx.waitFor((g) => g.text.includes(line));
    expect(hit.from).toBe('127.0.0.12');
    // PRI 165 = facility 20 (LOCAL4) * 8 + severity 5; device-id context-name.
    expect(hit.text).toBe(`<165>C1: %ACE-5-111008: ${line}`);

    lab.sim.configure('ace-a', 'C1', ['no logging enable']);
    const before = lab.rx.got.length;
    lab.sim.configure('ace-a', 'C1', ['probe icmp P2']);
    await settle();
    expect(lab.rx.got.slice(before).filter((g) => g.text.includes("'probe icmp P2'"))).toEqual([]);

    lab.sim.configure('ace-a', 'C1', ['logging enable']);
    lab.sim.configure('ace-a', 'C1', ['probe icmp P3']);
    await lab.rx.waitFor((g) => g.text.includes("'probe icmp P3'"));

    // A trap level below 5 also silences 111008.
    lab.sim.configure('ace-a', 'C1', ['logging trap 4']);
    const mark = lab.rx.got.length;
    lab.sim.configure('ace-a', 'C1', ['probe icmp P4']);
    await settle();
    expect(lab.rx.got.slice(mark).some((g) => g.text.includes("'probe icmp P4'"))).toBe(false);
    lab.sim.configure('ace-a', 'C1', [
      'logging trap 6',
      'no probe icmp P1',
      'no probe icmp P2',
      'no probe icmp P3',
      'no probe icmp P4',
    ]);
    expect(lab.sim.getRunningConfig('ace-a', 'C1')).not.toMatch(/probe icmp/);
    expect(lab.sim.getRunningConfig('ace-a', 'C1')).toMatch(/^logging trap 6$/m);
  });

  it('stops sending when the logging host is removed', async () => {
    lab.sim.configure('ace-a', 'C2', ['no logging host 127.0.0.1']);
    await settle(); // the 'configure terminal' before it was still sent
    const mark = lab.rx.got.length;
    lab.sim.configure('ace-a', 'C2', ['probe icmp Q1']);
    await settle();
    expect(lab.rx.got.slice(mark).filter((g) => g.from === '127.0.0.13')).toEqual([]);
    lab.sim.configure('ace-a', 'C2', [`logging host 127.0.0.1 udp/${lab.rx.port}`, 'no probe icmp Q1']);
    await lab.rx.waitFor((g) => g.from === '127.0.0.13' && g.text.includes("'no probe icmp Q1'"));
  });

  it('keeps a standby context silent unless logging standby is set', async () => {
    // C2 has no `logging standby`; C1 has.
    const mark = lab.rx.got.length;
    lab.sim.configure('ace-b', 'C2', ['probe icmp S1']);
    lab.sim.configure('ace-b', 'C1', ['probe icmp S2']);
    await lab.rx.waitFor((g) => g.from === '127.0.0.22' && g.text.includes("'probe icmp S2'"));
    expect(lab.rx.got.slice(mark).some((g) => g.from === '127.0.0.23')).toBe(false);
    lab.sim.configure('ace-b', 'C2', ['no probe icmp S1']);
    lab.sim.configure('ace-b', 'C1', ['no probe icmp S2']);
  });

  it("replicates the active's changes to the standby (auto-sync); the standby does not account replicated commands", async () => {
    const mark = lab.rx.got.length;
    lab.sim.configure('ace-a', 'C1', ['rserver host WEB9', '  ip address 10.10.20.19']);
    expect(lab.sim.getRunningConfig('ace-b', 'C1')).toContain('rserver host WEB9\n  ip address 10.10.20.19');
    expect(lab.sim.getRunningConfig('ace-b', 'C1')).toBe(lab.sim.getRunningConfig('ace-a', 'C1'));
    // The active accounts the command; the standby (even with `logging standby`) does not:
    // replication is not a user executing a command there.
    await lab.rx.waitFor((g) => g.from === '127.0.0.12' && g.text.includes("'ip address 10.10.20.19'"));
    lab.sim.configure('ace-a', 'C2', ['rserver host APP9']);
    expect(lab.sim.getRunningConfig('ace-b', 'C2')).toContain('rserver host APP9');
    await lab.rx.waitFor((g) => g.from === '127.0.0.13' && g.text.includes("'rserver host APP9'"));
    await settle();
    expect(
      lab.rx.got
        .slice(mark)
        .some((g) => (g.from === '127.0.0.22' || g.from === '127.0.0.23') && /WEB9|APP9/.test(g.text)),
    ).toBe(false);
    // Without auto-sync nothing is replicated.
    lab.sim.configure('ace-a', 'C2', ['no ft auto-sync running-config', 'rserver host APP10']);
    expect(lab.sim.getRunningConfig('ace-b', 'C2')).not.toContain('APP10');
    lab.sim.configure('ace-a', 'C2', ['no rserver host APP10', 'no rserver host APP9', 'ft auto-sync running-config']);
    expect(lab.sim.getRunningConfig('ace-b', 'C2')).toBe(lab.sim.getRunningConfig('ace-a', 'C2'));
    lab.sim.configure('ace-a', 'C1', ['no rserver host WEB9']);
  });

  it('emits 504001/504002 from Admin when a context is created or removed', async () => {
    lab.sim.configure('ace-a', 'Admin', ['context VC_X', '  allocate-interface vlan 310', 'exit']);
    const added = await lab.rx.waitFor((g) => g.text.includes('504001'));
    expect(added).toMatchObject({
      from: '127.0.0.11',
      text: '<165>Admin: %ACE-5-504001: Security context VC_X was added to the system',
    });
    expect(lab.sim.device('ace-a').contexts.has('VC_X')).toBe(true);
    expect(lab.sim.device('ace-b').contexts.has('VC_X')).toBe(true);
    lab.sim.configure('ace-a', 'Admin', ['no context VC_X']);
    await lab.rx.waitFor(
      (g) => g.from === '127.0.0.11' && g.text.includes('504002: Security context VC_X was removed'),
    );
    expect(lab.sim.device('ace-a').contexts.has('VC_X')).toBe(false);
    expect(lab.sim.device('ace-b').contexts.has('VC_X')).toBe(false);
  });

  it('renders logging timestamp, device-id hostname and facility in the envelope', async () => {
    lab.sim.configure('ace-a', 'C1', ['logging timestamp', 'logging device-id hostname', 'logging facility 17']);
    lab.sim.configure('ace-a', 'C1', ['probe icmp T1']);
    const hit = await lab.rx.waitFor((g) => g.text.includes("'probe icmp T1'"));
    expect(hit.text).toMatch(/^<141>[A-Z][a-z]{2} \d{2} \d{4} \d{2}:\d{2}:\d{2} ace-a: %ACE-5-111008: /);
    lab.sim.configure('ace-a', 'C1', [
      'no logging timestamp',
      'logging device-id context-name',
      'no logging facility',
      'no probe icmp T1',
    ]);
  });

  it('switchover sends 727012 on both devices, and a clogMessageGenerated trap where snmp-server host is set', async () => {
    const trapSock = dgram.createSocket('udp4');
    const traps: Array<{ buf: Buffer; from: string }> = [];
    trapSock.on('message', (buf, r) => traps.push({ buf, from: r.address }));
    trapSock.bind(0, '127.0.0.1');
    await once(trapSock, 'listening');
    const trapPort = (trapSock.address() as net.AddressInfo).port;
    try {
      lab.sim.configure('ace-a', 'C1', [`snmp-server host 127.0.0.1 traps version 2c public udp-port ${trapPort}`]);
      const mark = lab.rx.got.length;
      lab.sim.type('ace-a', 'C1', 'ft switchover');
      const a = await lab.rx.waitFor((g) => g.from === '127.0.0.12' && g.text.includes('727012'));
      const b = await lab.rx.waitFor((g) => g.from === '127.0.0.22' && g.text.includes('727012'));
      expect(a.text).toBe(
        '<166>C1: %ACE-6-727012: ace-a: HA: FT Group 2 changed state to FSM_FT_STATE_STANDBY_HOT. Reason: Switchover requested by user.',
      );
      expect(b.text).toContain('ace-b: HA: FT Group 2 changed state to FSM_FT_STATE_ACTIVE.');
      expect(lab.rx.got.slice(mark).some((g) => g.text.includes("executed the 'ft switchover' command"))).toBe(true);
      expect(lab.sim.ftState('ace-b', 2)).toEqual({ state: 'ACTIVE', peerState: 'STANDBY_HOT' });
      // The replicated snmp-server line makes both send the trap, each from its own address.
      for (let i = 0; i < 50 && traps.length < 2; i++) await settle(20);
      expect(traps.map((t) => t.from).sort()).toEqual(['127.0.0.12', '127.0.0.22']);
      const oid = Buffer.from([0x2b, 6, 1, 4, 1, 9, 9, 41, 2, 0, 1]); // 1.3.6.1.4.1.9.9.41.2.0.1
      for (const t of traps) {
        expect(t.buf.includes(oid)).toBe(true);
        expect(t.buf.includes(Buffer.from('727012'))).toBe(true);
        expect(t.buf.includes(Buffer.from('public'))).toBe(true);
      }
      expect(CLOG.messageGenerated).toBe('1.3.6.1.4.1.9.9.41.2.0.1');
      // Switch back from the new active's CLI.
      expect(lab.sim.type('ace-a', 'C1', 'ft switchover')).toMatch(/only be initiated from the active/);
      lab.sim.type('ace-b', 'C1', 'ft switchover');
      expect(lab.sim.ftState('ace-a', 2).state).toBe('ACTIVE');
    } finally {
      lab.sim.configure('ace-a', 'C1', ['no snmp-server host 127.0.0.1']);
      trapSock.close();
    }
  });

  it('a failed device stops answering SSH and its peer takes over; recovery rejoins as standby', async () => {
    const ep = lab.sim.endpoint('ace-a');
    await lab.sim.failDevice('ace-a');
    try {
      expect(lab.sim.ftState('ace-b', 2)).toEqual({ state: 'ACTIVE', peerState: 'UNKNOWN' });
      await lab.rx.waitFor(
        (g) =>
          g.from === '127.0.0.22' && /FT Group 2 changed state to FSM_FT_STATE_ACTIVE\. Reason: Peer down/.test(g.text),
      );
      await expect(
        openAceSession({
          host: ep.host,
          port: ep.port,
          username: 'admin',
          password: PASSWORD,
          hostKeySha256: ep.hostKeySha256,
          connectTimeoutMs: 1000,
        }),
      ).rejects.toThrow();
    } finally {
      await lab.sim.recoverDevice('ace-a');
    }
    expect(lab.sim.ftState('ace-a', 2)).toEqual({ state: 'STANDBY_HOT', peerState: 'ACTIVE' });
    const s = await openAceSession({
      host: ep.host,
      port: ep.port,
      username: 'admin',
      password: PASSWORD,
      hostKeySha256: ep.hostKeySha256,
    });
    await s.close();
    for (const g of [1, 2, 3]) lab.sim.switchover(g, { device: 'ace-b' });
    expect(lab.sim.ftState('ace-a', 1).state).toBe('ACTIVE');
  });
});

describe('simulated ACE config sync failure', () => {
  it('a standby lacking a referenced certificate goes STANDBY_COLD and sends 727005', async () => {
    lab.sim.addCryptoFile('ace-a', 'C2', { name: 'only-here.crt', kind: 'cert' });
    lab.sim.configure('ace-a', 'C2', ['ssl-proxy service SP2', '  cert only-here.crt']);
    expect(lab.sim.ftState('ace-b', 3).state).toBe('STANDBY_COLD');
    expect(lab.sim.ftState('ace-a', 3).peerState).toBe('STANDBY_COLD');
    const m = lab.sim.messages({ device: 'ace-b', context: 'C2', id: '727005' });
    expect(m[0]!.text).toContain(
      "HA: Config replication failed for context C2. Error : Unable to locate the certificate file 'only-here.crt'",
    );
    expect(lab.sim.type('ace-b', 'C2', 'show ft config-error')).toContain('`cert only-here.crt`');
    // Import the file on the standby, re-enable auto-sync on the active: bulk sync -> HOT.
    lab.sim.addCryptoFile(
      'ace-b',
      'C2',
      lab.sim.cryptoFiles('ace-a', 'C2').find((f) => f.name === 'only-here.crt')!,
    );
    lab.sim.configure('ace-a', 'C2', ['no ft auto-sync running-config', 'ft auto-sync running-config']);
    expect(lab.sim.ftState('ace-b', 3).state).toBe('STANDBY_HOT');
    expect(lab.sim.type('ace-b', 'C2', 'show ft config-error')).toMatch(/No bulk config apply errors/);
    lab.sim.configure('ace-a', 'C2', ['no ssl-proxy service SP2']);
  });
});
