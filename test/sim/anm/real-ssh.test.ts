/**
 * The ANM simulator's sync going through real SSH to the ACE simulator, as ANM does:
 * acesync's http strategy -> ANM simulator -> SSH (src/devices/ace-session.ts) -> ACE
 * simulator. Nothing injected.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { AceSimulator } from '../../../src/sim/ace/simulator.js';
import { simAnmConfigSchema } from '../../../src/sim/anm/config.js';
import { startAnmSimulator, type AnmSimulator } from '../../../src/sim/anm/server.js';
import { createUploadStrategy } from '../../../src/anm/strategy.js';
import { createAnmClient } from '../../../src/anm/connect.js';
import { anmConfig, ANM_PASSWORD, ANM_USER, ENV, signal } from '../../anm/fixture.js';

describe('ANM simulator syncing from the ACE simulator over SSH', () => {
  let ace: AceSimulator;
  let anm: AnmSimulator;
  beforeAll(async () => {
    ace = await AceSimulator.start({
      devices: [
        {
          name: 'ace-a',
          users: [{ username: 'admin', password: 'ace-pw' }],
          contexts: [
            { name: 'Admin', config: 'logging enable\n' },
            { name: 'VC_WEB', config: 'rserver host WEB1\n  ip address 192.0.2.10\n  inservice\n' },
          ],
        },
      ],
    });
    const ep = ace.endpoint('ace-a');
    anm = await startAnmSimulator({
      config: simAnmConfigSchema.parse({
        users: [{ username: ANM_USER, password: ANM_PASSWORD }],
        fetch_timeout_ms: 15_000,
        devices: [
          {
            name: 'ace-a',
            address: '10.1.1.1',
            contexts: ['Admin', 'VC_WEB'],
            ssh: {
              host: ep.host,
              port: ep.port,
              username: 'admin',
              password: 'ace-pw',
              host_key_sha256: ep.hostKeySha256,
            },
          },
        ],
      }),
    });
  });
  afterAll(async () => {
    await anm?.close();
    await ace?.stop();
  });

  it("an upload makes ANM hold the context's running-config read over SSH", async () => {
    const s = createUploadStrategy(anmConfig(anm.url, { strategy: { type: 'http' }, timeout_ms: 20_000 }), {
      env: ENV,
    });
    try {
      const r = await s.upload(
        { device: 'ace-a', context: 'VC_WEB', address: '10.1.1.1' },
        { signal: signal(), timeoutMs: 30_000 },
      );
      expect(r.outcome).toBe('ok');
      const copy = anm.copy('ace-a', 'VC_WEB')!;
      expect(copy.config).toContain('rserver host WEB1');
      expect(copy.config).toContain('ip address 192.0.2.10');
      expect(copy.config.trim()).toBe(ace.getRunningConfig('ace-a', 'VC_WEB').trim());

      // A change on the device reaches ANM's copy only through the next upload.
      ace.configure('ace-a', 'VC_WEB', ['rserver host WEB2', 'ip address 192.0.2.11']);
      expect(anm.copy('ace-a', 'VC_WEB')!.config).not.toContain('WEB2');
      await s.upload(
        { device: 'ace-a', context: 'VC_WEB', address: '10.1.1.1' },
        { signal: signal(), timeoutMs: 30_000 },
      );
      expect(anm.copy('ace-a', 'VC_WEB')!.config).toContain('rserver host WEB2');

      // A user context created in Admin is imported by ANM after the Admin upload.
      ace.configure('ace-a', 'Admin', ['context VC_NEW']);
      await s.upload(
        { device: 'ace-a', context: 'Admin', address: '10.1.1.1' },
        { signal: signal(), timeoutMs: 30_000 },
      );
      expect(anm.state.history.at(-1)).toMatchObject({ context: 'Admin', ok: true, imported: ['VC_NEW'] });
      const c = createAnmClient(anmConfig(anm.url), { env: ENV })!;
      try {
        expect((await c.listVirtualContexts({ ipAddr: '10.1.1.1' })).map((d) => d.name)).toEqual([
          'Admin',
          'VC_WEB',
          'VC_NEW',
        ]);
      } finally {
        await c.close();
      }
    } finally {
      await s.close();
    }
  });

  it('a device ANM cannot reach makes the upload fail retryably, and it succeeds once the device is back', async () => {
    const s = createUploadStrategy(anmConfig(anm.url, { strategy: { type: 'http' }, timeout_ms: 20_000 }), {
      env: ENV,
    });
    try {
      await ace.failDevice('ace-a');
      const err = await s
        .upload({ device: 'ace-a', context: 'VC_WEB', address: '10.1.1.1' }, { signal: signal(), timeoutMs: 30_000 })
        .catch((e: unknown) => e);
      expect(err).toMatchObject({ details: { kind: 'criteria', retryable: true } });
      expect(anm.state.history.at(-1)).toMatchObject({ ok: false, context: 'VC_WEB' });
      await ace.recoverDevice('ace-a');
      await expect(
        s.upload({ device: 'ace-a', context: 'VC_WEB', address: '10.1.1.1' }, { signal: signal(), timeoutMs: 30_000 }),
      ).resolves.toMatchObject({ outcome: 'ok' });
    } finally {
      await s.close();
    }
  });
});
