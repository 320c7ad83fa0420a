/**
 * One context on one device: its state and why (the explanation chain), its configuration
 * history with a diff, its jobs, and the operator's buttons (token-protected forms).
 */
import type { Job } from '../../store/job-queue.js';
import type { ConfigVersion } from '../../store/config-versions.js';
import type { VersionCause } from '../../store/queries/version-history.js';
import type { AlertRecord } from '../../store/alerts.js';
import type { Chain, ContextDetail } from '../../store/queries/context-detail.js';
import { html, join, text, type Html } from './html.js';
import { contextCells, contextHref, page, roleBadge, SILENCING_ALERTS, stateBadge, timeCell } from './layout.js';
import { alertsTable, eventsTable } from './overview-page.js';
import { stateWording } from './format.js';
import type { Timeline } from '../../store/queries/timeline.js';
import { timelineView } from './timeline.js';

export interface ContextPageInput {
  device: string;
  context: string;
  detail: ContextDetail;
  alerts: AlertRecord[];
  now: number;
  /** A message after a form post (built by the server from job ids, never from the request text). */
  notice?: { ok: boolean; text: string };
  /** Whether mutations are possible at all (token configured). */
  tokenConfigured: boolean;
  tokenEnv: string;
  /** The pair's manual procedure page, when this context waits in one. */
  procedureHref?: string;
  /** Per version hash: the changes (111008) that made it, when known. */
  causes?: ReadonlyMap<string, VersionCause>;
  /** The state timeline (state periods, failover and command markers), when built. */
  timeline?: Timeline;
  /** Logging of this context is silenced (a silencing alert fires); else told by `alerts`. */
  silenced?: boolean;
}

function chainItem(c: Chain, device: string, context: string, now: number): Html {
  const cause = c.event
    ? html`<span class="step-kind">Event</span> <code>${text(c.event.kind, 32)}</code> ${c.event.device && (c.event.device !== device || c.event.context !== context) ? html`on ${text(c.event.context ?? '—', 64)}/${text(c.event.device, 64)} ` : ''}— ${text(c.event.summary, 300)}${c.event.transport ? html` <span class="muted">(${text(c.event.transport, 16)})</span>` : ''}`
    : html`<span class="step-kind">Timer</span> — a settle window or expectation deadline fired`;
  const steps: Html[] = [html`<li>${cause}</li>`];
  for (const r of c.rules)
    steps.push(
      html`<li><span class="step-kind">Rule</span> <code>${text(r.rule, 80)}</code> ${r.status === 'throttled' ? html`<span class="badge state-muted">throttled</span> ${text(r.note ?? '', 200)}` : 'fired'}${r.conditions ? html` <span class="muted">— ${text(r.conditions, 300)}</span>` : ''}</li>`,
    );
  for (const s of c.states)
    steps.push(
      html`<li><span class="step-kind">Decision</span> ${s.device !== device || s.context !== context ? html`${text(s.context ?? '', 64)} on ${text(s.device ?? '', 64)}: ` : ''}${stateBadge(s.from ?? undefined)} → ${stateBadge(s.to)}${s.rule ? html` by <code>${text(s.rule, 80)}</code>` : ''}${s.reason ? html` — ${text(s.reason, 300)}` : ''}</li>`,
    );
  for (const a of c.actions) {
    const result = a.job
      ? html` → <span class="step-kind">Result</span> job ${a.job.id} <strong>${a.job.state}</strong>${a.job.attempts > 1 ? ` after ${a.job.attempts} attempts` : ''}${a.job.lastError ? html`: ${text(a.job.lastError, 200)}` : ''}${a.job.result ? html` <code>${text(a.job.result, 200)}</code>` : ''}`
      : a.due !== undefined
        ? html` <span class="muted">due ${timeCell(a.due, now)}</span>`
        : '';
    steps.push(
      html`<li><span class="step-kind">Action</span> <code>${text(a.action, 40)}</code>${a.jobId !== undefined ? html` job ${a.jobId}${a.merged ? ' (merged into a pending job)' : ''}` : ''}${a.rule ? html` by <code>${text(a.rule, 80)}</code>` : ''}${result}</li>`,
    );
  }
  for (const n of c.notes) steps.push(html`<li><span class="step-kind">Note</span> ${text(n, 300)}</li>`);
  return html`<li class="chain"><h3>${timeCell(c.event?.receivedAt ?? c.at, now)}</h3><ol>${steps}</ol></li>`;
}

/** Who changed it and the commands, from the 111008 events between the audit before and this one. */
function changedBy(cause: VersionCause | undefined): Html {
  if (!cause) return html`<span class="muted">—</span>`;
  if (!Number.isFinite(cause.after)) return html`<span class="muted">first version known</span>`;
  if (cause.changes.length === 0) return html`<span class="muted">no command logged (syslog lost or silenced?)</span>`;
  const shown = cause.changes.slice(0, 5);
  const more = cause.changes.length - shown.length + (cause.truncated ? 1 : 0);
  return html`${text(cause.users.join(', ') || 'unknown user', 200)}
    <ul class="commands">
      ${shown.map((c) => html`<li><code>${text(c.command ?? '', 200)}</code></li>`)}
    </ul>
    ${more > 0 ? html`<span class="muted">and ${cause.truncated ? 'more than ' : ''}${more} more</span>` : ''}`;
}

function versionLinks(device: string, context: string, v: ConfigVersion): Html {
  if (v.text === undefined) return html`<span class="muted">hash only</span>`;
  const href = `/api/v1/contexts/${encodeURIComponent(device)}/${encodeURIComponent(context)}/versions/${v.hash}`;
  return html`<a href="${href}">view</a> · <a href="${href}?download=1" download>download</a>`;
}

const ROUTINE_KINDS = new Set(['audit-result', 'ft-status', 'logging-drift', 'crypto-parity']);

/** A chain that changed no state: a routine poll or a timer. Collapsed, so the cause stays in view. */
export function isRoutine(ch: Chain): boolean {
  if (ch.states.length > 0) return false;
  return !ch.event || ch.event.transport === 'poll' || ROUTINE_KINDS.has(ch.event.kind);
}

/** The chain that put the context in its current state (the newest decision to it), if shown. */
export function causeOf(chains: readonly Chain[], sync: string, device: string, context: string): Chain | undefined {
  return chains.find((ch) => ch.states.some((st) => st.device === device && st.context === context && st.to === sync));
}

function whyChains(chains: readonly Chain[], sync: string, device: string, context: string, now: number): Html {
  if (chains.length === 0) return html`<p class="muted">No decisions recorded for this context yet.</p>`;
  const cause = causeOf(chains, sync, device, context);
  const pinned = cause
    ? html`<div class="cause">
        <h3>Cause of the current state</h3>
        <ol class="chains">
          ${chainItem(cause, device, context, now)}
        </ol>
      </div>`
    : '';
  // Runs of routine chains fold into one <details> each; the others stay open, newest first.
  const parts: Html[] = [];
  let run: Chain[] = [];
  const flush = (): void => {
    if (run.length === 0) return;
    const items = run.map((ch) => chainItem(ch, device, context, now));
    parts.push(
      html`<li class="routine">
        <details>
          <summary>${run.length} routine poll${run.length === 1 ? '' : 's'} and timers (no state change)</summary>
          <ol class="chains">
            ${items}
          </ol>
        </details>
      </li>`,
    );
    run = [];
  };
  for (const ch of chains) {
    if (ch === cause) continue;
    if (isRoutine(ch)) run.push(ch);
    else {
      flush();
      parts.push(chainItem(ch, device, context, now));
    }
  }
  flush();
  return html`${pinned}
    <ol class="chains">
      ${parts}
    </ol>`;
}

function diffClass(l: string): string {
  if (l.startsWith('+') && !l.startsWith('+++')) return 'add';
  if (l.startsWith('-') && !l.startsWith('---')) return 'del';
  return l.startsWith('@@') ? 'hunk' : 'ctx';
}

const diffLine = (l: string): Html => html`<span class="${diffClass(l)}">${text(l, 2000)}</span>`;

function versionsSection(inp: ContextPageInput): Html {
  const { detail, device, context, now } = inp;
  if (detail.versions.length === 0)
    return html`<p class="muted">No configuration recorded yet: audits store each distinct running-config.</p>`;
  const label = (v: ConfigVersion): string =>
    `${v.hash.slice(0, 12)}${v.isAnm ? " (ANM's copy)" : ''} — last seen ${new Date(v.lastSeen).toISOString().slice(0, 19)}Z`;
  const table = html`<div class="table-wrap"><table class="stack">
<caption>Distinct configurations seen, newest first</caption>
<thead><tr><th scope="col">Version</th><th scope="col">First seen</th><th scope="col">Last seen</th><th scope="col">Times seen</th><th scope="col">ANM's copy</th><th scope="col">Changed by</th><th scope="col">Text</th></tr></thead>
<tbody>${detail.versions.map(
    (v) =>
      html`<tr><th scope="row" data-label="Version"><code>${v.hash.slice(0, 12)}</code></th><td data-label="First seen">${timeCell(v.firstSeen, now)}</td><td data-label="Last seen">${timeCell(v.lastSeen, now)}</td><td data-label="Times seen">${v.seenCount}</td><td data-label="ANM's copy">${v.isAnm ? html`<span class="badge state-ok"><span aria-hidden="true">✓</span> yes</span>` : 'no'}</td><td data-label="Changed by">${changedBy(inp.causes?.get(v.hash))}</td><td data-label="Text">${versionLinks(device, context, v)}</td></tr>`,
  )}</tbody></table></div>`;
  const select = (name: string, selected?: ConfigVersion) =>
    html`<select id="diff-${name}" name="${name}">${detail.versions.map((v) => html`<option value="${v.hash}"${v === selected ? html` selected` : ''}>${label(v)}</option>`)}</select>`;
  const form =
    detail.versions.length > 1
      ? html`<form class="action" method="get" action="${contextHref(device, context)}#diff">
<p><label for="diff-from">From</label>${select('from', detail.diff?.from)}</p>
<p><label for="diff-to">To</label>${select('to', detail.diff?.to)}</p>
<button type="submit">Show the diff</button></form>`
      : '';
  let diff: Html = html``;
  if (detail.diff) {
    // No trailing empty line, no whitespace between the spans: one diff line per text line.
    const lines = (detail.diff.text ?? '').replace(/\n$/, '').split('\n').slice(0, 5000);
    const body =
      detail.diff.text === undefined
        ? html`<p class="muted">The text of one of these versions is not stored (only its hash is known).</p>`
        : html`<pre class="diff" aria-label="Unified diff">${join(lines.map(diffLine), '\n')}</pre>`;
    diff = html`<h3 id="diff">Diff: <code>${detail.diff.from.hash.slice(0, 12)}</code> → <code>${detail.diff.to.hash.slice(0, 12)}</code></h3>${body}`;
  }
  return html`${table}${form}${diff}`;
}

function jobsTable(jobs: Job[], now: number): Html {
  if (jobs.length === 0) return html`<p class="muted">No jobs for this context.</p>`;
  return html`<div class="table-wrap"><table class="stack">
<caption>Audit, upload and other jobs, newest first</caption>
<thead><tr><th scope="col">Job</th><th scope="col">Type</th><th scope="col">State</th><th scope="col">Attempts</th><th scope="col">Created</th><th scope="col">Finished</th><th scope="col">Last error / result</th></tr></thead>
<tbody>${jobs.map(
    (j) =>
      html`<tr><th scope="row" data-label="Job">${j.id}</th><td data-label="Type">${j.type}</td><td data-label="State">${j.state}${j.requests > 1 ? html` <span class="muted">(${j.requests} requests)</span>` : ''}</td><td data-label="Attempts">${j.attempts}/${j.maxAttempts}</td><td data-label="Created">${timeCell(j.createdAt, now)}</td><td data-label="Finished">${j.finishedAt !== undefined ? timeCell(j.finishedAt, now) : j.state === 'pending' ? html`due ${timeCell(j.nextRunAt, now)}` : '—'}</td><td data-label="Last error / result" class="reason">${text(j.lastError ?? (j.result !== undefined ? JSON.stringify(j.result) : ''), 300)}</td></tr>`,
  )}</tbody></table></div>`;
}

function actionForm(path: string, id: string, button: string, hint: Html, inp: ContextPageInput): Html {
  if (!inp.tokenConfigured)
    return html`<p class="notice error">Operator actions are disabled: the environment variable <code>${inp.tokenEnv}</code> (http.token_env) holding the API token is not set.</p>`;
  return html`<form class="action" method="post" action="${path}">
<label for="${id}-token">API token</label>
<input id="${id}-token" name="token" type="password" autocomplete="off" required aria-describedby="${id}-hint">
<p class="hint" id="${id}-hint">${hint}</p>
<button type="submit">${button}</button>
</form>`;
}

export function contextPage(inp: ContextPageInput): Html {
  const { device, context, detail, now } = inp;
  const c = detail.state!;
  const silenced = inp.silenced ?? inp.alerts.some((a) => a.status === 'firing' && SILENCING_ALERTS.has(a.alertname));
  const cells = contextCells(c, now, 400, { silenced });
  const href = contextHref(device, context);
  // An adopted (or otherwise confirmed) context no longer waits, whatever its last upload said.
  const waiting = c.lastUploadOutcome === 'waiting-operator' && c.sync !== 'in-sync' && c.sync !== 'removed';
  const peer = detail.peer;
  const facts = html`<div data-device="${device}" data-context="${context}" data-sync="${c.sync}"><dl class="facts">
<dt>Config state</dt><dd data-field="sync">${cells.sync} <span class="muted">${stateWording(c.sync).help}</span></dd>
<dt>Since</dt><dd data-field="since">${cells.since}</dd>
<dt>Reason</dt><dd data-field="reason">${cells.reason}</dd>
<dt>HA State</dt><dd>${c.ftGroup !== undefined ? html`${roleBadge(detail.role)} <span class="muted">FT group ${c.ftGroup}</span>` : html`<span class="muted">FT group not known</span>`}</dd>
<dt>HA Peer</dt><dd>${peer ? html`<a href="${contextHref(peer.device, context)}">${text(peer.device, 64)}</a> ${stateBadge(peer.state?.sync)}` : html`<span class="muted">none configured</span>`}</dd>
<dt>Last audit</dt><dd data-field="audit">${cells.audit}</dd>
<dt>Last upload</dt><dd data-field="upload">${cells.upload}</dd>
<dt>ANM's copy</dt><dd>${c.anmHash ? html`<code>${text(c.anmHash.slice(0, 12), 12)}</code>` : html`<span class="muted">not recorded yet</span>`}${c.lastAuditHash ? html` · device at last audit <code>${text(c.lastAuditHash.slice(0, 12), 12)}</code>` : ''}</dd>
</dl></div>`;
  const tokenHint = html`The token (from <code>${inp.tokenEnv}</code>) is sent once with this form over this connection; it is not kept in the page, a cookie or a log.`;
  return page({
    title: `${context} on ${device}`,
    live: true,
    current: 'context',
    body: html`<p><a href="/">← Overview</a></p>
<h1>${text(context, 64)} <span class="muted">on</span> ${text(device, 64)}</h1>
${inp.notice ? html`<p class="notice${inp.notice.ok ? '' : ' error'}" role="status">${text(inp.notice.text, 300)}</p>` : ''}
${facts}
${inp.timeline ? html`<section aria-labelledby="timeline-h" id="timeline"><h2 id="timeline-h">State timeline</h2>${timelineView(inp.timeline, { device, context })}</section>` : ''}
<section aria-labelledby="actions-h" id="actions"><h2 id="actions-h">Operator actions</h2>
${actionForm(`${href}/resync`, 'resync', 'Resync now', html`Queues an audit of this context and an upload of its configuration to ANM, ahead of scheduled work. ${tokenHint}`, inp)}
${waiting && inp.procedureHref ? html`<p>This upload is part of <a href="${inp.procedureHref}">the manual procedure of its pair</a> (numbered steps; acknowledge every context at once there).</p>` : ''}
${waiting ? actionForm(`${href}/acknowledge`, 'ack', 'I uploaded it in ANM', html`The upload strategy is manual: after using ANM's sync for this context, acknowledge here; acesync records ANM's copy and re-audits. ${tokenHint}`, inp) : ''}
</section>
<section aria-labelledby="why-h"><h2 id="why-h">Why: event → rule → decision → action → result</h2>
${whyChains(detail.chains, c.sync, device, context, now)}
<h3>Reasons kept with the state</h3>
<div class="table-wrap"><table class="stack"><caption>Newest last</caption>
<thead><tr><th scope="col">When</th><th scope="col">From</th><th scope="col">To</th><th scope="col">Rule</th><th scope="col">Reason</th></tr></thead>
<tbody>${c.reasons.map((r) => html`<tr><td data-label="When">${timeCell(r.at, now)}</td><td data-label="From">${stateBadge(r.from ?? undefined)}</td><td data-label="To">${stateBadge(r.to)}</td><td data-label="Rule"><code>${text(r.rule ?? '—', 80)}</code></td><td data-label="Reason" class="reason">${text(r.text, 400)}</td></tr>`)}</tbody>
</table></div>
</section>
<section aria-labelledby="alerts-h"><h2 id="alerts-h">Alerts</h2>${alertsTable(inp.alerts, now, 'Alerts about this context')}</section>
<section aria-labelledby="history-h"><h2 id="history-h">Configuration history</h2>${versionsSection(inp)}</section>
<section aria-labelledby="jobs-h"><h2 id="jobs-h">Jobs</h2>${jobsTable(detail.jobs, now)}</section>
<section aria-labelledby="events-h"><h2 id="events-h">Recent events</h2>${eventsTable(detail.events, now, 'Events about this context, newest first')}</section>`,
  });
}
