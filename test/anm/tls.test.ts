import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAnmClient } from '../../src/anm/connect.js';
import { createUploadStrategy } from '../../src/anm/strategy.js';
import { mintTlsServerCert } from '../../src/sim/anm/tls-cert.js';
import type { AnmSimulator } from '../../src/sim/anm/server.js';
import { anmConfig, ENV, signal, startSim } from './fixture.js';

describe('HTTPS to ANM (simulator with a self-signed certificate)', () => {
  let sim: AnmSimulator;
  let dir: string;
  beforeAll(async () => {
    sim = await startSim({ tls: true });
    dir = mkdtempSync(join(tmpdir(), 'acesync-tls-'));
    writeFileSync(join(dir, 'anm-ca.pem'), sim.caPem!);
    writeFileSync(join(dir, 'other-ca.pem'), mintTlsServerCert('someone else').cert);
  });
  afterAll(async () => {
    await sim.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves https', () => {
    expect(sim.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
  });

  it('verifies ANM against ca_file (relative to the config folder)', async () => {
    const c = createAnmClient(anmConfig(sim.url, { ca_file: 'anm-ca.pem' }), { env: ENV, baseDir: dir })!;
    try {
      expect(await c.listDeviceIds('ACE4710')).toHaveLength(2);
    } finally {
      await c.close();
    }
    const s = createUploadStrategy(
      anmConfig(sim.url, { ca_file: join(dir, 'anm-ca.pem'), strategy: { type: 'http' } }),
      { env: ENV },
    );
    try {
      await expect(
        s.upload({ device: 'ace-a', context: 'VC_WEB', address: '10.1.1.1' }, { signal: signal() }),
      ).resolves.toMatchObject({ outcome: 'ok' });
    } finally {
      await s.close();
    }
  });

  it('refuses a certificate it cannot verify, as a final TLS error', async () => {
    for (const extra of [{}, { ca_file: join(dir, 'other-ca.pem') }]) {
      const c = createAnmClient(anmConfig(sim.url, extra), { env: ENV })!;
      try {
        const err = await c.listDeviceIds('ACE4710').catch((e: unknown) => e);
        expect(err).toMatchObject({ code: 'ACESYNC_ANM_HTTP', details: { kind: 'tls', retryable: false } });
        expect((err as Error).message).toContain('anm.ca_file');
      } finally {
        await c.close();
      }
    }
  });

  it('accepts any certificate only with an explicit insecure: true', async () => {
    const c = createAnmClient(anmConfig(sim.url, { insecure: true }), { env: ENV })!;
    try {
      expect(await c.listDeviceIds('ACE4710')).toHaveLength(2);
    } finally {
      await c.close();
    }
  });

  it('reports an unreadable ca_file as a configuration error', () => {
    expect(() => createAnmClient(anmConfig(sim.url, { ca_file: 'missing.pem' }), { env: ENV, baseDir: dir })).toThrow(
      /anm.ca_file .*missing.pem cannot be read: ENOENT/,
    );
  });
});
