/**
 * A context's state timeline as server-rendered SVG: one band per state period coloured by
 * state, a lane of command markers (111008) and a lane of failover markers (FT events), each
 * with a <title> tooltip; a time axis, a legend and a text list for screen readers in HTML.
 * No script, no style attribute (the CSP's `style-src 'self'` refuses them): colours are SVG
 * presentation attributes (fill=, stroke=), layout comes from classes in the stylesheet. All
 * device text goes through `text()`, bounded. Pure: the same input gives the same markup.
 */
import type { Timeline, TimelineMarker, StatePeriod } from '../../store/queries/timeline.js';
import { shortTime, stateWording } from './format.js';
import { html, join, text, type Html } from './html.js';

/** Viewbox width: x positions are per mille of the window. */
const W = 1000;
const BAND = { y: 0, h: 28 };
const LANES = { command: { y: 33, h: 12 }, failover: { y: 49, h: 12 } } as const;
const H = 62;
const MAX_TOOLTIP = 300;

/** Band colours per state, 3:1 or more against white (non-text contrast); also told by text. */
export const STATE_FILL: Record<string, string> = {
  'in-sync': '#2f8f46',
  suspect: '#c98a00',
  stale: '#c62828',
  syncing: '#1f6fb5',
  failed: '#7a0b0b',
  unknown: '#7b8590',
  removed: '#5b636b',
  unconfirmed: '#8a6fb0',
};
const MARKER_STROKE: Record<TimelineMarker['kind'], string> = { command: '#0b4f8a', failover: '#9a0b0b' };
const MARKER_WORD: Record<TimelineMarker['kind'], string> = { command: 'Command', failover: 'Failover' };

const fillOf = (state: string): string => STATE_FILL[state] ?? '#7b8590';

/** `3 h 12 min`, `45 s`. */
export function duration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  if (h < 48) return m % 60 ? `${h} h ${m % 60} min` : `${h} h`;
  return `${Math.floor(h / 24)} d`;
}

function xOf(t: number, tl: Timeline): number {
  const span = Math.max(1, tl.end - tl.start);
  return Math.min(W, Math.max(0, ((t - tl.start) / span) * W));
}

const num = (n: number): string => String(Math.round(n * 100) / 100);

function periodLine(p: StatePeriod): string {
  const why = [p.rule, p.reason].filter(Boolean).join(': ');
  return `${stateWording(p.state).label} from ${shortTime(p.start)} to ${shortTime(p.end)} (${duration(p.end - p.start)})${why ? ` — ${why}` : ''}`;
}

function markerLine(m: TimelineMarker): string {
  return `${MARKER_WORD[m.kind]} at ${shortTime(m.at)} on ${m.device}${m.msgId ? ` (${m.msgId})` : ''}: ${m.text}`;
}

function band(p: StatePeriod, tl: Timeline): Html {
  const x = xOf(p.start, tl);
  const w = Math.max(1, xOf(p.end, tl) - x);
  return html`<rect class="tl-band" data-state="${p.state}" x="${num(x)}" y="${BAND.y}" width="${num(w)}" height="${BAND.h}" fill="${fillOf(p.state)}"><title>${text(periodLine(p), MAX_TOOLTIP)}</title></rect>`;
}

function markerMark(m: TimelineMarker, tl: Timeline): Html {
  const x = xOf(m.at, tl);
  const lane = LANES[m.kind];
  // A transparent hit area around the thin line, so the tooltip is reachable with a pointer.
  return html`<g class="tl-marker" data-kind="${m.kind}"><title>${text(markerLine(m), MAX_TOOLTIP)}</title><rect x="${num(Math.max(0, x - 4))}" y="${lane.y}" width="8" height="${lane.h}" fill="transparent"></rect><line x1="${num(x)}" x2="${num(x)}" y1="${lane.y}" y2="${lane.y + lane.h}" stroke="${MARKER_STROKE[m.kind]}" stroke-width="${m.kind === 'failover' ? 3 : 2}" vector-effect="non-scaling-stroke"></line></g>`;
}

function swatch(fill: string, line = false): Html {
  return html`<svg class="tl-swatch" width="12" height="12" viewBox="0 0 12 12" aria-hidden="true" focusable="false">${line ? html`<rect x="5" y="0" width="2.5" height="12" fill="${fill}"></rect>` : html`<rect width="12" height="12" fill="${fill}"></rect>`}</svg>`;
}

export interface TimelineOptions {
  device: string;
  context: string;
}

/** The window in words: `the last 24 h`, or from the oldest change kept when there were more. */
function windowWords(tl: Timeline): string {
  return tl.transitionsCut
    ? `since ${shortTime(tl.start)} (only the newest state changes are shown)`
    : `the last ${duration(tl.end - tl.start)}`;
}

export function timelineView(tl: Timeline, o: TimelineOptions): Html {
  const commands = tl.markers.filter((m) => m.kind === 'command').length;
  const failovers = tl.markers.length - commands;
  const changes = tl.periods.filter((p) => p.rule !== undefined || p.reason !== undefined).length;
  const summary = `${tl.periods.length} state period${tl.periods.length === 1 ? '' : 's'}, ${failovers} failover${failovers === 1 ? '' : 's'} and ${commands} command${commands === 1 ? '' : 's'} over ${windowWords(tl)}`;
  if (tl.periods.length === 0 && tl.markers.length === 0)
    return html`<p class="muted">No state recorded for this context over ${windowWords(tl)}.</p>`;
  const states = [...new Set(tl.periods.map((p) => p.state))];
  const notes: string[] = [];
  if (tl.markersCut) notes.push('only the newest markers of each kind are drawn');
  if (tl.eventsPartial) notes.push('markers come from the newest stored events only (a busy window)');
  // Everything in time order for the text version.
  const items = [
    ...tl.periods.map((p) => ({ at: p.start, line: periodLine(p) })),
    ...tl.markers.map((m) => ({ at: m.at, line: markerLine(m) })),
  ].sort((a, b) => a.at - b.at);
  const svg = html`<svg class="tl" viewBox="0 0 ${W} ${H}" preserveAspectRatio="none" width="100%" height="${H}" role="img" aria-labelledby="tl-title" focusable="false"><title id="tl-title">State timeline of ${text(o.context, 64)} on ${text(o.device, 64)}: ${summary}. The list after it says the same in words.</title><g class="tl-periods">${tl.periods.map((p) => band(p, tl))}</g><line x1="0" x2="${W}" y1="${LANES.command.y + LANES.command.h / 2}" y2="${LANES.command.y + LANES.command.h / 2}" stroke="#c9d1d9" stroke-width="1" vector-effect="non-scaling-stroke"></line><line x1="0" x2="${W}" y1="${LANES.failover.y + LANES.failover.h / 2}" y2="${LANES.failover.y + LANES.failover.h / 2}" stroke="#c9d1d9" stroke-width="1" vector-effect="non-scaling-stroke"></line><g class="tl-markers">${tl.markers.map((m) => markerMark(m, tl))}</g></svg>`;
  return html`<figure class="timeline" data-periods="${tl.periods.length}" data-markers="${tl.markers.length}">
<figcaption>${summary}${changes ? '' : ' (no state change in it)'}.${notes.length ? html` <span class="muted">Note: ${notes.join('; ')}.</span>` : ''}</figcaption>
<div class="tl-frame">
<div class="tl-lanes" aria-hidden="true"><span>State</span><span>Commands</span><span>Failovers</span></div>
${svg}
<p class="tl-axis" aria-hidden="true"><time datetime="${new Date(tl.start).toISOString()}">${shortTime(tl.start)}</time><time datetime="${new Date(tl.end).toISOString()}">${shortTime(tl.end)}</time></p>
</div>
<ul class="tl-legend" aria-hidden="true">${join(
    [
      ...states.map((s) => html`<li>${swatch(fillOf(s))} ${stateWording(s).label}</li>`),
      html`<li>${swatch(MARKER_STROKE.command, true)} command (111008)</li>`,
      html`<li>${swatch(MARKER_STROKE.failover, true)} failover (FT group)</li>`,
    ],
    '',
  )}</ul>
<ol class="sr-only" aria-label="The timeline in words, oldest first">${items.map((i) => html`<li>${text(i.line, MAX_TOOLTIP)}</li>`)}</ol>
</figure>`;
}
