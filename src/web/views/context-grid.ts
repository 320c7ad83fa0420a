/**
 * The context x peer grid of a big pair on the overview: one row per context, one column
 * per device of the pair, each cell the state (symbol + the API's word + colour) linking to
 * the context's page. Rows are split into short tables that sit side by side on a wide
 * screen and stack on a phone, so 250 contexts take about one screen at 1366 px and nothing
 * scrolls sideways at 390 px. Cells carry data-device/data-context and data-field="grid", so
 * the live script redraws them like the list's rows. Pure.
 */
import type { ContextRow } from '../../store/queries/overview.js';
import { stateWording } from './format.js';
import { html, text, type Html } from './html.js';
import { contextHref } from './layout.js';

/** A pair with more contexts than this gets the grid. */
export const GRID_MIN_CONTEXTS = 20;
/** Rows per table of the grid. */
export const GRID_ROWS_PER_TABLE = 25;
/** Contexts drawn in the grid at most (the inventory caps contexts per device anyway). */
export const GRID_MAX_CONTEXTS = 2000;

/** One cell's content: the live script rebuilds exactly this shape. */
export function gridCell(device: string, context: string, sync: string | undefined, silenced: boolean): Html {
  if (sync === undefined) return html`<span class="muted" data-state="none">—</span>`;
  const w = stateWording(sync);
  const title = `${context} on ${device}: ${w.label}${silenced ? ', logging silenced' : ''}. ${w.help}`;
  return html`<a class="cell badge state-${w.tone}${silenced ? ' silenced' : ''}" href="${contextHref(device, context)}" data-state="${sync}" title="${text(title, 400)}"><span aria-hidden="true">${w.symbol}</span> ${w.label}${silenced ? html` <span data-flag="silenced"><span aria-hidden="true">🔇</span><span class="sr-only">logging silenced</span></span>` : ''}</a>`;
}

export function contextGrid(
  devices: readonly string[],
  rows: readonly ContextRow[],
  silenced: ReadonlySet<string>,
  caption = 'Contexts × devices',
): Html {
  const shown = rows.slice(0, GRID_MAX_CONTEXTS);
  const tables: Html[] = [];
  for (let i = 0; i < shown.length; i += GRID_ROWS_PER_TABLE) {
    const chunk = shown.slice(i, i + GRID_ROWS_PER_TABLE);
    const last = Math.min(shown.length, i + GRID_ROWS_PER_TABLE);
    tables.push(html`<table class="grid">
<caption class="sr-only">${caption}, contexts ${i + 1} to ${last}</caption>
<thead><tr><th scope="col">Context</th>${devices.map((d) => html`<th scope="col">${text(d, 64)}</th>`)}</tr></thead>
<tbody>${chunk.map(
      (r) =>
        html`<tr><th scope="row">${text(r.name, 64)}</th>${r.peers.map((p) => html`<td data-device="${p.device}" data-context="${r.name}" data-sync="${p.state?.sync ?? ''}" data-field="grid">${gridCell(p.device, r.name, p.state?.sync, silenced.has(`${p.device}\u0000${r.name}`))}</td>`)}</tr>`,
    )}</tbody></table>`);
  }
  return html`<div class="grid-wrap" data-grid-contexts="${shown.length}">${tables}</div>${rows.length > shown.length ? html`<p class="muted">${rows.length - shown.length} more contexts are in the list below.</p>` : ''}`;
}
