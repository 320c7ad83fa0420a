/**
 * `show ft group {status|detail|summary|brief}` and `show ft peer ... detail` (reference 4.4,
 * 4.5): `Key : value` pairs, a new record at each `FT Group` line. Unknown keys are kept in
 * `fields` so nothing the device prints is lost; values are bounded.
 */
import { normaliseFtState } from '../../core/events.js';

export interface FtGroupStatus {
  group: number;
  /** Normalised (`ACTIVE`, `STANDBY_HOT`, ...). */
  myState: string;
  peerState?: string;
  peerId?: number;
  configuredStatus?: string;
  maintenanceMode?: string;
  contexts: string[];
  runningSync?: string;
  startupSync?: string;
  runningSyncEnabled?: boolean;
  startupSyncEnabled?: boolean;
  /** Every pair as printed (last value wins), for display. */
  fields: Record<string, string>;
}

const PAIR = /^\s*([^:]+?)\s*:\s?(.*)$/;
const MAX_VALUE = 300;
const MAX_GROUPS = 256;

export function parseFtGroups(output: string): FtGroupStatus[] {
  const groups: FtGroupStatus[] = [];
  let cur: FtGroupStatus | undefined;
  for (const raw of output.split('\n')) {
    const m = PAIR.exec(raw);
    if (!m) continue;
    const key = m[1]!.replace(/\s+/g, ' ');
    const value = m[2]!.trim().slice(0, MAX_VALUE);
    if (/^FT Group$/i.test(key)) {
      const id = Number(value);
      if (!Number.isInteger(id) || groups.length >= MAX_GROUPS) {
        cur = undefined;
        continue;
      }
      cur = { group: id, myState: 'UNKNOWN', contexts: [], fields: {} };
      groups.push(cur);
      continue;
    }
    if (!cur) continue;
    if (Object.keys(cur.fields).length < 64) cur.fields[key] = value;
    switch (key.toLowerCase()) {
      case 'my state':
        cur.myState = normaliseFtState(value);
        break;
      case 'peer state':
        cur.peerState = normaliseFtState(value);
        break;
      case 'peer id': {
        const n = Number(value);
        if (Number.isInteger(n)) cur.peerId = n;
        break;
      }
      case 'configured status':
        cur.configuredStatus = value;
        break;
      case 'maintenance mode':
        cur.maintenanceMode = value;
        break;
      case 'context name':
        if (value !== '' && cur.contexts.length < 64) cur.contexts.push(value);
        break;
      case 'running cfg sync status':
        cur.runningSync = value;
        break;
      case 'startup cfg sync status':
        cur.startupSync = value;
        break;
      case 'running cfg sync enabled':
        cur.runningSyncEnabled = /^enabled$/i.test(value);
        break;
      case 'startup cfg sync enabled':
        cur.startupSyncEnabled = /^enabled$/i.test(value);
        break;
      default:
        break;
    }
  }
  return groups;
}

export interface FtPeerStatus {
  peerId?: number;
  state?: string;
  fields: Record<string, string>;
}

/** `show ft peer detail`: one record per `Peer Id`. */
export function parseFtPeers(output: string): FtPeerStatus[] {
  const peers: FtPeerStatus[] = [];
  let cur: FtPeerStatus | undefined;
  for (const raw of output.split('\n')) {
    const m = PAIR.exec(raw);
    if (!m) continue;
    const key = m[1]!.replace(/\s+/g, ' ');
    const value = m[2]!.trim().slice(0, MAX_VALUE);
    if (/^Peer Id$/i.test(key)) {
      if (peers.length >= 16) break;
      cur = { peerId: Number.isInteger(Number(value)) ? Number(value) : undefined, fields: {} };
      peers.push(cur);
      continue;
    }
    if (!cur) continue;
    if (Object.keys(cur.fields).length < 64) cur.fields[key] = value;
    if (/^State$/i.test(key)) cur.state = value.replace(/^FSM_PEER_STATE_/i, '').toUpperCase();
  }
  return peers;
}
