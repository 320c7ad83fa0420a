/**
 * The manual procedure of one HA pair and one run: ANM's seed procedure for HA pairs (ANM
 * 5.2 User Guide p13-31, anm.md section 2) written out for the contexts acesync found stale,
 * with the names filled in: which peer is standby for each context, which contexts to
 * upload, which new user contexts of Admin follow, which certificate/key files differ, the
 * operator's runbook note, and what acknowledging does.
 *
 * One run covers every context of the pair that went waiting-operator while its alert was
 * open, so a change replicated to both peers (or a first install with 200 contexts) is one
 * alert and one acknowledgement, not one per context.
 *
 * Pure: the facts come from the store (store/queries/procedure.ts); the same structure is
 * rendered as numbered plain text (webhook `description`) and as an HTML list (the page).
 * Every name in it comes from devices: the text is inert (no markup is produced here), the
 * page escapes it, and hashes are cut at a fixed 12 digits, never mid-way by a bound.
 */
import type { AnmConfig, ManualStrategyConfig } from '../config/sections/anm.js';
import type { CryptoDifference, ProcedureContext } from '../store/queries/procedure.js';

export const PROCEDURE_ALERT = 'manual-procedure';
export const ADMIN = 'Admin';
/** Names listed per step at most (the rest counted); keeps a 2000-context estate's text bounded. */
export const MAX_ITEMS = 500;
const SHORT = 12;

export type { ProcedureContext, CryptoDifference };

export interface ProcedureSettings {
  syncLabel: string;
  anmUrl?: string;
  note?: string;
  runbookUrl?: string;
}

export interface ProcedureInput {
  /** The devices of the pair (one for a device without a peer). */
  pair: string[];
  /** Stable key of the pair (`ace-a+ace-b`), used in links and acknowledgements. */
  pairKey: string;
  contexts: ProcedureContext[];
  /** User contexts of Admin that ANM has no copy of yet (lifecycle events, poller discovery), per device. */
  newContexts: Record<string, string[]>;
  crypto: CryptoDifference[];
  settings: ProcedureSettings;
}

export interface ProcedureStep {
  text: string;
  /** Names the step applies to (a list on the page, indented lines in text). */
  items: string[];
}

export interface Procedure {
  title: string;
  intro: string;
  steps: ProcedureStep[];
  note?: string;
  runbookUrl?: string;
}

/** The procedure settings from the configuration (the manual strategy's, else its defaults). */
export function procedureSettings(anm: Pick<AnmConfig, 'enabled' | 'url' | 'strategy'>): ProcedureSettings {
  const m: Partial<ManualStrategyConfig> = anm.strategy.type === 'manual' ? anm.strategy : {};
  return {
    syncLabel: m.sync_label ?? 'CLI > ANM Sync',
    ...(anm.url !== undefined ? { anmUrl: anm.url } : {}),
    ...(m.note !== undefined ? { note: m.note } : {}),
    ...(m.runbook_url !== undefined ? { runbookUrl: m.runbook_url } : {}),
  };
}

export const pairKeyOf = (devices: string[]): string => [...devices].sort().join('+');

export const shortHash = (h: string | undefined): string => (h ? h.slice(0, SHORT) : 'none');

const roleWord = (role: string | undefined): string =>
  role
    ? role
        .toLowerCase()
        .replace(/^ft_state_/, '')
        .replace(/_/g, ' ')
    : 'role not known';

const bounded = (items: string[]): string[] =>
  items.length > MAX_ITEMS ? [...items.slice(0, MAX_ITEMS), `… and ${items.length - MAX_ITEMS} more`] : items;

/** Admin first (ANM imports new user contexts from it), then by context, then by device. */
function ordered(cs: ProcedureContext[]): ProcedureContext[] {
  return [...cs].sort(
    (a, b) =>
      Number(b.context === ADMIN) - Number(a.context === ADMIN) ||
      a.context.localeCompare(b.context) ||
      a.device.localeCompare(b.device),
  );
}

/** Build the procedure of one run. Pure. */
export function buildProcedure(inp: ProcedureInput): Procedure {
  const { settings: s } = inp;
  const all = ordered(inp.contexts);
  const waiting = all.filter((c) => c.waiting);
  const todo = waiting.length > 0 ? waiting : all;
  const pairText = inp.pair.join(' + ');
  const gui = s.anmUrl ? `ANM's GUI (${s.anmUrl})` : "ANM's GUI";
  const standby = [...new Set(todo.filter((c) => c.role?.startsWith('STANDBY')).map((c) => c.device))];
  const steps: ProcedureStep[] = [];

  steps.push({
    text:
      `Audit ${standby.length ? `the standby (${standby.join(', ')} for the groups below)` : 'each device'} and its peer: ` +
      "on the ACE CLI, `changeto CONTEXT` then `show running-config`, and compare with ANM's view of the context. " +
      "acesync found these differ from ANM's copy (device → ANM, short hashes):",
    items: todo.map(
      (c) =>
        `${c.device}/${c.context}${c.ftGroup !== undefined ? ` (FT group ${c.ftGroup}, ${roleWord(c.role)})` : ''}: ` +
        `${shortHash(c.hash)} → ${c.anmHash ? shortHash(c.anmHash) : 'no copy recorded'}`,
    ),
  });
  steps.push({
    text:
      `Upload each configuration to ANM: in ${gui}, Config > Devices > DEVICE > CONTEXT, use "${s.syncLabel}" ` +
      '(ANM reads the running-config from that ACE and replaces its copy), Admin first, on the standby as well:',
    items: todo.map((c) => `${c.device}: ${c.context}`),
  });
  const diffs = inp.crypto.filter((d) => d.missingOnDevice.length + d.missingOnPeer.length + d.different.length > 0);
  steps.push({
    text:
      `Make sure the SSL certificates and keys are imported and identical on ${inp.pair.length > 1 ? 'both peers' : 'the device'}: ` +
      '`show crypto files` in each context on each peer must list the same files; `show ft config-error` and ' +
      '`show ft group status` (STANDBY_COLD means the standby lacks a file the active uses). ' +
      (diffs.length ? 'acesync found these differences:' : 'acesync found no difference at its last check.'),
    items: diffs.flatMap((d) => [
      ...d.missingOnDevice.map((f) => `${d.context}: ${f} is missing on ${d.device} (present on ${d.peer})`),
      ...d.missingOnPeer.map((f) => `${d.context}: ${f} is missing on ${d.peer} (present on ${d.device})`),
      ...d.different.map((f) => `${d.context}: ${f} differs between ${d.device} and ${d.peer}`),
    ]),
  });
  const admins = todo.filter((c) => c.context === ADMIN).map((c) => c.device);
  if (admins.length) {
    const fresh = admins.flatMap((dev) => (inp.newContexts[dev] ?? []).map((c) => `${dev}: ${c}`));
    steps.push({
      text:
        `After the Admin upload of ${admins.join(' and ')}, ANM imports the user contexts that are new there: ` +
        `upload each newly imported user context the same way ("${s.syncLabel}"), or ANM cannot manage it. ` +
        (fresh.length ? 'New user contexts acesync found:' : 'acesync found no new user context.'),
      items: fresh,
    });
  }
  if (todo.some((c) => c.noBaseline))
    steps.push({
      text:
        'If ANM already holds these configurations (a first install next to an ANM that is in sync), adopt them ' +
        `instead of uploading: \`acesync baseline adopt ${inp.pair.map((d) => `--device ${d}`).join(' ')} ` +
        '--reason "..."`, or the pair\'s "Adopt baseline" button on the overview. Nothing is uploaded.',
      items: [],
    });
  steps.push({
    text:
      `Acknowledge in acesync: the procedure page's "I uploaded them in ANM" button (${waiting.length} context` +
      `${waiting.length === 1 ? '' : 's'}), POST /api/v1/procedures/${inp.pairKey}/acknowledge, or ` +
      `\`acesync procedure ack ${inp.pairKey}\`. For each acknowledged context acesync records the configuration it ` +
      "audited as ANM's copy and audits it again; the context is in-sync once that audit agrees, and this alert " +
      'resolves when every context of the run is.',
    items: [],
  });
  for (const st of steps) st.items = bounded(st.items);
  return {
    title: `Manual ANM procedure for ${pairText}: ${todo.length} context${todo.length === 1 ? '' : 's'} to upload by hand`,
    intro:
      "ANM's copy of these contexts is stale and ANM has no API to refresh it (upload strategy: manual). " +
      "Follow ANM's HA procedure (ANM 5.2 User Guide p13-31):",
    steps,
    ...(s.note !== undefined ? { note: s.note } : {}),
    ...(s.runbookUrl !== undefined ? { runbookUrl: s.runbookUrl } : {}),
  };
}

/** Numbered plain text (webhook `description`): one step a paragraph, its names indented below it. */
export function procedureText(p: Procedure): string {
  const out: string[] = [p.title, '', p.intro, ''];
  p.steps.forEach((st, i) => {
    out.push(`${i + 1}. ${st.text}`);
    for (const it of st.items) out.push(`   - ${it}`);
  });
  if (p.note) out.push('', `Note: ${p.note}`);
  if (p.runbookUrl) out.push('', `Runbook: ${p.runbookUrl}`);
  return out.join('\n');
}
