/**
 * Logging drift: a context's logging settings against what acesync (and ANM) need to hear
 * from it. Pure. A gap is named as the line that would fix it (`missing`), or the line
 * that silences us (`harmful`), so an operator can paste the fix.
 */
import type { LoggingDriftData } from '../core/events.js';
import type { LoggingSettings } from '../parse/cli/logging.js';

export interface ExpectedLogging {
  hosts: readonly string[];
  min_trap_level: number;
  required_messages: readonly string[];
  standby: boolean;
}

export function loggingDrift(s: LoggingSettings, exp: ExpectedLogging): LoggingDriftData {
  const missing: string[] = [];
  const harmful: string[] = [];
  if (!s.enabled) missing.push('logging enable');
  for (const host of exp.hosts) if (!s.hosts.some((h) => h.ip === host)) missing.push(`logging host ${host}`);
  if (s.trap === undefined || s.trap < exp.min_trap_level) {
    missing.push(`logging trap ${exp.min_trap_level}`);
    if (s.trap !== undefined) harmful.push(`logging trap ${s.trap}`);
  }
  if (exp.standby && !s.standby) missing.push('logging standby');
  // DocWiki: `logging fastpath` turns the other logging destinations off.
  if (s.fastpath) harmful.push('logging fastpath');
  const trap = s.trap ?? -1;
  for (const id of exp.required_messages) {
    if (s.disabledMessages.includes(id)) harmful.push(`no logging message ${id}`);
    const lvl = s.messageLevels[id];
    if (lvl !== undefined && lvl > trap) harmful.push(`logging message ${id} level ${lvl}`);
    for (const r of s.rateLimits) if (r.includes(id) && !harmful.includes(r)) harmful.push(r);
  }
  return harmful.length > 0 ? { missing, harmful } : { missing };
}

/** True when the context is fine. */
export function noDrift(d: LoggingDriftData): boolean {
  return d.missing.length === 0 && (d.harmful?.length ?? 0) === 0;
}

/**
 * The configuration lines that repair a drift, to paste in the context (`changeto CTX`,
 * `configure terminal`, then these): each missing line (a `logging host` with ACE's default
 * UDP port 514, the port ANM listens on), then the reverse of each harmful one. A lowered
 * trap level is repaired by the missing `logging trap` line itself. Pure.
 */
export function loggingFix(d: LoggingDriftData, minTrapLevel: number): string {
  const lines: string[] = [];
  const add = (l: string): void => {
    if (!lines.includes(l)) lines.push(l);
  };
  for (const m of d.missing) add(/^logging host \S+$/.test(m) ? `${m} udp/514` : m);
  for (const h of d.harmful ?? []) {
    if (/^logging trap \d+$/.test(h)) continue;
    const level = /^(logging message \S+) level \d+$/.exec(h);
    if (level) add(`${level[1]} level ${minTrapLevel}`);
    else add(/^no\s+/.test(h) ? h.replace(/^no\s+/, '') : `no ${h}`);
  }
  return lines.join('; ');
}
