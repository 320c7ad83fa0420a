/**
 * The configuration schema: one YAML file, unknown keys rejected, defaults filled.
 * Each section lives in `sections/` so the stage that uses it owns its keys.
 */
import { z } from 'zod';
import { syslogSchema } from './sections/syslog.js';
import { snmpSchema } from './sections/snmp.js';
import { httpSchema } from './sections/http.js';
import { storeSchema } from './sections/store.js';
import { deviceSchema } from './sections/devices.js';
import { pollerSchema } from './sections/poller.js';
import { anmSchema } from './sections/anm.js';
import { engineSchema } from './sections/engine.js';
import { webhooksSchema } from './sections/webhooks.js';
import { fileURLToPath } from 'node:url';

/** The rules shipped with the package (rules/ next to dist/ or src/): used when the configuration names none. */
export const PACKAGED_RULES = fileURLToPath(new URL('../../rules', import.meta.url));

export const configSchema = z
  .strictObject({
    syslog: syslogSchema,
    snmp: snmpSchema,
    http: httpSchema,
    store: storeSchema,
    /** Folder of rule files (YAML), relative to the config file's folder; absent: the packaged rules/. */
    rules: z.string().min(1).default(PACKAGED_RULES),
    log: z
      .strictObject({ level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info') })
      .prefault({}),
    devices: z.array(deviceSchema).default([]),
    poller: pollerSchema,
    anm: anmSchema,
    engine: engineSchema,
    webhooks: webhooksSchema,
  })
  .superRefine((cfg, ctx) => {
    const names = new Map<string, number>();
    cfg.devices.forEach((d, i) => {
      if (names.has(d.name))
        ctx.addIssue({
          code: 'custom',
          path: ['devices', i, 'name'],
          message: `device name '${d.name}' is used twice`,
        });
      names.set(d.name, i);
    });
    const sourceOwner = new Map<string, string>();
    cfg.devices.forEach((d, i) => {
      if (d.peer !== undefined) {
        const j = names.get(d.peer);
        if (j === undefined)
          ctx.addIssue({
            code: 'custom',
            path: ['devices', i, 'peer'],
            message: `peer '${d.peer}' is not a device in this file`,
          });
        else if (j === i)
          ctx.addIssue({ code: 'custom', path: ['devices', i, 'peer'], message: 'a device cannot be its own peer' });
        else {
          const back = cfg.devices[j]!.peer;
          if (back !== undefined && back !== d.name)
            ctx.addIssue({
              code: 'custom',
              path: ['devices', i, 'peer'],
              message: `'${d.peer}' names '${back}' as its peer, not '${d.name}'`,
            });
        }
      }
      const ctxNames = new Set<string>();
      d.contexts.forEach((c, k) => {
        if (ctxNames.has(c.name))
          ctx.addIssue({
            code: 'custom',
            path: ['devices', i, 'contexts', k, 'name'],
            message: `context '${c.name}' is listed twice`,
          });
        ctxNames.add(c.name);
      });
      const claim = (addr: string, owner: string, path: Array<string | number>): void => {
        const prev = sourceOwner.get(addr);
        // The device's address again on one of its own contexts (typically Admin): the context is
        // the more specific attribution, and the inventory applies it.
        const ownContext = prev === d.name && owner.startsWith(`${d.name}/`);
        if (prev !== undefined && prev !== owner && !ownContext)
          ctx.addIssue({
            code: 'custom',
            path,
            message: `source ${addr} is already claimed by ${prev} (list an address once: under the device, or under the one context that sends from it)`,
          });
        sourceOwner.set(addr, owner);
      };
      d.sources.forEach((s, k) => claim(s, d.name, ['devices', i, 'sources', k]));
      d.contexts.forEach((c, k) =>
        c.sources.forEach((s, m) => claim(s, `${d.name}/${c.name}`, ['devices', i, 'contexts', k, 'sources', m])),
      );
    });
  });

export type Config = z.output<typeof configSchema>;
export type DeviceConfig = Config['devices'][number];
export type ContextConfig = DeviceConfig['contexts'][number];
export type SshConfig = DeviceConfig['ssh'];
