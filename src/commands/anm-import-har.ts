/**
 * `acesync anm import-har FILE [--device D] [--context C] [--address A]`: print the
 * `anm.strategy` block (http strategy) for the sync request in a browser HAR export, with
 * `{{device}}`, `{{context}}`, `{{address}}` placeholders. Nothing secret from the capture is
 * printed. Exit 0 a template was proposed, 1 the request cannot be templated (a per-page
 * token: the command strategy is proposed instead), 2 not a HAR or no sync request in it.
 */
import { readFileSync } from 'node:fs';
import { parse as parseYamlValue } from 'yaml';
import { importHar, type HarImport, type HttpStrategyProposal } from '../anm/har-import.js';
import { comment, scalar } from '../config/render-yaml.js';
import { httpStrategySchema } from '../config/sections/anm.js';
import { AcesyncError, EXIT } from '../core/errors.js';
import type { Parsed } from './args.js';

export const HELP = `usage: acesync anm import-har FILE [--device NAME] [--context NAME] [--address IP]

Reads a HAR export (browser developer tools, Network tab, "Save all as HAR") of logging in to
ANM and clicking the sync button ("CLI > ANM Sync") on one context, and prints the anm.strategy
block of the http strategy with {{device}}, {{context}} and {{address}} in place of the values
of that click. Give the values you clicked on with --device/--context/--address when the field
names do not say which is which. Cookies, passwords and session ids are never printed.
Exit: 0 a template, 1 the request cannot be templated (use the command strategy), 2 bad input.
`;

function record(indent: string, name: string, r: Record<string, string>): string[] {
  const keys = Object.keys(r);
  if (keys.length === 0) return [`${indent}${name}: {}`];
  return [`${indent}${name}:`, ...keys.map((k) => `${indent}  ${scalar(k)}: ${scalar(r[k]!)}`)];
}

export function renderStrategy(r: HarImport, file: string): string {
  const out: string[] = [
    comment(`Proposed by 'acesync anm import-har' from ${file}: sync ${r.syncRequest}`) +
      (r.loginRequest ? `, login ${r.loginRequest}` : ''),
    comment('Merge into the anm: section of acesync.yaml, then: acesync anm check --sync --context DEVICE/CONTEXT'),
  ];
  for (const n of r.notes) out.push(comment(n));
  out.push('anm:', `  url: ${scalar(r.origin)}`);
  const s: HttpStrategyProposal | undefined = r.strategy;
  if (!s) {
    out.push(
      '  strategy:',
      '    type: command',
      '    argv: [./upload-via-script.sh]   # see samples/anm/upload-via-script.sh: it gets the job as JSON on stdin',
      '    pass_anm_password: true',
    );
    return out.join('\n') + '\n';
  }
  out.push('  strategy:', '    type: http', '    login:', `      enabled: ${s.login.enabled}`);
  if (s.login.method) out.push(`      method: ${s.login.method}`);
  if (s.login.path) out.push(`      path: ${scalar(s.login.path)}`);
  if (s.login.fields) out.push(...record('      ', 'fields', s.login.fields));
  out.push('    request:', `      method: ${s.request.method}`, `      path: ${scalar(s.request.path)}`);
  out.push(...record('      ', 'query', s.request.query));
  out.push(...record('      ', 'fields', s.request.fields));
  out.push(...record('      ', 'headers', s.request.headers));
  out.push(`      body_format: ${s.request.body_format}`);
  out.push(
    '    success:',
    `      status: [${s.success.status.join(', ')}]`,
    `      body_regex: ${scalar(s.success.body_regex)}`,
  );
  return out.join('\n') + '\n';
}

export async function main(args: Parsed): Promise<number> {
  const values = args.all() as { device?: string; context?: string; address?: string; help?: boolean };
  const positionals = args.positionals;
  if (values.help) {
    process.stdout.write(HELP);
    return EXIT.OK;
  }
  const file = positionals[0];
  if (file === undefined || positionals.length > 1)
    throw new AcesyncError('ACESYNC_USAGE', `give one HAR file\n\n${HELP}`);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new AcesyncError('ACESYNC_USAGE', `cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? 'error'}`);
  }
  const r = importHar(text, {
    ...(values.device !== undefined ? { device: values.device } : {}),
    ...(values.context !== undefined ? { context: values.context } : {}),
    ...(values.address !== undefined ? { address: values.address } : {}),
  });
  const yaml = renderStrategy(r, file);
  if (r.strategy) {
    // What we print must load: run it through the real schema of the http strategy.
    const parsed = httpStrategySchema.safeParse((parseYamlValue(yaml) as { anm: { strategy: unknown } }).anm.strategy);
    if (!parsed.success) {
      process.stderr.write(
        `acesync anm import-har: the proposal does not validate (please report): ${parsed.error.message.slice(0, 500)}\n`,
      );
      return EXIT.FAILURE;
    }
  }
  process.stdout.write(yaml);
  if (!r.strategy) {
    process.stderr.write(`acesync anm import-har: ${r.notes[r.notes.length - 1] ?? 'cannot template this request'}\n`);
    return EXIT.FAILURE;
  }
  return EXIT.OK;
}
