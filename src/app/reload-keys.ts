/**
 * Which configuration keys a reload changed, and which of them it cannot apply live (with the reason, for the
 * log and the README). Pure: the appliers (reload-*.ts) do the applying.
 */
import type { Config } from '../config/schema.js';

const isObj = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);

/** Dotted paths of the leaves that differ (a list is one leaf: `devices`, `webhooks`, `syslog.relays`). */
export function changedKeys(a: unknown, b: unknown, path = '', out: string[] = []): string[] {
  if (JSON.stringify(a) === JSON.stringify(b)) return out;
  if (isObj(a) && isObj(b)) {
    for (const k of new Set([...Object.keys(a), ...Object.keys(b)]))
      changedKeys(a[k], b[k], path === '' ? k : `${path}.${k}`, out);
    return out;
  }
  out.push(path);
  return out;
}

/** Is `key` the key `prefix` or below it? */
export function under(key: string, prefix: string): boolean {
  return key === prefix || key.startsWith(`${prefix}.`);
}

/** Keys a running acesync cannot take: a changed one is reported as needing a restart, with why. */
export const RESTART_ONLY: ReadonlyArray<{ prefix: string; why: string }> = [
  {
    prefix: 'http',
    why: 'the web server is the one serving this reload (and the page, API and metrics): it is rebound at start only',
  },
  { prefix: 'store.path', why: 'the state database is opened at start; a running service never switches databases' },
  { prefix: 'syslog.queue_limit', why: 'the event queue is sized at start' },
  {
    prefix: 'rules',
    why: 'the rules folder is watched and reloaded from the path acesync started with (SIGHUP reloads the rules there)',
  },
];

/** The reason a key needs a restart, or undefined when a reload applies it live. */
export function restartReason(key: string): string | undefined {
  return RESTART_ONLY.find((r) => under(key, r.prefix))?.why;
}

/** Every changed key of two configurations, split into applied live and needing a restart. */
export function classify(prev: Config, next: Config): { changed: string[]; live: string[]; restart: string[] } {
  const changed = changedKeys(prev, next);
  const restart = changed.filter((k) => restartReason(k) !== undefined);
  return { changed, live: changed.filter((k) => restartReason(k) === undefined), restart };
}
