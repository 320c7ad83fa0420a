/**
 * The ACE message catalogue (ace-device.md section 2): from a message id and its text to an
 * event kind and fields. Classification is by id, never by severity, because
 * `logging message <id> level <n>` can re-level any message.
 *
 * Ids outside relevant-ids.ts are noise without reading their text; the fast path relies on
 * exactly the same list.
 */
import type { AceEvent, EventKind } from '../core/events.js';
import { classifyCommand } from './command-classifier.js';
import { shapeEvent } from './event-shape.js';
import { haFields } from './ha-messages.js';
import { clip, LIMITS } from './limits.js';
import { isRelevantId } from './relevant-ids.js';

/** An event under construction. */
export type Fields = Partial<AceEvent> & { kind: EventKind };
type Handler = (text: string) => Fields;

const EXECUTED = ' executed the ';

function unquote(s: string): string {
  if (s.length >= 2 && s.startsWith("'") && s.endsWith("'")) return s.slice(1, -1);
  // A line cut short (datagram truncated) leaves only the opening quote.
  return s.startsWith("'") ? s.slice(1) : s;
}

/**
 * 111008: `User 'user' executed the 'command' command.` (Netshot-observed form) or the guide's
 * unquoted `User user executed the command command`. A truncated line still gives the part of
 * the command that arrived: `logging ho` is enough to know logging changed.
 */
export function parseCommandAccounting(text: string): { user?: string; command?: string } {
  if (!text.startsWith('User ')) return {};
  const k = text.indexOf(EXECUTED, 5);
  if (k === -1) return {};
  const user = unquote(text.slice(5, k).trim());
  let rest = text.slice(k + EXECUTED.length).trimEnd();
  if (rest.endsWith('.')) rest = rest.slice(0, -1);
  if (rest.endsWith(' command')) rest = rest.slice(0, -' command'.length);
  const command = unquote(rest.trim()).trim();
  return {
    ...(user.length > 0 ? { user: clip(user, LIMITS.user) } : {}),
    command: clip(command, LIMITS.command),
  };
}

function commandExecuted(text: string): Fields {
  const { user, command } = parseCommandAccounting(text);
  // An unreadable 111008 is still a command on the device: audit rather than ignore.
  if (command === undefined) return { kind: 'config-change', user };
  const draft: Fields = classifyCommand(command);
  draft.user = user;
  draft.command = command;
  return draft;
}

const RELOAD_RE = /\bby (\S{1,128}?)\.?\s+Reload reason\s*:\s*(.*?)\.?\s*$/;

/** 199006: `Orderly reload started at <when> by <whom>. Reload reason: <reason>`. */
function orderlyReload(text: string): Fields {
  const m = RELOAD_RE.exec(clip(text, 1024));
  if (!m) return { kind: 'device-restart' };
  const reason = m[2]!.trim();
  return { kind: 'device-restart', user: m[1], reason: reason.length > 0 ? clip(reason, LIMITS.detail) : undefined };
}

const CONTEXT_RE = /^Security context (\S{1,128}) was (?:added to|removed from) the system/;

function contextLifecycle(change: 'added' | 'removed'): Handler {
  return (text) => {
    const m = CONTEXT_RE.exec(text);
    return { kind: 'context-lifecycle', change, context: m ? clip(m[1]!, LIMITS.context) : undefined };
  };
}

function haState(id: string): Handler {
  return (text) => Object.assign(haFields(id, text), { kind: 'ha-state' as const });
}

/** Handlers for the individually relevant ids; the 727xxx block is handled as a whole. */
export const HANDLERS: Readonly<Record<string, Handler>> = {
  '111008': commandExecuted,
  '199006': orderlyReload,
  '253010': () => ({ kind: 'crypto-change' }),
  '504001': contextLifecycle('added'),
  '504002': contextLifecycle('removed'),
  '728016': haState('728016'),
  '728017': haState('728017'),
  '728029': haState('728029'),
  '728030': haState('728030'),
};

function isSixDigits(id: string): boolean {
  return id.length === 6 && /^\d{6}$/.test(id);
}

/**
 * The catalogue's reading of a body as a fresh, unshaped draft the caller may add fields to
 * (the syslog parser adds the envelope's). Built by assignment, not object spread: spreading
 * drafts of varying shape was the single largest cost on the parse path.
 */
export function classifyBody(severity: number | undefined, id: string, text: string): Fields {
  let draft: Fields;
  if (!isSixDigits(id) || !isRelevantId(Number(id))) {
    draft = { kind: 'noise' };
  } else {
    const handler = HANDLERS[id] ?? (id.startsWith('727') ? haState(id) : undefined);
    // Handlers see the whole text (each bounds its own work and fields), so a long user name
    // cannot push the command out of reach. `noise` below is unreachable while HANDLERS and
    // relevant-ids.ts agree (a test holds them together).
    draft = handler ? handler(text.trimEnd()) : { kind: 'noise' };
  }
  const t = clip(text, LIMITS.text).trimEnd();
  draft.id = id;
  if (Number.isInteger(severity) && severity! >= 0 && severity! <= 7) draft.severity = severity;
  if (t.length > 0) draft.text = t;
  return draft;
}

/**
 * Classify the body of an ACE message given its id and text (the part after `%ACE-<sev>-<id>: `).
 * Used by the syslog parser and by the trap decoder (clogMessageGenerated). Never throws.
 */
export function parseAceBody(severity: number | undefined, id: string, text: string): AceEvent {
  return shapeEvent(classifyBody(severity, id, text));
}
