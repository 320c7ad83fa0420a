/**
 * Shared set-up for ANM tests: a real ANM simulator on loopback (port 0) whose running-
 * config fetcher is injected where SSH is not what a test is about, and `anm:` config
 * built through the real schema.
 */
import { ManualClock } from '../../src/core/clock.js';
import { anmSchema, type AnmConfig } from '../../src/config/sections/anm.js';
import { simAnmConfigSchema } from '../../src/sim/anm/config.js';
import { startAnmSimulator, type AnmSimulator } from '../../src/sim/anm/server.js';
import type { FetchRunningConfig } from '../../src/sim/anm/web-ui.js';

export const ANM_USER = 'acesync';
export const ANM_PASSWORD = 'S3cret&<pw>';
export const ANM_PW_ENV = 'TEST_ANM_PASSWORD';
export const ENV = { ...process.env, [ANM_PW_ENV]: ANM_PASSWORD };

/** A fake device: the config text depends on device/context and a per-test revision. */
export type FakeFetcher = FetchRunningConfig & {
  revision: number;
  calls: Array<{ host: string; port: number; context: string }>;
  fail?: string | undefined;
};

export function fakeFetcher(): FakeFetcher {
  const fn: FetchRunningConfig = async (device, context) => {
    f.calls.push({ host: device.host, port: device.port, context });
    if (f.fail) throw new Error(f.fail);
    const users = context === 'Admin' ? 'context VC_WEB\ncontext VC_NEW\n' : '';
    return `hostname ${device.host}-${device.port}\n${users}! ${context} rev ${f.revision}\n`;
  };
  const f: FakeFetcher = Object.assign(fn, { revision: 1, calls: [] as FakeFetcher['calls'] });
  return f;
}

export interface SimOptions {
  tls?: boolean;
  ipField?: 'ipAddr' | 'ipAddress';
  tokenTtlMs?: number;
  clock?: ManualClock;
  fetcher?: FetchRunningConfig;
}

export async function startSim(o: SimOptions = {}): Promise<AnmSimulator> {
  const config = simAnmConfigSchema.parse({
    users: [{ username: ANM_USER, password: ANM_PASSWORD }],
    tls: { enabled: o.tls ?? false },
    ip_field: o.ipField ?? 'ipAddr',
    token_ttl_ms: o.tokenTtlMs ?? 60_000,
    fetch_timeout_ms: 5_000,
    devices: [
      {
        name: 'ace-a',
        address: '10.1.1.1',
        contexts: ['Admin', 'VC_WEB'],
        ssh: { host: '127.0.0.1', port: 2201, password: 'x' },
      },
      {
        name: 'ace-b',
        address: '10.1.1.2',
        contexts: ['Admin', 'VC_WEB'],
        ssh: { host: '127.0.0.1', port: 2202, password: 'x' },
      },
      {
        name: 'ace-m',
        address: '10.9.9.9',
        device_type: 'ACE_BLADE',
        slot: 3,
        chassis_ip: '10.9.9.1',
        contexts: ['Admin'],
        ssh: { host: '127.0.0.1', port: 2203, password: 'x' },
      },
    ],
  });
  return startAnmSimulator({
    config,
    ...(o.clock ? { clock: o.clock } : {}),
    fetchRunningConfig: o.fetcher ?? fakeFetcher(),
  });
}

/** `anm:` section through the real schema, pointing at `url`. */
export function anmConfig(url: string, extra: Record<string, unknown> = {}): AnmConfig {
  return anmSchema.parse({
    enabled: true,
    url,
    username: ANM_USER,
    password_env: ANM_PW_ENV,
    timeout_ms: 2_000,
    ...extra,
  });
}

/** A URL on loopback where nothing listens (bound then released). */
export async function refusedUrl(): Promise<string> {
  const net = await import('node:net');
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return `http://127.0.0.1:${port}`;
}

export const signal = (): AbortSignal => new AbortController().signal;
