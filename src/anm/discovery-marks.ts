/**
 * Mark a discovered configuration with what ANM knows (its SOAP `listDeviceIds` of virtual
 * contexts), purely: each context gets a note, and each context ANM lacks a report line,
 * since an upload of a context ANM has not imported cannot succeed.
 */
import type { DiscoveredConfig } from '../config/render-yaml.js';
import { inventoryContextRefs, reconcile } from './reconcile.js';
import type { DeviceId } from './soap-client.js';

export interface AnmMarkLine {
  level: 'warn' | 'info';
  device?: string;
  context?: string;
  text: string;
}

export function markAnmKnowledge(cfg: DiscoveredConfig, anmContexts: readonly DeviceId[]): AnmMarkLine[] {
  const refs = inventoryContextRefs(
    cfg.devices.map((d) => ({ name: d.name, host: d.host, contexts: d.contexts.map((c) => c.name) })),
  );
  const r = reconcile(anmContexts, refs);
  const known = new Set(r.matched.map((m) => `${m.device}/${m.context}`));
  const lines: AnmMarkLine[] = [];
  for (const d of cfg.devices)
    for (const c of d.contexts) {
      if (known.has(`${d.name}/${c.name}`)) c.notes.push('ANM: known to ANM');
      else {
        c.notes.push('REVIEW: ANM does not list this context: import it in ANM before acesync can upload it');
        lines.push({ level: 'warn', device: d.name, context: c.name, text: 'ANM does not know this context' });
      }
    }
  for (const u of r.unknownToAcesync.slice(0, 50))
    lines.push({
      level: 'info',
      text: `ANM lists context ${u.name ?? '?'} at ${u.ipAddr ?? u.chassisIPAddr ?? '?'}, not among the devices discovered`,
    });
  for (const l of lines) if (l.level === 'warn') cfg.unresolved.push(`${l.device}/${l.context}: ${l.text}`);
  return lines;
}
