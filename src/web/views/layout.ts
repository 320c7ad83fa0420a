/**
 * The page frame and small shared pieces (state badges, times). No external assets, no
 * inline script or style: one stylesheet and one script, both served by this process.
 */
import type { ContextState } from '../../engine/types.js';
import { ASSET_VERSION } from '../assets/version.js';
import { html, text, type Html } from './html.js';
import { haStateLabel, isoTime, relative, roleTone, shortTime, stateWording } from './format.js';

export interface PageOptions {
  title: string;
  /** Live updates over SSE on this page. */
  live?: boolean;
  /** Navigation entry to mark as current. */
  current?: 'overview' | 'context' | 'procedure' | 'search';
  body: Html;
}

export function page(o: PageOptions): Html {
  const nav = (href: string, label: string, key?: PageOptions['current']) =>
    html`<li><a href="${href}"${o.current === key && key ? html` aria-current="page"` : ''}>${label}</a></li>`;
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light">
<title>${o.title} · acesync</title>
<link rel="stylesheet" href="/assets/app.css?v=${ASSET_VERSION}">
${o.live ? html`<script src="/assets/live.js?v=${ASSET_VERSION}" defer></script>` : ''}
</head>
<body${o.live ? html` data-live="1"` : ''}>
<a class="skip" href="#main">Skip to content</a>
<header class="top">
<p class="brand"><a href="/">acesync</a></p>
<nav aria-label="Main"><ul>${nav('/', 'Overview', 'overview')}${nav('/search', 'Search', 'search')}${nav('/api/v1/openapi.json', 'API')}${nav('/metrics', 'Metrics')}</ul></nav>
${o.live ? html`<p class="live" id="live-status" role="status" aria-live="polite" data-state="connecting">Live updates: connecting…</p>` : ''}
</header>
<main id="main">
${o.body}
</main>
<footer><p>acesync keeps Cisco ANM's copy of ACE context configurations in sync. States are the API's and the CLI's words (<em>stale</em> is what ANM calls <em>Out Of Sync</em>); HA words are ANM's: <em>HA State</em>, <em>HA Peer</em>, <em>HA Autosync</em>.</p></footer>
</body>
</html>
`;
}

/** A sync state as symbol + text + colour, with its meaning in the title. */
export function stateBadge(sync: string | undefined): Html {
  if (sync === undefined) return html`<span class="badge state-muted" data-state="none">not known here</span>`;
  const w = stateWording(sync);
  return html`<span class="badge state-${w.tone}" data-state="${sync}" title="${w.help}"><span aria-hidden="true">${w.symbol}</span> ${w.label}</span>`;
}

/** An FT role in ANM's HA State words. */
export function roleBadge(role: string | undefined): Html {
  return html`<span class="badge state-${roleTone(role)}" data-role="${role ?? ''}">${haStateLabel(role)}</span>`;
}

/** A time: absolute in the text, machine-readable in `datetime`, relative refreshed by the script. */
export function timeCell(ms: number | undefined, now: number): Html {
  if (ms === undefined) return html`<span class="muted">never</span>`;
  return html`<time datetime="${isoTime(ms)}" title="${shortTime(ms)}">${shortTime(ms)}</time> <span class="rel" data-rel="${isoTime(ms)}">(${relative(ms, now)})</span>`;
}

/** The fields of one context on one device that the live script updates (by data-field). */
/** Alerts that mean the context's own logging is silenced (changes there may go unheard). */
export const SILENCING_ALERTS: ReadonlySet<string> = new Set(['logging-silenced', 'logging-drift']);

/** Shown next to the state badge while a silencing alert of the context is firing. */
export function silencedBadge(): Html {
  return html` <span
    class="badge state-bad"
    data-flag="silenced"
    title="Logging of this context is silenced or incomplete: changes may go unnoticed until it is fixed"
    ><span aria-hidden="true">🔇</span> logging silenced</span
  >`;
}

export function contextCells(
  c: ContextState | undefined,
  now: number,
  reasonMax = 160,
  flags: { silenced?: boolean; auditError?: string } = {},
): { sync: Html; since: Html; reason: Html; audit: Html; upload: Html } {
  const reason = c && c.reasons.length ? c.reasons[c.reasons.length - 1]!.text : '';
  return {
    sync: flags.silenced ? html`${stateBadge(c?.sync)}${silencedBadge()}` : stateBadge(c?.sync),
    since: c ? timeCell(c.since, now) : html`—`,
    reason: c ? html`<span class="reason">${text(reason, reasonMax)}</span>` : html`—`,
    audit: auditCell(c, now, flags.auditError),
    upload:
      c?.lastUploadAt !== undefined
        ? html`${timeCell(c.lastUploadAt, now)} <span class="outcome">${c.lastUploadOutcome ?? ''}</span>`
        : html`<span class="muted">never</span>`,
  };
}

/**
 * One wording for the last audit: "never audited successfully (last attempt: TIME, KIND)"
 * when every audit so far failed (no configuration hash was ever recorded), else the time
 * and outcome of the last audit, with what it ran into when it failed.
 */
export function auditCell(c: ContextState | undefined, now: number, errorKind?: string): Html {
  if (c?.lastAuditAt === undefined) return html`<span class="muted">never</span>`;
  if (c.lastAuditOutcome === 'error') {
    const kind = html`<span class="outcome">${text(errorKind ?? 'error', 80)}</span>`;
    return c.lastAuditHash === undefined
      ? html`<span data-audit="never-ok">never audited successfully (last attempt: ${timeCell(c.lastAuditAt, now)}, ${kind})</span>`
      : html`<span data-audit="failed">last attempt failed: ${timeCell(c.lastAuditAt, now)}, ${kind}</span>`;
  }
  return html`${timeCell(c.lastAuditAt, now)} <span class="outcome">${c.lastAuditOutcome ?? ''}</span>`;
}

export function contextHref(device: string, context: string): string {
  return `/contexts/${encodeURIComponent(device)}/${encodeURIComponent(context)}`;
}
