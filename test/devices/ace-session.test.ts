import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import ssh2 from 'ssh2';
import { AceSimulator } from '../../src/sim/ace/simulator.js';
import { openAceSession, AceCommandError } from '../../src/devices/ace-session.js';
import { AcesyncError } from '../../src/core/errors.js';
import { PASSWORD } from './fixture.js';
import { generateKeyPair } from '../../src/sim/ace/ssh-server.js';

const { Client, Server } = ssh2;
const clientKey = generateKeyPair('ed25519');

let sim: AceSimulator;

beforeAll(async () => {
  sim = await AceSimulator.start({
    devices: [
      {
        name: 'modern',
        users: [
          { username: 'admin', password: PASSWORD },
          { username: 'keyuser', authorized_keys: [clientKey.public] },
        ],
        contexts: [{ name: 'C1', config: 'rserver host R1\n  inservice' }],
      },
      {
        name: 'old',
        hostname: 'ace-old',
        ssh: { legacy_only: true },
        users: [{ username: 'admin', password: PASSWORD }],
      },
    ],
  });
});
afterAll(async () => {
  await sim?.stop();
});

const ep = (d: string): { host: string; port: number; hostKeySha256: string } => sim.endpoint(d);

describe('openAceSession', () => {
  it("logs in with a password, reads a context's running-config minus its header", async () => {
    const s = await openAceSession({ ...ep('modern'), username: 'admin', password: PASSWORD });
    try {
      expect([s.hostname, s.context]).toEqual(['modern', 'Admin']);
      expect(s.hostKeySha256).toBe(ep('modern').hostKeySha256);
      const cfg = await s.runningConfig('C1');
      expect(cfg.startsWith('rserver host R1\n  inservice')).toBe(true);
      expect(cfg).not.toContain('Generating');
      expect(s.context).toBe('C1');
      await expect(s.run('show nonsense')).rejects.toBeInstanceOf(AceCommandError);
      // The session is still in step after a device error.
      expect(await s.run('show running-config | include inservice')).toBe('  inservice');
      await expect(s.changeto('NOPE')).rejects.toThrow(/does not exist/);
      await expect(s.run('show context\nexit')).rejects.toThrow(/one line/);
    } finally {
      await s.close();
    }
    expect(s.closed).toBe(true);
  });

  it('drives configuration mode like a person at the CLI', async () => {
    const s = await openAceSession({ ...ep('modern'), username: 'admin', password: PASSWORD });
    try {
      await s.changeto('C1');
      await s.run('configure terminal');
      await s.run('rserver host R2');
      await s.run('ip address 10.9.9.9');
      await s.run('exit');
      await expect(s.run('bogus words')).rejects.toThrow(/Invalid command/);
      await s.run('end');
      expect(s.context).toBe('C1');
      expect(await s.runningConfig('C1')).toContain('rserver host R2\n  ip address 10.9.9.9');
    } finally {
      await s.close();
    }
    expect(sim.getRunningConfig('modern', 'C1')).toContain('rserver host R2');
  });

  it('logs in with a public key', async () => {
    const s = await openAceSession({ ...ep('modern'), username: 'keyuser', privateKey: clientKey.private });
    expect(s.context).toBe('Admin');
    await s.close();
    await expect(
      openAceSession({ ...ep('modern'), username: 'keyuser', privateKey: generateKeyPair('ed25519').private }),
    ).rejects.toThrow(/authentication failed/);
  });

  it('the simulator accepts keyboard-interactive and exec requests', async () => {
    const out = await new Promise<string>((resolve, reject) => {
      const c = new Client();
      c.on('keyboard-interactive', (_n, _i, _l, prompts, finish) => finish(prompts.map(() => PASSWORD)));
      c.on('ready', () =>
        c.exec('show context', (err, ch) => {
          if (err) return reject(err);
          let buf = '';
          ch.on('data', (d: Buffer) => (buf += d.toString()));
          ch.on('close', () => {
            c.end();
            resolve(buf);
          });
        }),
      );
      c.on('error', reject);
      c.connect({
        host: '127.0.0.1',
        port: ep('modern').port,
        username: 'admin',
        tryKeyboard: true,
        hostVerifier: () => true,
      });
    });
    expect(out).toMatch(/^Number of Contexts = 2/);
    expect(out).toContain('Name: C1 , Id: 1');
  });

  it('reaches a legacy-only device only when legacy algorithms are enabled', async () => {
    await expect(
      openAceSession({ ...ep('old'), username: 'admin', password: PASSWORD, connectTimeoutMs: 3000 }),
    ).rejects.toThrow(/no matching|handshake|algorithm/i);
    const s = await openAceSession({ ...ep('old'), username: 'admin', password: PASSWORD, legacyAlgorithms: true });
    expect(s.hostname).toBe('ace-old');
    await s.close();
    // What was negotiated is what old ACE software speaks.
    const negotiated = await new Promise<Record<string, unknown>>((resolve, reject) => {
      const c = new Client();
      c.on('handshake', (h) => {
        c.end();
        resolve(h as unknown as Record<string, unknown>);
      });
      c.on('error', reject);
      c.connect({
        host: '127.0.0.1',
        port: ep('old').port,
        username: 'admin',
        password: PASSWORD,
        hostVerifier: () => true,
        algorithms: {
          kex: { append: ['diffie-hellman-group14-sha1'] },
          cipher: { append: ['aes128-cbc'] },
          serverHostKey: { append: ['ssh-rsa'] },
        } as never,
      });
    });
    expect(negotiated.kex).toBe('diffie-hellman-group14-sha1');
    expect((negotiated.cs as { cipher: string }).cipher).toBe('aes128-cbc');
    expect((negotiated.cs as { mac: string }).mac).toBe('hmac-sha1');
  });

  it('refuses an unpinned host key unless a trust-on-first-use hook accepts it', async () => {
    const { hostKeySha256: _pin, ...noPin } = ep('modern');
    await expect(openAceSession({ ...noPin, username: 'admin', password: PASSWORD })).rejects.toMatchObject({
      code: 'ACESYNC_SSH_HOSTKEY',
    });
    const seen: string[] = [];
    const s = await openAceSession({
      ...noPin,
      username: 'admin',
      password: PASSWORD,
      onHostKey: (fp) => (seen.push(fp), true),
    });
    await s.close();
    expect(seen).toEqual([ep('modern').hostKeySha256]);
  });

  it('breaks the session when a command never returns its prompt, and honours abort', async () => {
    // A device that logs in, prints a prompt, then never answers again.
    const hostKey = generateKeyPair('ed25519').private;
    const server = new Server({ hostKeys: [hostKey] }, (client) => {
      client.on('authentication', (ctx) => ctx.accept());
      client.on('ready', () =>
        client.on('session', (accept) => {
          const session = accept();
          session.on('pty', (a) => a?.());
          session.on('shell', (a) => {
            const st = a();
            st.write('stuck/Admin# ');
            let first = true;
            st.on('data', () => {
              if (first) st.write('terminal length 0\r\nstuck/Admin# ');
              first = false;
            });
          });
        }),
      );
      client.on('error', () => undefined);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as { port: number }).port;
    try {
      const s = await openAceSession({
        host: '127.0.0.1',
        port,
        username: 'x',
        password: 'y',
        onHostKey: () => true,
        commandTimeoutMs: 300,
      });
      const t0 = Date.now();
      const err = await s.run('show running-config').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(AcesyncError);
      expect((err as AcesyncError).code).toBe('ACESYNC_SSH_TIMEOUT');
      expect(Date.now() - t0).toBeLessThan(5000);
      expect(s.closed).toBe(true);

      const s2 = await openAceSession({
        host: '127.0.0.1',
        port,
        username: 'x',
        password: 'y',
        onHostKey: () => true,
        commandTimeoutMs: 60_000,
      });
      const ac = new AbortController();
      setTimeout(() => ac.abort(), 100);
      await expect(s2.run('show context', { signal: ac.signal })).rejects.toThrow(/aborted/);
      expect(s2.closed).toBe(true);
    } finally {
      server.close();
    }
  });
});
