/**
 * ACE CLI prompts and error lines (reference section 4.1).
 *
 * Exec prompt `host/Context# `, configuration prompt `host/Context(config)# `, sub-modes
 * `host/Context(config-if)# `. The patterns follow the Netshot ACE driver, which was written
 * against real devices.
 */

/** A parsed prompt. `mode` is undefined in exec mode, else `config`, `config-if`, ... */
export interface AcePrompt {
  hostname: string;
  context: string;
  mode?: string;
}

const NAME = '[A-Za-z0-9_.-]+';
/** A prompt alone on the last line of a buffer (trailing space optional). */
const PROMPT_AT_END = new RegExp(`(?:^|\\n)(${NAME})/(${NAME})(?:\\((conf[0-9A-Za-z-]*)\\))?# ?$`);
/** The pager marker, printed when `terminal length 0` did not take. */
const MORE_AT_END = /--More--\s*$/;

/** Terminal control sequences (colour, cursor moves) some shells add; never part of output. */

const ANSI = /\u001b\[[0-9;?]*[A-Za-z]|\u001b[()][A-Za-z0-9]|[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g;

/** Strip CR, backspaces and terminal escapes: what is left is the text a person would read. */
export function cleanTerminalText(s: string): string {
  return s
    .replace(/\r\n?/g, '\n')
    .replace(/[^\n]\u0008/g, '')
    .replace(ANSI, '');
}

/**
 * The prompt the buffer ends with, if any. When `hostname` is given the prompt must carry
 * it: a line of configuration that happens to look like `a/b#` cannot end a command early.
 */
export function promptAtEnd(buffer: string, hostname?: string): AcePrompt | undefined {
  const m = PROMPT_AT_END.exec(buffer);
  if (!m) return undefined;
  if (hostname !== undefined && m[1] !== hostname) return undefined;
  return { hostname: m[1]!, context: m[2]!, mode: m[3] };
}

/** True when the pager stopped output (the caller sends a space). */
export function pagerAtEnd(buffer: string): boolean {
  return MORE_AT_END.test(buffer);
}

/** Render a prompt the way the device prints it. */
export function formatPrompt(p: AcePrompt): string {
  return `${p.hostname}/${p.context}${p.mode ? `(${p.mode})` : ''}# `;
}

/**
 * The device's error for a command, if its output is one: `% Invalid command at '^' marker.`,
 * `Error: ...` lines (crypto, ft). Returns the first such line.
 */
export function commandError(output: string): string | undefined {
  for (const raw of output.split('\n')) {
    const line = raw.trim();
    if (line === '' || /^\^\s*$/.test(line)) continue;
    if (line.startsWith('% ')) return line.slice(0, 300);
    if (/^Error:/.test(line)) return line.slice(0, 300);
    return undefined;
  }
  return undefined;
}

/**
 * The output of one command as read from an interactive shell: drop the echoed command
 * line (a pty echoes what we type) and the prompt that ended it.
 */
export function extractOutput(buffer: string, command: string): string {
  let text = buffer;
  // Drop the trailing prompt line.
  const lastNl = text.lastIndexOf('\n');
  text = lastNl >= 0 ? text.slice(0, lastNl) : '';
  // Drop the echo: the first line ends with what we typed (it may follow a prompt).
  const firstNl = text.indexOf('\n');
  const first = firstNl >= 0 ? text.slice(0, firstNl) : text;
  if (command !== '' && first.trimEnd().endsWith(command.trim())) text = firstNl >= 0 ? text.slice(firstNl + 1) : '';
  return text;
}
