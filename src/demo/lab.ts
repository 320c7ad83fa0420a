/**
 * The lab: a simulated ACE HA pair and a simulated ANM, in-process on loopback, plus the
 * acesync configuration that audits and uploads against them. The demo runs one; the
 * end-to-end tests run one per test with shorter timings.
 *
 * ANM starts knowing both devices and their contexts (imported) but holding no copy of
 * any of them, as right after the devices were added to ANM: acesync's first audits find
 * `no-baseline` everywhere and upload each context (the seed procedure).
 */
import { randomBytes } from 'node:crypto';
import type { LoadedConfig } from '../config/load.js';
import type { Logger } from '../core/log.js';
import { AceSimulator } from '../sim/ace/index.js';
import { simAnmConfigSchema } from '../sim/anm/config.js';
import { startAnmSimulator, type AnmSimulator } from '../sim/anm/server.js';
import { configSchema } from '../config/schema.js';
import {
  DEMO_ACE_PASSWORD_ENV,
  DEMO_ANM_PASSWORD_ENV,
  DEMO_ANM_USER,
  labConfigObject,
  type LabConfigOptions,
  type LabTimings,
} from './config.js';
import { DEMO_CONTEXTS, DEMO_DEVICES, DEMO_USER, demoAceSpec } from './spec.js';

export interface LabOptions {
  syslogPort: number;
  snmpPort: number;
  snmpEnabled?: boolean;
  httpPort?: number;
  httpEnabled?: boolean;
  storePath: string;
  rulesPath: string;
  /** Folder relative paths resolve against (LoadedConfig.baseDir). */
  baseDir: string;
  contexts?: string[];
  /** SSH ports of the two simulated devices (default 0: any free one). */
  sshPorts?: [number, number];
  /** Port of the simulated ANM (default 0). */
  anmPort?: number;
  trapForwarding?: boolean;
  timings?: LabTimings;
  logLevel?: LabConfigOptions['logLevel'];
  overrides?: Record<string, unknown>;
  /** The simulated ANM logs here (default silent). */
  logger?: Logger;
}

/** Demo-only credentials, random per lab. Never printed or logged. */
export interface LabSecrets {
  acePassword: string;
  anmPassword: string;
}

export interface Lab {
  ace: AceSimulator;
  anm: AnmSimulator;
  /** acesync's configuration for this lab (no file behind it). */
  loaded: LoadedConfig;
  /** The same configuration as a plain object (what a YAML/JSON file would hold). */
  configObject: Record<string, unknown>;
  /** process.env plus the lab's two password variables: pass it to buildApp as `env`. */
  env: NodeJS.ProcessEnv;
  secrets: LabSecrets;
  contexts: string[];
  stop(): Promise<void>;
}

function secret(): string {
  return randomBytes(18).toString('base64url');
}

export async function startLab(o: LabOptions): Promise<Lab> {
  const secrets: LabSecrets = { acePassword: secret(), anmPassword: secret() };
  const contexts = o.contexts ?? [...DEMO_CONTEXTS];
  const ace = await AceSimulator.start(
    demoAceSpec({
      password: secrets.acePassword,
      syslogPort: o.syslogPort,
      snmpPort: o.snmpPort,
      contexts,
      ...(o.sshPorts ? { sshPorts: o.sshPorts } : {}),
      ...(o.trapForwarding !== undefined ? { trapForwarding: o.trapForwarding } : {}),
    }),
  );
  let anm: AnmSimulator | undefined;
  try {
    anm = await startAnmSimulator({
      config: simAnmConfigSchema.parse({
        listen: { host: '127.0.0.1', port: o.anmPort ?? 0 },
        control: { host: '127.0.0.1', port: 0 },
        users: [{ username: DEMO_ANM_USER, password: secrets.anmPassword }],
        fetch_timeout_ms: 15_000,
        // ANM imported both devices and their contexts but holds no copy yet.
        devices: DEMO_DEVICES.map((name) => {
          const e = ace.endpoint(name);
          return {
            name,
            address: e.host,
            contexts: ['Admin', ...contexts],
            ssh: {
              host: e.host,
              port: e.port,
              username: DEMO_USER,
              password: secrets.acePassword,
              host_key_sha256: e.hostKeySha256,
            },
          };
        }),
      }),
      ...(o.logger ? { logger: o.logger } : {}),
    });
    const configObject = labConfigObject({
      endpoints: ace.endpoints(),
      contexts,
      anmUrl: anm.url,
      storePath: o.storePath,
      rulesPath: o.rulesPath,
      syslogPort: o.syslogPort,
      snmpPort: o.snmpPort,
      ...(o.snmpEnabled !== undefined ? { snmpEnabled: o.snmpEnabled } : {}),
      ...(o.httpPort !== undefined ? { httpPort: o.httpPort } : {}),
      ...(o.httpEnabled !== undefined ? { httpEnabled: o.httpEnabled } : {}),
      ...(o.timings ? { timings: o.timings } : {}),
      ...(o.logLevel ? { logLevel: o.logLevel } : {}),
      ...(o.overrides ? { overrides: o.overrides } : {}),
    });
    const config = configSchema.parse(configObject);
    const sim = anm;
    let stopped = false;
    return {
      ace,
      anm: sim,
      loaded: { config, baseDir: o.baseDir },
      configObject,
      env: {
        ...process.env,
        [DEMO_ACE_PASSWORD_ENV]: secrets.acePassword,
        [DEMO_ANM_PASSWORD_ENV]: secrets.anmPassword,
      },
      secrets,
      contexts,
      async stop() {
        if (stopped) return;
        stopped = true;
        await sim.close().catch(() => undefined);
        await ace.stop().catch(() => undefined);
      },
    };
  } catch (err) {
    await anm?.close().catch(() => undefined);
    await ace.stop().catch(() => undefined);
    throw err;
  }
}
