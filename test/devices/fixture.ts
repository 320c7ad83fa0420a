/**
 * Shared by the poller and simulator tests: a simulated HA pair on loopback, a UDP syslog
 * receiver, and the acesync configuration that points the poller at the pair.
 */
import dgram from 'node:dgram';
import { once } from 'node:events';
import { afterAll, beforeAll } from 'vitest';
import { configSchema, type Config } from '../../src/config/schema.js';
import { Inventory } from '../../src/inventory/inventory.js';
import { AceSimulator } from '../../src/sim/ace/simulator.js';
import type { SimSpecInput } from '../../src/sim/ace/spec.js';

export const PASSWORD = 'sim-secret';
export const ENV = { SIM_PW: PASSWORD } as NodeJS.ProcessEnv;

export interface Received {
  text: string;
  from: string;
}

export interface UdpReceiver {
  port: number;
  got: Received[];
  close(): Promise<void>;
  waitFor(pred: (r: Received) => boolean, ms?: number): Promise<Received>;
}

/** A UDP socket on 127.0.0.1 that keeps what it receives (bounded). */
export async function udpReceiver(): Promise<UdpReceiver> {
  const sock = dgram.createSocket('udp4');
  const got: Received[] = [];
  const waiters = new Set<() => void>();
  sock.on('message', (msg, rinfo) => {
    if (got.length < 10_000) got.push({ text: msg.toString('utf8'), from: rinfo.address });
    for (const w of waiters) w();
  });
  sock.bind(0, '127.0.0.1');
  await once(sock, 'listening');
  return {
    port: sock.address().port,
    got,
    close: () => new Promise((r) => sock.close(() => r())),
    waitFor: (pred, ms = 5000) =>
      new Promise((resolve, reject) => {
        const check = (): boolean => {
          const hit = got.find(pred);
          if (hit) {
            clearTimeout(timer);
            waiters.delete(check);
            resolve(hit);
            return true;
          }
          return false;
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no matching datagram within ${ms} ms; got:\n${got.map((g) => g.text).join('\n')}`));
        }, ms);
        if (!check()) waiters.add(check);
      }),
  };
}

export const WEB_CONFIG = `access-list ALL line 8 extended permit ip any any

rserver host WEB1
  ip address 10.10.20.11
  inservice

serverfarm host SF-WEB
  rserver WEB1
    inservice`;

/** Spec of a pair ace-a (active) / ace-b (standby): Admin, C1 (group 2), C2 (group 3). */
export function pairSpec(
  syslogPort: number,
  opts: { extraContextsA?: string[]; legacyOnly?: boolean } = {},
): SimSpecInput {
  const logging = (standby = true) => ({
    hosts: [{ ip: '127.0.0.1', port: syslogPort }],
    trap: 6,
    device_id: 'context-name' as const,
    standby,
  });
  const users = [{ username: 'admin', password: PASSWORD }];
  return {
    devices: [
      {
        name: 'ace-a',
        peer: 'ace-b',
        role: 'active',
        ssh: { legacy_only: opts.legacyOnly ?? false },
        users,
        contexts: [
          { name: 'Admin', source: '127.0.0.11', ft_group: 1, logging: logging() },
          { name: 'C1', source: '127.0.0.12', ft_group: 2, logging: logging(), config: WEB_CONFIG },
          {
            name: 'C2',
            source: '127.0.0.13',
            ft_group: 3,
            logging: logging(false),
            config: 'rserver host APP1\n  ip address 10.10.30.11\n  inservice',
          },
          ...(opts.extraContextsA ?? []).map((name) => ({ name })),
        ],
      },
      {
        name: 'ace-b',
        peer: 'ace-a',
        ssh: { legacy_only: opts.legacyOnly ?? false },
        users,
        contexts: [
          { name: 'Admin', source: '127.0.0.21', ft_group: 1, logging: logging() },
          { name: 'C1', source: '127.0.0.22', ft_group: 2 },
          { name: 'C2', source: '127.0.0.23', ft_group: 3 },
        ],
      },
    ],
  };
}

/** acesync's configuration for the simulated pair (host keys pinned unless `pin: false`). */
export function acesyncConfig(
  sim: AceSimulator,
  over: {
    pin?: boolean;
    poller?: Record<string, unknown>;
    ssh?: Record<string, unknown>;
    devices?: Array<Record<string, unknown>>;
  } = {},
): Config {
  const devices = sim.endpoints().map((e) => ({
    name: e.device,
    host: e.host,
    peer: e.device === 'ace-a' ? 'ace-b' : e.device === 'ace-b' ? 'ace-a' : undefined,
    contexts: [
      { name: 'C1', ft_group: 2 },
      { name: 'C2', ft_group: 3 },
    ],
    ssh: {
      port: e.port,
      username: 'admin',
      password_env: 'SIM_PW',
      ...(over.pin === false ? {} : { host_key_sha256: e.hostKeySha256 }),
      connect_timeout_ms: 3000,
      command_timeout_ms: 3000,
      ...over.ssh,
    },
  }));
  return configSchema.parse({
    devices: [...devices, ...(over.devices ?? [])],
    poller: {
      connect_attempts: 1,
      backoff_base_ms: 50,
      idle_close_ms: 0,
      expected_logging: { hosts: ['127.0.0.1'], min_trap_level: 5 },
      ...over.poller,
    },
  });
}

export function inventoryOf(cfg: Config): Inventory {
  return new Inventory(cfg.devices);
}

/**
 * The simulated pair of `pairSpec`, sending its syslog to a `udpReceiver`: started before the calling file's tests
 * and stopped after them. Read `sim` and `rx` inside tests (they are set once `beforeAll` has run).
 */
export function pairLab(): { readonly sim: AceSimulator; readonly rx: UdpReceiver } {
  const lab = {} as { sim: AceSimulator; rx: UdpReceiver };
  beforeAll(async () => {
    lab.rx = await udpReceiver();
    lab.sim = await AceSimulator.start(pairSpec(lab.rx.port));
  });
  afterAll(async () => {
    await lab.sim?.stop();
    await lab.rx?.close();
  });
  return lab;
}
