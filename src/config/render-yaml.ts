/**
 * Render what `acesync discover` found as a commented `acesync.yaml` that `acesync start
 * --config` accepts as it is. Pure: the text depends only on the input. Every scalar goes
 * through `scalar()` (plain when YAML reads it back as the same string, else double-quoted)
 * and every comment through `comment()` (one line, printable characters only), because
 * context names and addresses come from the devices and are untrusted.
 */
import { parse as parseYamlValue } from 'yaml';

export interface DiscoveredContext {
  name: string;
  ftGroup?: number;
  sources: string[];
  /** Comment lines printed above the context (what was seen, what was decided). */
  notes: string[];
}

export interface DiscoveredDevice {
  name: string;
  /** The management address discovery logged into (ANM's identity of the device). */
  host: string;
  peer?: string;
  ssh: {
    port: number;
    username: string;
    password_env?: string;
    password_file?: string;
    host_key_sha256?: string;
    legacy_algorithms: boolean;
  };
  contexts: DiscoveredContext[];
  notes: string[];
}

export interface DiscoveredConfig {
  /** ISO time of the discovery run (printed in the header). */
  generatedAt: string;
  devices: DiscoveredDevice[];
  /** Becomes `poller.expected_logging.hosts`. */
  expectedLoggingHosts: string[];
  loggingNotes: string[];
  anm?: { url: string; username: string; password_env: string; ca_file?: string; insecure?: boolean };
  /** Folder of the rule files (absolute: the rules shipped with acesync). */
  rules?: string;
  /** What discovery could not decide; printed at the top of the file as well as in the report. */
  unresolved: string[];
}

/** One comment line: control characters and newlines removed, bounded. */
export function comment(text: string): string {
  const clean = text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ').slice(0, 400);
  return `# ${clean}`.trimEnd();
}

/** A YAML scalar that reads back as exactly `s`. */
export function scalar(s: string): string {
  if (/^[A-Za-z0-9_./:@+-]+$/.test(s) && !s.startsWith('-') && !s.startsWith(':')) {
    try {
      if (parseYamlValue(s) === s) return s;
    } catch {
      /* fall through to quoting */
    }
  }
  return JSON.stringify(s);
}

const list = (items: readonly string[]): string => `[${items.map(scalar).join(', ')}]`;

export function renderDiscoveredConfig(d: DiscoveredConfig): string {
  const out: string[] = [];
  const c = (indent: string, text: string): void => {
    out.push(indent + comment(text));
  };
  c('', `acesync configuration written by 'acesync discover' at ${d.generatedAt}.`);
  c('', 'Review every line marked REVIEW before starting; start with: acesync start --config <this file>');
  c('', 'Secrets are not in this file: the SSH and ANM passwords come from the environment variables named below.');
  if (d.unresolved.length > 0) {
    c('', '');
    c('', 'REVIEW, discovery could not decide:');
    for (const u of d.unresolved) c('', `  - ${u}`);
  }
  out.push('');
  if (d.rules !== undefined) {
    c('', 'The rules shipped with acesync. Copy the folder and point here to change them.');
    out.push(`rules: ${scalar(d.rules)}`, '');
  }
  c('', "Listeners: point each context's `logging host` at this machine, UDP port 5514 (see syslog: in the README).");
  out.push('syslog:', '  udp:', '    port: 5514', '');

  out.push('devices:');
  if (d.devices.length === 0) out.push('  []');
  for (const dev of d.devices) {
    for (const n of dev.notes) c('  ', n);
    out.push(`  - name: ${scalar(dev.name)}`);
    out.push(`    host: ${scalar(dev.host)}`);
    if (dev.peer !== undefined) out.push(`    peer: ${scalar(dev.peer)}`);
    else c('    ', 'REVIEW: no HA peer found for this device (add `peer: <name>` if it has one)');
    out.push('    ssh:');
    out.push(`      port: ${dev.ssh.port}`);
    out.push(`      username: ${scalar(dev.ssh.username)}`);
    if (dev.ssh.password_env !== undefined) out.push(`      password_env: ${scalar(dev.ssh.password_env)}`);
    if (dev.ssh.password_file !== undefined) out.push(`      password_file: ${scalar(dev.ssh.password_file)}`);
    if (dev.ssh.host_key_sha256 !== undefined) {
      c('      ', 'Host key seen at discovery (trust on first use): compare with `show crypto ssh` / your records.');
      out.push(`      host_key_sha256: ${scalar(dev.ssh.host_key_sha256)}`);
    }
    if (dev.ssh.legacy_algorithms) out.push('      legacy_algorithms: true');
    out.push('    contexts:');
    if (dev.contexts.length === 0) out.push('      []');
    for (const ctx of dev.contexts) {
      for (const n of ctx.notes) c('      ', n);
      out.push(`      - name: ${scalar(ctx.name)}`);
      if (ctx.ftGroup !== undefined) out.push(`        ft_group: ${ctx.ftGroup}`);
      out.push(`        sources: ${list(ctx.sources)}`);
    }
    out.push('');
  }

  out.push('poller:', '  expected_logging:');
  for (const n of d.loggingNotes) c('    ', n);
  c('    ', 'Every context must log to these hosts; a context that stops is reported as logging drift.');
  c('    ', "Add acesync's own address here once the contexts log to it (devices cannot tell us which one they use).");
  if (d.expectedLoggingHosts.length === 0)
    c('    ', 'REVIEW: none found, so silenced syslog is NOT detected until you list the hosts here.');
  out.push(`    hosts: ${list(d.expectedLoggingHosts)}`, '');

  if (d.anm) {
    c('', 'ANM: the SOAP API lists what ANM knows; uploads use the manual strategy until you capture the GUI');
    c('', 'request (acesync anm import-har) and check it (acesync anm check).');
    out.push('anm:', '  enabled: true');
    out.push(`  url: ${scalar(d.anm.url)}`);
    out.push(`  username: ${scalar(d.anm.username)}`);
    out.push(`  password_env: ${scalar(d.anm.password_env)}`);
    if (d.anm.ca_file !== undefined) out.push(`  ca_file: ${scalar(d.anm.ca_file)}`);
    if (d.anm.insecure === true) {
      c('  ', 'REVIEW: accepts any certificate from ANM; give ca_file instead when you can.');
      out.push('  insecure: true');
    }
    out.push('  strategy:', '    type: manual', '');
  } else {
    c('', 'ANM: not asked (run discover with --anm-url/--anm-user/--anm-password-env to check what ANM knows).');
    c('', 'The default is the manual strategy: an alert with the steps, acknowledged by a person.');
    out.push('');
  }
  return out.join('\n').replace(/\n+$/, '') + '\n';
}
