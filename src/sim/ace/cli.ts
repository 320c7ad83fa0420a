/**
 * The simulated ACE command line for one login: exec mode, `changeto`, `invoke context`,
 * `configure terminal` with sub-modes, crypto file commands, `ft switchover`, and ACE-style
 * errors. Transport-free: feed a line, get the text to print; the SSH and stdio front ends
 * add echo, CRLF and the prompt.
 */
import { formatPrompt } from '../../parse/cli/prompt.js';
import { addLine, isTopLevelHeader, removeLine, submodeOf, type ConfigNode } from './config-tree.js';
import { ADMIN, type SimDevice, type SimUser } from './device.js';
import { afterConfigChange, bulkSync, FtError, switchover } from './ha.js';
import { mintRsaKey } from './x509.js';
import * as show from './show.js';

type Vocab = { [word: string]: Vocab | null };

/** Keywords the CLI understands, for abbreviation (`sh run`, `conf t`, `sh ft gr st`). */
const EXEC_VOCAB: Vocab = {
  show: {
    'running-config': null,
    'startup-config': null,
    context: null,
    ft: {
      group: { status: null, detail: null, summary: null, brief: null },
      peer: { status: null, detail: null, summary: null, brief: null },
      'config-error': null,
    },
    logging: null,
    crypto: { files: null, certificate: null, key: null },
    version: null,
    clock: null,
    hostname: null,
  },
  configure: { terminal: null },
  terminal: { length: null, width: null, monitor: null },
  changeto: null,
  invoke: { context: null },
  crypto: {
    export: null,
    import: { 'non-exportable': null, terminal: null },
    delete: null,
    generate: { key: { 'non-exportable': null } },
  },
  ft: { switchover: null },
  copy: { 'running-config': { 'startup-config': null } },
  write: { memory: null },
  exit: null,
  logout: null,
  end: null,
};

/** First words accepted at the top of configuration mode. */
const CONFIG_WORDS = new Set([
  'access-group',
  'access-list',
  'action-list',
  'arp',
  'banner',
  'class-map',
  'clock',
  'crypto',
  'domain',
  'ft',
  'interface',
  'ip',
  'kalap',
  'ldap-server',
  'logging',
  'login',
  'ntp',
  'parameter-map',
  'peer',
  'policy-map',
  'probe',
  'radius-server',
  'role',
  'rserver',
  'script',
  'serverfarm',
  'service-policy',
  'shared-vlan-hostid',
  'snmp-server',
  'ssh',
  'ssl-proxy',
  'sticky',
  'tacacs-server',
  'telnet',
  'timeout',
  'username',
  'optimize',
  'aaa',
  'nat-pool',
]);
/** Only the Admin context may use these. */
const ADMIN_ONLY = new Set(['context', 'hostname', 'resource-class']);
/** Typed in a sub-mode, these leave it: they never appear inside a block. */
const TOP_ONLY =
  /^(?:no )?(?:logging|snmp-server|access-list|hostname|context|ft auto-sync|access-group|username|ssh|telnet|banner|ntp|clock)\b/;
/** Session housekeeping not accounted as 111008 (so polling does not flood; ACE behaviour unknown). */
const NOT_ACCOUNTED = /^(?:terminal|exit|end|logout|changeto|invoke)\b/;

export interface CliHooks {
  /** The user typed `exit`/`logout` at the exec level. */
  onExit?(): void;
}

interface Frame {
  mode: string;
  node: ConfigNode;
}

export class CliSession {
  readonly device: SimDevice;
  readonly user: SimUser;
  context: string;
  closed = false;
  #frames: Frame[] | undefined;
  #import: { name: string; exportable: boolean; lines: string[] } | undefined;
  readonly #hooks: CliHooks;

  constructor(device: SimDevice, user: SimUser, hooks: CliHooks = {}) {
    this.device = device;
    this.user = user;
    this.context = device.contexts.has(user.context) ? user.context : ADMIN;
    this.#hooks = hooks;
  }

  prompt(): string {
    if (this.#import) return '';
    const mode =
      this.#frames === undefined
        ? undefined
        : this.#frames.length === 0
          ? 'config'
          : this.#frames[this.#frames.length - 1]!.mode;
    return formatPrompt({ hostname: this.device.hostname, context: this.context, mode });
  }

  /** Process one input line and return what the device prints (lines end with `\n`). */
  line(input: string): string {
    if (this.closed) return '';
    if (this.#import) return this.#importLine(input);
    const line = input.replace(/\s+$/, '');
    if (line.trim() === '') return '';
    if (this.#frames !== undefined) return this.#configLine(line);
    return this.#exec(line.trim(), this.context, true);
  }

  #invalid(line: string, at: number): string {
    const col = this.prompt().length + Math.max(0, at);
    void line;
    return `${' '.repeat(col)}^\n% Invalid command at '^' marker.\n`;
  }

  /** Expand abbreviations along the vocabulary; report where an unknown keyword sits. */
  #expand(words: string[]): { words: string[]; badAt?: number; ambiguous?: boolean } {
    const out = [...words];
    let level: Vocab | null = EXEC_VOCAB;
    for (let i = 0; i < out.length && level; i++) {
      const w = out[i]!.toLowerCase();
      const keys: string[] = Object.keys(level);
      const exact = keys.find((k) => k === w);
      const hits = exact !== undefined ? [exact] : keys.filter((k) => k.startsWith(w));
      if (hits.length === 1) {
        out[i] = hits[0]!;
        level = level[hits[0]!] ?? null;
      } else if (hits.length > 1) return { words: out, ambiguous: true, badAt: i };
      else if (i === 0) return { words: out, badAt: 0 };
      else break; // an argument (file, context, group number)
    }
    return { words: out };
  }

  #exec(line: string, ctxName: string, interactive: boolean): string {
    // `| include X`, `| exclude X`, `| begin X`
    let filter: ((s: string) => string) | undefined;
    const pipe = line.indexOf(' | ');
    if (pipe >= 0) {
      const spec = line.slice(pipe + 3).trim();
      line = line.slice(0, pipe).trim();
      const m =
        /^(i|in|inc|incl|inclu|includ|include|e|ex|exc|excl|exclu|exclud|exclude|b|be|beg|begi|begin)\s+(.+)$/.exec(
          spec,
        );
      if (!m) return this.#invalid(line, line.length + 3);
      let re: RegExp;
      try {
        re = new RegExp(m[2]!);
      } catch {
        return '% Invalid regular expression\n';
      }
      const kind = m[1]![0];
      filter = (s) => {
        const lines = s.split('\n');
        if (kind === 'b') {
          const i = lines.findIndex((l) => re.test(l));
          return i < 0 ? '' : lines.slice(i).join('\n');
        }
        return lines.filter((l) => re.test(l) === (kind === 'i')).join('\n') + '\n';
      };
    }
    const raw = line.split(/\s+/);
    const { words, badAt, ambiguous } = this.#expand(raw);
    if (ambiguous) return `% Ambiguous command at '^' marker.\n`;
    if (badAt !== undefined) {
      const at = raw.slice(0, badAt).join(' ').length + (badAt > 0 ? 1 : 0);
      return this.#invalid(line, at);
    }
    const cmd = words.join(' ');
    let out = this.#run(words, cmd, ctxName, interactive);
    if (filter) out = filter(out);
    // `crypto import` is accounted once the file arrives; `ft switchover` before it runs
    // (afterwards the context is standby and would be silent).
    if (!/^(?:show|crypto import|ft switchover)\b/.test(cmd) && !NOT_ACCOUNTED.test(cmd) && !/^(?:% |Error:)/.test(out))
      this.device.executed(ctxName, this.user.username, cmd);
    return out;
  }

  #run(w: string[], cmd: string, ctxName: string, interactive: boolean): string {
    const dev = this.device;
    const ctx = dev.contexts.get(ctxName);
    if (!ctx) return `Error: Context '${ctxName}' does not exist\n`;
    switch (w[0]) {
      case 'show':
        return this.#show(w.slice(1), ctxName);
      case 'terminal':
        return '';
      case 'end':
        return '';
      case 'exit':
      case 'logout':
        if (!interactive) return '';
        this.closed = true;
        this.#hooks.onExit?.();
        return '';
      case 'changeto': {
        const target = w[1];
        if (target === undefined) return this.#invalid(cmd, cmd.length);
        if (this.user.context !== ADMIN)
          return '% Permission denied: changeto is allowed only from the Admin context\n';
        if (!dev.contexts.has(target)) return `Error: Context '${target}' does not exist\n`;
        if (interactive) this.context = target;
        return '';
      }
      case 'invoke': {
        const target = w[2];
        if (this.context !== ADMIN) return '% invoke context is allowed only from the Admin context\n';
        if (target === undefined || !dev.contexts.has(target))
          return `Error: Context '${target ?? ''}' does not exist\n`;
        const rest = w.slice(3).join(' ');
        if (!/^sh(o(w)?)?\b/.test(rest)) return '% Only show commands can be invoked\n';
        return this.#exec(rest, target, false);
      }
      case 'configure':
        if (!interactive) return '% configure is not allowed here\n';
        if (dev.lockStandbyConfig && !dev.isActiveFor(ctxName) && ctx.autoSync())
          return 'Error: Configuration mode is locked on the standby (ft auto-sync is enabled)\n';
        this.#frames = [];
        return 'Enter configuration commands, one per line. End with CNTL/Z.\n';
      case 'copy':
      case 'write':
        return `Generating configuration....\nrunning config of context ${ctxName} saved\n`;
      case 'ft': {
        if (w[1] !== 'switchover') return this.#invalid(cmd, 3);
        const force = w.includes('force');
        const num = w.slice(2).find((x) => /^\d+$/.test(x));
        const group = num !== undefined ? Number(num) : dev.groupOf(ctxName);
        if (group === undefined) return 'Error: No FT group is configured for this context\n';
        if (ctxName !== ADMIN && dev.groupOf(ctxName) !== group)
          return 'Error: FT group does not belong to this context\n';
        try {
          if (dev.ftState(group).state === 'ACTIVE') dev.executed(ctxName, this.user.username, cmd);
          switchover(dev, group, force);
          return '';
        } catch (err) {
          if (err instanceof FtError) return `Error: ${err.message}\n`;
          throw err;
        }
      }
      case 'crypto':
        return this.#crypto(w, cmd, ctxName, interactive);
      default:
        return this.#invalid(cmd, 0);
    }
  }

  #show(w: string[], ctxName: string): string {
    const dev = this.device;
    const ctx = dev.contexts.get(ctxName)!;
    switch (w[0]) {
      case 'running-config':
      case 'startup-config':
        return show.showRunningConfig(ctx, w[1]);
      case 'context':
        return show.showContext(dev, ctxName, w[1]);
      case 'ft': {
        if (w[1] === 'group') {
          const num = w.slice(2).find((x) => /^\d+$/.test(x));
          const view = w.slice(2).find((x) => ['status', 'detail', 'summary', 'brief'].includes(x)) ?? 'status';
          return show.showFtGroup(dev, ctxName, view, num !== undefined ? Number(num) : undefined);
        }
        if (w[1] === 'peer') return show.showFtPeer(dev);
        if (w[1] === 'config-error') {
          const target = w[2] !== undefined ? dev.contexts.get(w[2]) : ctx;
          if (!target) return `Error: Context '${w[2]}' does not exist\n`;
          return show.showFtConfigError(dev, target);
        }
        return this.#invalid(`show ${w.join(' ')}`, 8);
      }
      case 'logging':
        return show.showLogging(dev, ctx);
      case 'crypto':
        if (w[1] === 'files') return show.showCryptoFiles(ctx);
        if (w[1] === 'certificate') return show.showCryptoCertificate(ctx, w[2] ?? 'all');
        if (w[1] === 'key') return show.showCryptoKey(ctx, w[2] ?? 'all');
        return this.#invalid(`show ${w.join(' ')}`, 12);
      case 'version':
        return show.showVersion(dev);
      case 'clock':
        return new Date(dev.net.clock.now()).toUTCString() + '\n';
      case 'hostname':
        return dev.hostname + '\n';
      default:
        return this.#invalid(`show ${w.join(' ')}`, 5);
    }
  }

  #crypto(w: string[], cmd: string, ctxName: string, interactive: boolean): string {
    const ctx = this.device.contexts.get(ctxName)!;
    switch (w[1]) {
      case 'export': {
        const f = w[2] !== undefined ? ctx.crypto.get(w[2]) : undefined;
        if (!f) return `Error: File '${w[2] ?? ''}' not found\n`;
        if (w[3] !== 'terminal') return '% Only export to terminal is simulated\n';
        if (!f.exportable) return `Error: File '${f.name}' is not exportable\n`;
        return f.pem.endsWith('\n') ? f.pem : f.pem + '\n';
      }
      case 'import': {
        if (!interactive) return '% crypto import needs an interactive session\n';
        const exportable = !w.includes('non-exportable');
        const ti = w.indexOf('terminal');
        const name = ti >= 0 ? w[ti + 1] : undefined;
        if (name === undefined || !/^[A-Za-z0-9_.-]{1,64}$/.test(name))
          return '% Only import from terminal is simulated: crypto import [non-exportable] terminal NAME\n';
        if (ctx.crypto.has(name)) return `Error: File '${name}' already exists\n`;
        this.#import = { name, exportable, lines: [] };
        return 'Enter PEM formatted data ending with a blank line or "quit" on a line by itself\n';
      }
      case 'delete': {
        if (w[2] === undefined || !ctx.crypto.delete(w[2])) return `Error: File '${w[2] ?? ''}' not found\n`;
        return '';
      }
      case 'generate': {
        const exportable = !w.includes('non-exportable');
        const rest = w.slice(exportable ? 3 : 4);
        const bits = Number(rest[0]);
        const name = rest[1];
        if (![512, 768, 1024, 1536, 2048, 4096].includes(bits) || name === undefined)
          return this.#invalid(cmd, cmd.length);
        if (ctx.crypto.has(name)) return `Error: File '${name}' already exists\n`;
        ctx.addCrypto({ name, kind: 'key', exportable, pem: mintRsaKey(bits) });
        return '';
      }
      default:
        return this.#invalid(cmd, 7);
    }
  }

  #importLine(input: string): string {
    const imp = this.#import!;
    const line = input.replace(/\s+$/, '');
    if (line === '' || line === 'quit') {
      this.#import = undefined;
      const pem = imp.lines.join('\n') + '\n';
      const kind = /-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(pem)
        ? 'key'
        : /-----BEGIN CERTIFICATE-----/.test(pem)
          ? 'cert'
          : undefined;
      if (!kind) return 'Error: Invalid PEM data, nothing imported\n';
      this.device.contexts.get(this.context)!.addCrypto({ name: imp.name, kind, exportable: imp.exportable, pem });
      this.device.executed(
        this.context,
        this.user.username,
        `crypto import ${imp.exportable ? '' : 'non-exportable '}terminal ${imp.name}`,
      );
      return '';
    }
    if (imp.lines.length < 2000) imp.lines.push(line);
    return '';
  }

  // ----------------------------------------------------------------- configuration mode

  #configLine(raw: string): string {
    const frames = this.#frames!;
    const dev = this.device;
    const ctxName = this.context;
    const ctx = dev.contexts.get(ctxName)!;
    const line = raw.trim();
    if (line === 'end' || line === '\u001a') {
      this.#frames = undefined;
      return '';
    }
    if (line === 'exit') {
      if (frames.length === 0) this.#frames = undefined;
      else frames.pop();
      return '';
    }
    if (line.startsWith('do ')) return this.#exec(line.slice(3).trim(), ctxName, true);
    // A top-level-only command typed inside a sub-mode leaves the sub-mode.
    if (frames.length > 0 && (TOP_ONLY.test(line) || isTopLevelHeader(line))) frames.length = 0;

    const neg = /^no\s+(.+)$/.exec(line);
    const words = (neg ? neg[1]! : line).split(/\s+/);
    if (frames.length === 0) {
      const first = words[0]!;
      if (ADMIN_ONLY.has(first) && ctxName !== ADMIN) return this.#invalid(line, neg ? 3 : 0);
      if (!CONFIG_WORDS.has(first) && !ADMIN_ONLY.has(first)) return this.#invalid(line, neg ? 3 : 0);
      if (first === 'ft' && words[1] !== 'auto-sync' && ctxName !== ADMIN) return this.#invalid(line, neg ? 6 : 3);
    }
    const list = frames.length === 0 ? ctx.tree : frames[frames.length - 1]!.node.children;

    if (neg) {
      const target = neg[1]!.trim();
      const ctxDef = frames.length === 0 && ctxName === ADMIN ? /^context (\S+)$/.exec(target) : null;
      if (ctxDef) {
        const name = ctxDef[1]!;
        if (name === ADMIN || !dev.contexts.has(name)) return `Error: Context '${name}' does not exist\n`;
        removeLine(list, target);
        dev.contexts.delete(name);
        ctx.touch();
        dev.executed(ctxName, this.user.username, line);
        dev.emit(ADMIN, 5, '504002', `Security context ${name} was removed from the system`);
        afterConfigChange(dev, ctxName, this.user.username, line);
        return '';
      }
      removeLine(list, target);
      ctx.touch();
      dev.executed(ctxName, this.user.username, line);
      afterConfigChange(dev, ctxName, this.user.username, line);
      return '';
    }

    const parent = frames.length > 0 ? frames[frames.length - 1]!.node.line : undefined;
    const mode = submodeOf(line, parent);
    const node = addLine(list, line, frames.length === 0);
    ctx.touch();
    if (mode !== undefined) frames.push({ mode, node });
    dev.executed(ctxName, this.user.username, line);
    const newCtx = frames.length === 1 && ctxName === ADMIN ? /^context (\S+)$/.exec(line) : null;
    if (newCtx && !dev.contexts.has(newCtx[1]!)) {
      dev.addContext(newCtx[1]!);
      dev.emit(ADMIN, 5, '504001', `Security context ${newCtx[1]} was added to the system`);
    }
    if (line === 'ft auto-sync running-config' && frames.length === 0) {
      const g = dev.groupOf(ctxName);
      if (g !== undefined && dev.isActiveFor(ctxName)) {
        bulkSync(dev, g);
        return '';
      }
    }
    afterConfigChange(dev, ctxName, this.user.username, line);
    return '';
  }
}
