/**
 * Field extraction for the FT/HA messages, 727001-727023 and 728016/728017/728029/728030
 * (ace-device.md section 2.3). Templates come from the message guide, not from device
 * captures, so every pattern is tolerant: optional `hostname: ` before `HA:`, optional
 * trailing periods, `Error:`/`Error :`/`Error code`. A text that does not fit still yields an
 * `ha-state` event (the id alone is enough for the rules); only the fields are then missing.
 */
import { normaliseFtState } from '../core/events.js';
import { clip, LIMITS } from './limits.js';

/** Fields an HA message can carry, in the event's field names. */
export interface HaFields {
  ftGroup?: number;
  state?: string;
  prevState?: string;
  reason?: string;
  context?: string;
  peerId?: number;
  interface?: string;
  error?: string;
}

type Extractor = (m: RegExpExecArray) => HaFields;

// The text is bounded (LIMITS.text) before it gets here, and every pattern is anchored with at
// most one unbounded lazy group, so matching stays linear in practice.
const NUM = '(\\d{1,9})';
const CTX = '(\\S+?)';
const END = '\\.?\\s*$';

function num(s: string | undefined): number | undefined {
  return s === undefined ? undefined : Number(s);
}
function detail(s: string | undefined): string | undefined {
  if (s === undefined) return undefined;
  const t = s.trim().replace(/\.$/, '').trim();
  return t.length > 0 ? clip(t, LIMITS.detail) : undefined;
}
function ctx(s: string | undefined): string | undefined {
  return s === undefined ? undefined : clip(s, LIMITS.context);
}
function state(s: string | undefined): string | undefined {
  return s === undefined ? undefined : clip(normaliseFtState(s), LIMITS.state);
}

/** 727xxx: pattern applied to the text after `[hostname: ]HA: `. */
const HA_727: Record<string, [RegExp, Extractor]> = {
  '727001': [/^Peer IP address is not reachable\.?\s*(?:Error\s*:?\s*(.*?))?\s*$/, (m) => ({ error: detail(m[1]) })],
  '727002': [
    /^FT interface (.+?) to reach\s+(?:peer )?(?:\S+ )?(?:IP address )?is down\.?\s*(?:Error\s*:?\s*(.*?))?\s*$/,
    (m) => ({ interface: clip(m[1]!, LIMITS.interface), error: detail(m[2]) }),
  ],
  '727003': [new RegExp(`^Mismatch in context names detected for FT group ${NUM}\\b`), (m) => ({ ftGroup: num(m[1]) })],
  '727004': [new RegExp(`^Two actives have been detected for FT group ${NUM}\\b`), (m) => ({ ftGroup: num(m[1]) })],
  '727005': [
    new RegExp(`^Config replication failed for context ${CTX}\\.?(?:\\s+Error\\s*:?\\s*(.*?))?${END}`),
    (m) => ({ context: ctx(m[1]), error: detail(m[2]) }),
  ],
  '727006': [
    /^Peer is incompatible due to (.*?)\.?\s*(?:Cannot be Redundant\.?)?\s*$/i,
    (m) => ({ error: detail(m[1]) }),
  ],
  '727007': [/^Module Initialization failure\s*-?\s*(?:Error\s*:?\s*)?(.*?)\s*$/, (m) => ({ error: detail(m[1]) })],
  '727008': [
    /^Failed to send heartbeats to peer\.?\s*(?:Internal error\s*:?\s*(.*?))?\s*$/,
    (m) => ({ error: detail(m[1]) }),
  ],
  '727009': [
    new RegExp(`^Communication failure for Peer ${NUM}\\.?(?:\\s+Event\\s*:?\\s*(.*?))?\\s*$`),
    (m) => ({ peerId: num(m[1]), error: detail(m[2]) }),
  ],
  '727010': [
    new RegExp(`^Data replication failed for context ${CTX}\\.?(?:\\s+Error(?: code)?\\s*:?\\s*(.*?))?${END}`),
    (m) => ({ context: ctx(m[1]), error: detail(m[2]) }),
  ],
  '727011': [
    new RegExp(`^Configuration replication for context ${CTX} will not happen\\.?(?:\\s+Error\\s*:?\\s*(.*?))?${END}`),
    (m) => ({ context: ctx(m[1]), error: detail(m[2]) }),
  ],
  '727012': [
    new RegExp(`^FT Group ${NUM} changed state to (\\S+?)\\.?(?:\\s+Reason\\s*:?\\s*(.*?))?${END}`),
    (m) => ({ ftGroup: num(m[1]), state: state(m[2]), reason: detail(m[3]) }),
  ],
  '727013': [new RegExp(`^Peer ${NUM} is UP and reachable`), (m) => ({ peerId: num(m[1]) })],
  '727014': [new RegExp(`^Heartbeats from Peer ${NUM} have become unidirectional`), (m) => ({ peerId: num(m[1]) })],
  '727015': [
    new RegExp(`^Detected mismatch in heartbeat interval from Peer ${NUM}\\b`),
    (m) => ({ peerId: num(m[1]) }),
  ],
  '727016': [new RegExp(`^Replication for context ${CTX} has started\\b`), (m) => ({ context: ctx(m[1]) })],
  '727022': [new RegExp(`^Started sending heartbeats to peer ${NUM}\\b`, 'i'), (m) => ({ peerId: num(m[1]) })],
  '727023': [new RegExp(`^Stopped sending heartbeats to peer ${NUM}\\b`, 'i'), (m) => ({ peerId: num(m[1]) })],
};

/** The guide prefixes most 727xxx texts with the device hostname: `hostname: HA: ...`. */
const HA_PREFIX = /^(?:[^\s:]{1,255}: ?)?HA: ?/;

const HA_728: Record<string, [RegExp, Extractor]> = {
  '728016': [/^(HA data receive failure.*?)\.?\s*$/, (m) => ({ error: detail(m[1]) })],
  '728017': [/^(Internal communications error.*?)\.?\s*$/, (m) => ({ error: detail(m[1]) })],
  '728029': [
    new RegExp(`^HA state for FtGroup ${NUM} changed from (\\S+?) to (\\S+?)\\.?(?:\\s+State\\b.*)?\\s*$`),
    (m) => ({ ftGroup: num(m[1]), prevState: state(m[2]), state: state(m[3]) }),
  ],
  '728030': [/^Silently discarding HA data\s*:?\s*(.*?)\.?\s*$/, (m) => ({ error: detail(m[1]) })],
};

function extract(table: Record<string, [RegExp, Extractor]>, id: string, text: string): HaFields {
  const entry = table[id];
  if (!entry) return {};
  const m = entry[0].exec(text);
  return m ? entry[1](m) : {};
}

/** HA texts are short; a longer one is matched on its start only. */
const MATCH_WINDOW = 1024;

/** Extract the fields of an HA message. Unknown ids and texts that do not fit give `{}`. */
export function haFields(id: string, text: string): HaFields {
  // Whitespace runs collapsed to one space: the guide's templates have stray double spaces, and
  // single spaces keep the adjacent optional `\s*` in the patterns from backtracking on long runs.
  const t = clip(text, MATCH_WINDOW).replace(/\s+/g, ' ').trim();
  if (id.startsWith('727')) {
    const p = HA_PREFIX.exec(t);
    return extract(HA_727, id, p ? t.slice(p[0].length) : t);
  }
  return extract(HA_728, id, t);
}
