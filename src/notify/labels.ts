/**
 * Alert labels and annotations: bounded, clean strings (they carry device-sourced text such
 * as command lines), and the fingerprint that identifies an alert (Alertmanager hashes the
 * sorted label set the same way, so a receiver can correlate firing and resolved).
 */
import { createHash } from 'node:crypto';

export const MAX_LABELS = 32;
export const MAX_LABEL_VALUE = 256;
export const MAX_ANNOTATION_VALUE = 2000;
/**
 * The `description` annotation carries a whole manual procedure (every context of a run,
 * numbered steps): bounded far higher, so it reaches the webhook whole; the procedure
 * itself bounds its lists (anm/procedure.ts MAX_ITEMS).
 */
export const MAX_DESCRIPTION = 64_000;
const LABEL_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
// C0/C1 control characters (tab and newline kept in annotations only).
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;
const CONTROL_ALL = /[\u0000-\u001f\u007f-\u009f]/g;

/** A clean, bounded string: control characters become U+FFFD, the tail is cut with an ellipsis. */
export function cleanText(v: unknown, max: number, keepNewlines = false): string {
  let s =
    typeof v === 'string'
      ? v
      : v === undefined || v === null
        ? ''
        : typeof v === 'object'
          ? JSON.stringify(v)
          : String(v);
  if (s.length > max * 4) s = s.slice(0, max * 4);
  s = s.replace(keepNewlines ? CONTROL : CONTROL_ALL, '\ufffd');
  return s.length > max ? s.slice(0, max - 1) + '…' : s;
}

/** Labels from an alert job's payload: valid names only, string values, bounded. */
export function cleanLabels(raw: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!raw || typeof raw !== 'object') return out;
  for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
    if (Object.keys(out).length >= MAX_LABELS) break;
    if (!LABEL_NAME.test(k) || v === undefined || v === null) continue;
    const s = cleanText(v, MAX_LABEL_VALUE);
    if (s !== '') out[k] = s;
  }
  return out;
}

export function cleanAnnotations(raw: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw)) {
    if (!LABEL_NAME.test(k) || v === undefined || v === null) continue;
    out[k] = cleanText(v, k === 'description' ? MAX_DESCRIPTION : MAX_ANNOTATION_VALUE, true);
  }
  return out;
}

/** Labels in name order (payloads, fingerprints and group keys are deterministic). */
export function sortedLabels(labels: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** 16 hex digits of SHA-256 over the sorted label set. */
export function fingerprint(labels: Record<string, string>): string {
  const h = createHash('sha256');
  for (const [k, v] of Object.entries(sortedLabels(labels))) h.update(k).update('\u00ff').update(v).update('\u00ff');
  return h.digest('hex').slice(0, 16);
}

/** Alertmanager's label-set notation, `{alertname="x", device="y"}`, with values escaped. */
export function labelSetString(labels: Record<string, string>): string {
  const parts = Object.entries(sortedLabels(labels)).map(([k, v]) => `${k}=${JSON.stringify(v)}`);
  return `{${parts.join(', ')}}`;
}
