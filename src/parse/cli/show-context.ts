/**
 * `show context` (reference 4.3): one block per context starting `Name: <ctx> , Id: <n>`
 * (space before the comma, as Netshot's regex expects), then `Key: value` lines.
 */

export interface ContextInfo {
  name: string;
  id?: number;
  description?: string;
  resourceClass?: string;
  vlans: string[];
  configCount?: number;
}

const NAME_LINE = /^\s*Name:\s*(\S+)\s*,\s*Id:\s*(\d+)/;
const MAX_CONTEXTS = 1024;

export function parseShowContext(output: string): ContextInfo[] {
  const out: ContextInfo[] = [];
  let cur: ContextInfo | undefined;
  for (const raw of output.split('\n')) {
    const n = NAME_LINE.exec(raw);
    if (n) {
      if (out.length >= MAX_CONTEXTS) break;
      cur = { name: n[1]!.slice(0, 64), id: Number(n[2]), vlans: [] };
      out.push(cur);
      continue;
    }
    if (!cur) continue;
    const m = /^\s*([A-Za-z -]+?)\s*:\s*(.*)$/.exec(raw);
    if (!m) continue;
    const key = m[1]!.toLowerCase();
    const value = m[2]!.trim().slice(0, 300);
    if (key === 'description') cur.description = value;
    else if (key === 'resource-class') cur.resourceClass = value;
    else if (key === 'config count' && /^\d+$/.test(value)) cur.configCount = Number(value);
    else if (key === 'vlans')
      cur.vlans = value
        .split(/[,\s]+/)
        .filter((v) => v !== '')
        .slice(0, 4096);
  }
  return out;
}
