/**
 * A context's running-config as the simulator keeps it: a tree of lines (a block header
 * and its indented sub-mode lines), rendered with two spaces per level like ACE does.
 * Pure: parsing, rendering and applying a configuration-mode command.
 */

export interface ConfigNode {
  line: string;
  children: ConfigNode[];
}

/** Parse running-config text (indentation gives the blocks); the header, if any, is skipped. */
export function parseConfigTree(text: string): ConfigNode[] {
  const root: ConfigNode = { line: '', children: [] };
  const stack: Array<{ node: ConfigNode; indent: number }> = [{ node: root, indent: -1 }];
  for (const raw of text.replace(/\r\n?/g, '\n').split('\n')) {
    const line = raw.replace(/\s+$/, '');
    if (/^Generating configuration/.test(line)) continue;
    if (line === '') {
      // Blank lines only separate top-level sections.
      stack.length = 1;
      root.children.push({ line: '', children: [] });
      continue;
    }
    const indent = line.length - line.trimStart().length;
    while (stack.length > 1 && stack[stack.length - 1]!.indent >= indent) stack.pop();
    const node: ConfigNode = { line: line.trim(), children: [] };
    stack[stack.length - 1]!.node.children.push(node);
    stack.push({ node, indent });
  }
  // No leading/trailing blank lines; no runs of blanks.
  const kids = root.children.filter((n, i, all) => !(n.line === '' && (i === 0 || all[i - 1]!.line === '')));
  while (kids.length > 0 && kids[kids.length - 1]!.line === '') kids.pop();
  return kids;
}

export function renderConfigTree(nodes: readonly ConfigNode[], depth = 0): string {
  const out: string[] = [];
  const walk = (list: readonly ConfigNode[], d: number): void => {
    for (const n of list) {
      out.push(n.line === '' ? '' : '  '.repeat(d) + n.line);
      walk(n.children, d + 1);
    }
  };
  walk(nodes, depth);
  return out.join('\n');
}

export function cloneTree(nodes: readonly ConfigNode[]): ConfigNode[] {
  return nodes.map((n) => ({ line: n.line, children: cloneTree(n.children) }));
}

/**
 * Commands that open a sub-mode, with the mode name the prompt shows. Order matters: the
 * longest prefix is tried first.
 */
const SUBMODES: Array<[RegExp, string]> = [
  [/^interface\s/, 'config-if'],
  [/^context\s/, 'config-context'],
  [/^class-map\s/, 'config-cmap'],
  [/^policy-map\s/, 'config-pmap'],
  [/^class\s/, 'config-pmap-c'],
  [/^probe\s/, 'config-probe'],
  [/^rserver\s/, 'config-rserver'],
  [/^serverfarm\s/, 'config-sfarm'],
  [/^ssl-proxy service\s/, 'config-ssl-proxy'],
  [/^parameter-map\s/, 'config-parammap'],
  [/^ft peer\s/, 'config-ft-peer'],
  [/^ft group\s/, 'config-ft-group'],
  [/^ft interface\s/, 'config-ft-intf'],
  [/^ft track\s/, 'config-ft-track'],
  [/^sticky\s/, 'config-sticky'],
  [/^action-list\s/, 'config-actlist'],
  [/^resource-class\s/, 'config-resource'],
  [/^role\s/, 'config-role'],
  [/^domain\s/, 'config-domain'],
  [/^crypto chaingroup\s/, 'config-chaingroup'],
  [/^kalap\s/, 'config-kalap'],
];

/** The sub-mode a command opens at this depth (`class` only inside `policy-map`). */
export function submodeOf(line: string, parent?: string): string | undefined {
  if (parent !== undefined && isTopLevelHeader(line)) return undefined;
  for (const [re, mode] of SUBMODES) {
    if (!re.test(line)) continue;
    if (mode === 'config-pmap-c') return parent !== undefined && /^policy-map\s/.test(parent) ? mode : undefined;
    if (parent !== undefined) {
      // Inside a block only `serverfarm` members (`rserver X`) open a further level.
      if (mode === 'config-rserver' && /^serverfarm\s/.test(parent)) return 'config-sfarm-host';
      return undefined;
    }
    return mode;
  }
  if (parent !== undefined && /^serverfarm\s/.test(parent) && /^rserver\s/.test(line)) return 'config-sfarm-host';
  return undefined;
}

/**
 * Block headers that only exist at the top level. Typed inside a sub-mode they leave it
 * (NX-OS style: a command the sub-mode does not know is tried at the parent level).
 * Member lines that look alike (`rserver WEB1`, `probe HTTP` in a serverfarm) do not match.
 */
const TOP_HEADERS = [
  /^(?:interface|context|class-map|policy-map|parameter-map|action-list|resource-class|role|domain|kalap)\s/,
  /^(?:ssl-proxy service|crypto chaingroup|ft (?:peer|group|interface|track))\s/,
  /^(?:rserver|serverfarm) (?:host|redirect) \S/,
  /^probe (?:http|https|icmp|tcp|udp|dns|echo|finger|ftp|imap|ldap|pop|radius|rtsp|scripted|sip|smtp|snmp|telnet)\s/,
  /^sticky (?:http-cookie|ip-netmask|layer4-payload|http-header|radius|rtsp-header|sip-header|v6-prefix)\s/,
];

export function isTopLevelHeader(line: string): boolean {
  return TOP_HEADERS.some((re) => re.test(line));
}

/** Lines that hold one value: a new one replaces the old (`logging trap 5` -> `logging trap 6`). */
const SINGLE_VALUED: Array<[RegExp, number]> = [
  [/^hostname\s/, 1],
  [/^logging (?:trap|facility|device-id|buffered|console|monitor|history|queue|persistent|supervisor)\b/, 2],
  [/^logging message \S+/, 3],
  [/^ip address\s/, 2],
  [/^peer ip address\s/, 3],
  [/^description\s/, 1],
  [/^priority\s/, 1],
  [/^peer priority\s/, 2],
  [/^heartbeat (?:interval|count)\s/, 2],
  [/^(?:key|cert|chaingroup)\s/, 1],
  [/^interval\s/, 1],
  [/^member\s/, 1],
  [/^timeout\s/, 1],
  [/^login timeout\s/, 2],
];

function keyOf(line: string): string | undefined {
  for (const [re, n] of SINGLE_VALUED) if (re.test(line)) return line.split(/\s+/).slice(0, n).join(' ');
  return undefined;
}

function tokens(line: string): string[] {
  return line.trim().split(/\s+/);
}

/** Index of the first node whose tokens start with `want` (a `no` command names a prefix). */
function findPrefix(list: readonly ConfigNode[], want: string[]): number {
  return list.findIndex((n) => {
    if (n.line === '') return false;
    const t = tokens(n.line);
    return want.length <= t.length && want.every((w, i) => t[i] === w);
  });
}

/**
 * Add a line to a block (or the top level): a single-valued setting replaces its old value,
 * an identical line is not duplicated, a new line goes after the last line of the same kind
 * (first word) so related lines stay together, as ACE prints them. Returns the node.
 */
export function addLine(list: ConfigNode[], line: string, topLevel = false): ConfigNode {
  const text = line.trim();
  const same = list.find((n) => n.line === text);
  if (same) return same;
  const key = keyOf(text);
  if (key !== undefined) {
    const i = list.findIndex((n) => n.line !== '' && keyOf(n.line) === key);
    if (i >= 0) {
      list[i] = { line: text, children: list[i]!.children };
      return list[i]!;
    }
  }
  // `logging message X level N` and `no logging message X` undo each other.
  const msg = /^(no )?logging message (\S+)/.exec(text);
  if (msg) {
    const other = msg[1] ? `logging message ${msg[2]}` : `no logging message ${msg[2]}`;
    const j = findPrefix(list, tokens(other));
    if (j >= 0) list.splice(j, 1);
  }
  const node: ConfigNode = { line: text, children: [] };
  const first = tokens(text)[0];
  let at = -1;
  for (let i = list.length - 1; i >= 0; i--) {
    if (list[i]!.line !== '' && tokens(list[i]!.line)[0] === first) {
      at = i;
      break;
    }
  }
  if (at >= 0) {
    list.splice(at + 1, 0, node);
    return node;
  }
  // Top-level blocks are separated by a blank line, like ACE prints sections.
  const last = list[list.length - 1];
  if (topLevel && last !== undefined && last.line !== '' && (submodeOf(text) !== undefined || last.children.length > 0))
    list.push({ line: '', children: [] });
  list.push(node);
  return node;
}

/**
 * Apply `no <words>`: remove the first line (with its block) that starts with the words.
 * `no logging message <id>` is itself a configuration line and is added instead.
 * Returns false when nothing matched.
 */
export function removeLine(list: ConfigNode[], words: string): boolean {
  const want = tokens(words);
  if (want[0] === 'logging' && want[1] === 'message' && want[2] !== undefined && want.length === 3) {
    addLine(list, `no logging message ${want[2]}`);
    return true;
  }
  let i = findPrefix(list, want);
  if (i < 0) {
    // `no logging trap` removes `logging trap 6`: match on the single-valued key.
    const key = keyOf(words.trim() + ' x');
    if (key !== undefined) i = list.findIndex((n) => n.line !== '' && keyOf(n.line) === key);
  }
  if (i < 0) return false;
  list.splice(i, 1);
  // Do not leave two blank lines together.
  if (i > 0 && list[i - 1]?.line === '' && (i === list.length || list[i]?.line === '')) list.splice(i - 1, 1);
  return true;
}

/** Top-level node whose line is exactly `line`. */
export function findBlock(list: readonly ConfigNode[], line: string): ConfigNode | undefined {
  return list.find((n) => n.line === line);
}

/** All top-level lines (block headers included), blank lines excluded. */
export function topLines(list: readonly ConfigNode[]): string[] {
  return list.filter((n) => n.line !== '').map((n) => n.line);
}
