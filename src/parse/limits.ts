/**
 * Size bounds for strings taken from device messages. Everything a device sends is untrusted:
 * a bound keeps one hostile or corrupted line from growing events, logs and the store.
 */
export const LIMITS = {
  /** Message text kept in `text` (the full line stays in `raw`, bounded by ingest). */
  text: 4096,
  /** `command` of a 111008 line; the ACE CLI line buffer is far shorter. */
  command: 1024,
  user: 128,
  /** `logging device-id` token; longer words are not device-ids. */
  deviceId: 128,
  /** ACE context names are at most 64 characters; keep some slack. */
  context: 128,
  interface: 128,
  state: 64,
  /** `reason` and `error` free text. */
  detail: 512,
  /** Longest RFC 5424 STRUCTURED-DATA we walk before giving up on the 5424 reading. */
  structuredData: 8192,
} as const;

/** Cut `s` to at most `max` UTF-16 units without splitting a surrogate pair. */
export function clip(s: string, max: number): string {
  if (s.length <= max) return s;
  let end = max;
  const c = s.charCodeAt(end - 1);
  if (c >= 0xd800 && c <= 0xdbff) end--;
  return s.slice(0, end);
}
