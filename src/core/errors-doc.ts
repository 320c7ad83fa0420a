/**
 * docs/errors.md, rendered from the catalogue (scripts/docs-errors.ts writes it; test/core/errors.test.ts fails
 * when the file and the catalogue disagree). Pure: tables in, Markdown out.
 */
import { ERRORS, type ErrorSpec } from './errors.js';

export interface KindSpec {
  code: string;
  retryable: boolean;
  meaning: string;
}

const cell = (s: string): string => s.replace(/\|/g, '\\|');

export function renderErrorsDoc(
  catalogue: Readonly<Record<string, ErrorSpec>> = ERRORS,
  sshKinds: Readonly<Record<string, KindSpec>> = {},
): string {
  const lines = [
    '# Error codes',
    '',
    '<!-- Generated from src/core/errors.ts by `npm run docs:errors`; test/core/errors.test.ts checks it. -->',
    '',
    'Every error acesync reports carries one of these codes: in the API body `{code, message}` (with the HTTP',
    'status below) and in log lines (`code`, `err.code`). Codes are stable: they are never renamed or',
    'reused, and new ones are appended. A status of 500 means the code only reaches HTTP as an internal',
    'error. Command-line errors exit with 2 when an input file or the call must be fixed, 1 otherwise.',
    '',
    '| Code | HTTP status | Meaning |',
    '| --- | --- | --- |',
  ];
  for (const [code, spec] of Object.entries(catalogue)) {
    const meaning = spec.reserved
      ? `${spec.meaning} (reserved, never raised: ${spec.note ?? 'no reason'})`
      : spec.meaning;
    lines.push(`| \`${code}\` | ${spec.status} | ${cell(meaning)} |`);
  }
  const kinds = Object.entries(sshKinds);
  if (kinds.length > 0) {
    lines.push(
      '',
      '## SSH failure kinds',
      '',
      'SSH errors say what failed in `details.kind` (src/devices/ssh-error.ts). The session pool retries opening a',
      'session (with backoff) unless the kind says retrying cannot help.',
      '',
      '| Kind | Code | Session retried | Meaning |',
      '| --- | --- | --- | --- |',
    );
    for (const [kind, k] of kinds)
      lines.push(`| \`${kind}\` | \`${k.code}\` | ${k.retryable ? 'yes' : 'no'} | ${cell(k.meaning)} |`);
  }
  return lines.join('\n') + '\n';
}
