/**
 * The overview: what needs attention first, then each HA pair (devices, FT groups with
 * each peer's HA State, every context on each peer), open alerts and recent events.
 */
import { SYNC_STATES } from '../../core/events.js';
import type { AlertRecord } from '../../store/alerts.js';
import type { StoredEvent } from '../../store/queries/events.js';
import { eventSummary } from '../../store/queries/events.js';
import type { Overview, PairView } from '../../store/queries/overview.js';
import { reachabilityCell } from './device-panel.js';
import { fixHint } from './fix-hint.js';
import { html, join, text, type Html } from './html.js';
import { contextCells, contextHref, page, roleBadge, SILENCING_ALERTS, stateBadge, timeCell } from './layout.js';
import { contextGrid, GRID_MIN_CONTEXTS } from './context-grid.js';

function attention(o: Overview): Html {
  if (o.attention.length === 0) return html``;
  const kindText: Record<string, string> = {
    'logging-drift': 'Logging drift',
    'audit-overdue': 'Audit overdue',
    'standby-cold': 'Standby cold',
    failed: 'failed',
    stale: 'stale',
  };
  return html`<section class="attention" aria-labelledby="attention-h">
<h2 id="attention-h">Needs attention (${o.attention.length})</h2>
<ul>${o.attention.map(
    (a) =>
      html`<li><strong>${kindText[a.kind] ?? a.kind}</strong>: ${a.context ? html`<a href="${contextHref(a.device, a.context)}">${text(a.context, 64)}</a> on ` : ''}${text(a.device, 64)} — ${text(a.text, 300)}</li>`,
  )}</ul>
</section>`;
}

export function alertsTable(alerts: AlertRecord[], now: number, caption: string): Html {
  if (alerts.length === 0) return html`<p class="muted">No open alerts.</p>`;
  return html`<div class="table-wrap"><table class="stack">
<caption>${caption}</caption>
<thead><tr><th scope="col">Severity</th><th scope="col">Alert</th><th scope="col">Target</th><th scope="col">Since</th><th scope="col">Summary</th></tr></thead>
<tbody>${alerts.map(
    (a) => html`<tr>
<td data-label="Severity"><span class="sev-${['info', 'warning', 'critical'].includes(a.severity) ? a.severity : 'info'}">${a.severity}</span></td>
<th scope="row" data-label="Alert">${text(a.alertname, 80)}${a.fireCount > 1 ? html` <span class="muted">×${a.fireCount}</span>` : ''}</th>
<td data-label="Target">${a.labels.pair ? html`<a href="/procedures/${encodeURIComponent(a.labels.pair)}">procedure of ${text(a.labels.pair, 130)}</a>` : a.device && a.context ? html`<a href="${contextHref(a.device, a.context)}">${text(a.context, 64)}</a> on ${text(a.device, 64)}` : text(a.device || '—', 64)}</td>
<td data-label="Since">${timeCell(a.startsAt, now)}</td>
<td data-label="Summary" class="reason">${text(a.annotations.summary ?? '', 400)}${fixHint(a)}</td>
</tr>`,
  )}</tbody></table></div>`;
}

export function eventsTable(events: StoredEvent[], now: number, caption: string): Html {
  if (events.length === 0) return html`<p class="muted">No events stored yet.</p>`;
  return html`<div class="table-wrap"><table class="stack">
<caption>${caption}</caption>
<thead><tr><th scope="col">Received</th><th scope="col">Kind</th><th scope="col">Device</th><th scope="col">Context</th><th scope="col">What</th></tr></thead>
<tbody>${events.map(
    (e) => html`<tr>
<td data-label="Received">${timeCell(e.receivedAt, now)}</td>
<td data-label="Kind"><code>${text(e.kind, 32)}</code>${e.msgId ? html` <span class="muted">${text(e.msgId, 16)}</span>` : ''}</td>
<td data-label="Device">${text(e.device ?? '—', 64)}</td>
<td data-label="Context">${e.device && e.context ? html`<a href="${contextHref(e.device, e.context)}">${text(e.context, 64)}</a>` : text(e.context ?? '—', 64)}</td>
<td data-label="What" class="reason">${text(eventSummary(e.event), 300)}</td>
</tr>`,
  )}</tbody></table></div>`;
}

export interface OverviewActions {
  tokenConfigured: boolean;
  tokenEnv: string;
  /** A message after a form post (built by the server, never from the request text). */
  notice?: { ok: boolean; text: string };
}

/** The pair's (or device's) one adopt button: a plain form, the token typed, no script (CSP). */
function adoptForm(names: string[], i: number, a: OverviewActions | undefined): Html {
  if (!a) return html``;
  if (!a.tokenConfigured)
    return html`<p class="muted">
      Adopting baselines is disabled: the environment variable <code>${a.tokenEnv}</code> (http.token_env) is not set.
    </p>`;
  const id = `adopt-${i}`;
  return html`<details class="adopt">
    <summary>Adopt the audited configurations as ANM's copy…</summary>
    <form class="action" method="post" action="/baseline/adopt">
      <input type="hidden" name="devices" value="${names.join(',')}" />
      <label for="${id}-reason">Reason (recorded with each decision)</label>
      <input id="${id}-reason" name="reason" type="text" maxlength="300" required placeholder="ANM verified" />
      <label for="${id}-token">API token</label>
      <input id="${id}-token" name="token" type="password" autocomplete="off" required aria-describedby="${id}-hint" />
      <p class="hint" id="${id}-hint">
        Only when ANM already holds what these devices run: every context of ${names.join(' and ')} that has been
        audited gets its audited configuration recorded as ANM's copy and becomes in-sync. Nothing is uploaded. The
        token (from <code>${a.tokenEnv}</code>) is sent once with this form; it is not kept.
      </p>
      <button type="submit">Adopt baseline of ${names.length === 2 ? 'this pair' : 'this device'}</button>
    </form>
  </details>`;
}

function pairSection(p: PairView, i: number, now: number, silenced: ReadonlySet<string>, a?: OverviewActions): Html {
  const names = p.devices.map((d) => d.name);
  const title =
    names.length === 2
      ? html`HA pair ${text(names[0], 64)} + ${text(names[1], 64)}`
      : html`Device ${text(names[0] ?? '?', 64)}`;
  const devices = html`<div class="table-wrap"><table class="stack">
<caption>Devices</caption>
<thead><tr><th scope="col">Device</th><th scope="col">Address</th><th scope="col">HA Peer</th><th scope="col">Reachability</th><th scope="col">Last successful audit</th><th scope="col">Logging</th></tr></thead>
<tbody>${p.devices.map(
    (d) => html`<tr>
<th scope="row" data-label="Device">${text(d.name, 64)}${d.configured ? '' : html` <span class="muted">(no longer configured)</span>`}</th>
<td data-label="Address">${text(d.host, 100)}</td>
<td data-label="HA Peer">${text(d.peer ?? '—', 64)}</td>
<td data-label="Reachability" data-field="reach">${reachabilityCell(d, now)}</td>
<td data-label="Last successful audit">${timeCell(d.lastGoodAuditAt, now)}${d.auditOverdue ? html` <span class="badge state-bad"><span aria-hidden="true">!</span> overdue</span>` : ''}</td>
<td data-label="Logging">${d.loggingDrift.length ? html`<span class="badge state-bad"><span aria-hidden="true">!</span> drift in ${d.loggingDrift.length} context${d.loggingDrift.length > 1 ? 's' : ''}</span>` : html`<span class="muted">no drift seen</span>`}</td>
</tr>`,
  )}</tbody></table></div>`;
  const groups = p.groups.length
    ? html`<div class="table-wrap"><table class="stack">
<caption>FT groups: HA State of each peer</caption>
<thead><tr><th scope="col">FT group</th>${names.map((n) => html`<th scope="col">${text(n, 64)}</th>`)}<th scope="col">HA Autosync</th></tr></thead>
<tbody>${p.groups.map(
        (g) =>
          html`<tr><th scope="row" data-label="FT group">${g.group}</th>${names.map((n) => html`<td data-label="${n}">${roleBadge(g.roles[n]?.role)}${g.roles[n] ? html` <span class="rel">since ${timeCell(g.roles[n]!.since, now)}</span>` : ''}</td>`)}<td data-label="HA Autosync">${text(g.autosync ?? '—', 120)}</td></tr>`,
      )}</tbody></table></div>`
    : html`<p class="muted">No FT group roles known yet (they come from syslog, traps and the poller's <code>show ft group</code>).</p>`;
  const contexts = html`<div class="table-wrap"><table class="stack contexts">
<caption>Contexts: state of ANM's copy on each peer</caption>
<thead><tr><th scope="col">Context</th><th scope="col">Device</th><th scope="col">Config state</th><th scope="col">Since</th><th scope="col">Reason</th><th scope="col">Last audit</th><th scope="col">Last upload</th></tr></thead>
${p.contexts.map((row) => {
  const rows = row.peers.map((peer, k) => {
    const cells = contextCells(peer.state, now, 160, {
      silenced: silenced.has(`${peer.device}\u0000${row.name}`),
      auditError: peer.auditError,
    });
    return html`<tr data-device="${peer.device}" data-context="${row.name}" data-sync="${peer.state?.sync ?? ''}">
${k === 0 ? html`<th scope="rowgroup" rowspan="${row.peers.length}" data-label="Context"><a href="${contextHref(peer.device, row.name)}">${text(row.name, 64)}</a>${row.ftGroup !== undefined ? html` <span class="muted">FT group ${row.ftGroup}</span>` : ''}</th>` : ''}
<td data-label="Device">${peer.state ? html`<a href="${contextHref(peer.device, row.name)}">${text(peer.device, 64)}</a>` : text(peer.device, 64)}</td>
<td data-label="Config state" data-field="sync">${cells.sync}</td>
<td data-label="Since" data-field="since">${cells.since}</td>
<td data-label="Reason" data-field="reason">${cells.reason}</td>
<td data-label="Last audit" data-field="audit">${cells.audit}</td>
<td data-label="Last upload" data-field="upload">${cells.upload}</td>
</tr>`;
  });
  return html`<tbody>${rows}</tbody>`;
})}
</table></div>`;
  // A big pair: the compact grid first, the detailed list folded under it.
  const big = p.contexts.length > GRID_MIN_CONTEXTS;
  const body = big
    ? html`<h3>${p.contexts.length} contexts: state on each device</h3>
${contextGrid(names, p.contexts, silenced, `Contexts of ${names.join(' + ')}: state on each device`)}
<details class="contexts-list"><summary>Every context in detail (reason, last audit, last upload)</summary>${contexts}</details>`
    : contexts;
  return html`<section aria-labelledby="pair-${i}-h"><h2 id="pair-${i}-h">${title}</h2>${devices}${groups}${body}${adoptForm(names, i, a)}</section>`;
}

/** Service-wide warnings (a detection that is off): above everything, announced to screen readers. */
function notices(o: Overview): Html {
  if (o.notices.length === 0) return html``;
  return html`<section class="attention notices" role="alert" aria-label="Warnings"><ul>${o.notices.map((n) => html`<li data-notice><strong>Warning</strong>: ${text(n, 400)}</li>`)}</ul></section>`;
}

/** `extra`: panels shown under 'Needs attention' (failing notifications, ...). */
export function overviewPage(o: Overview, a?: OverviewActions, extra: Html = html``): Html {
  const silenced =
    o.silenced ??
    new Set(
      o.alerts
        .filter((a) => SILENCING_ALERTS.has(a.alertname) && a.context)
        .map((a) => `${a.device}\u0000${a.context}`),
    );
  const counts = html`<ul class="counts" aria-label="Contexts per state">${SYNC_STATES.map(
    (s) => html`<li>${stateBadge(s)} <span data-count="${s}">${o.counts[s]}</span></li>`,
  )}</ul>`;
  return page({
    title: 'Overview',
    live: true,
    current: 'overview',
    body: html`<h1>ACE contexts and their copy in ANM</h1>
${a?.notice ? html`<p class="notice${a.notice.ok ? '' : ' error'}" role="status">${text(a.notice.text, 300)}</p>` : ''}
${notices(o)}
${counts}
${attention(o)}
${extra}
<section aria-labelledby="alerts-h"><h2 id="alerts-h">Open alerts (<span data-count="alerts-firing">${o.alertsFiring}</span>)</h2>${alertsTable(o.alerts, o.now, 'Alerts still firing, newest first')}</section>
${o.pairs.length ? join(o.pairs.map((p, i) => pairSection(p, i + 1, o.now, silenced, a))) : html`<p>No devices configured yet. Add them under <code>devices:</code> in acesync.yaml.</p>`}
<section aria-labelledby="events-h"><h2 id="events-h">Recent events</h2>${eventsTable(o.events, o.now, 'The latest events, newest first')}</section>`,
  });
}
