/**
 * One HA pair's manual procedure run: the numbered steps as an HTML list (names filled in,
 * `code` spans for commands), the operator's note and runbook link, the run's contexts
 * with their state, and one form that acknowledges the whole run (or the ticked contexts).
 * Every name is device-sourced and escaped by `html`; no script (CSP).
 */
import type { Procedure } from '../../anm/procedure.js';
import { shortHash } from '../../anm/procedure.js';
import type { ContextState } from '../../engine/types.js';
import type { ProcedureContext } from '../../store/queries/procedure.js';
import { html, join, text, type Html } from './html.js';
import { contextHref, page, roleBadge, stateBadge } from './layout.js';

export interface ProcedurePageInput {
  pairKey: string;
  procedure?: Procedure;
  contexts: Array<ProcedureContext & { state?: ContextState }>;
  notice?: { ok: boolean; text: string };
  tokenConfigured: boolean;
  tokenEnv: string;
}

export const procedureHref = (pairKey: string): string => `/procedures/${encodeURIComponent(pairKey)}`;

/** A step's text with `backtick` spans as <code>. */
function withCode(s: string): Html {
  const parts = s.split('`');
  return join(parts.map((p, i) => (i % 2 === 1 ? html`<code>${text(p, 500)}</code>` : text(p, 4000))));
}

export function procedureSteps(p: Procedure): Html {
  return html`<ol class="procedure">
    ${p.steps.map(
      (s) =>
        html`<li>
          ${withCode(s.text)}${
            s.items.length
              ? html`<ul>
                  ${s.items.map((it) => html`<li>${text(it, 400)}</li>`)}
                </ul>`
              : ''
          }
        </li>`,
    )}
  </ol>`;
}

function ackForm(inp: ProcedurePageInput, waiting: number): Html {
  if (waiting === 0) return html`<p class="muted">Nothing of this run waits for an acknowledgement.</p>`;
  if (!inp.tokenConfigured)
    return html`<p class="notice error">
      Operator actions are disabled: the environment variable <code>${inp.tokenEnv}</code> (http.token_env) is not set.
    </p>`;
  return html`<form class="action" method="post" action="${procedureHref(inp.pairKey)}/acknowledge">
    <fieldset>
      <legend>Contexts (leave all unticked to acknowledge every waiting one)</legend>
      ${inp.contexts
        .filter((c) => c.waiting)
        .map(
          (c, i) =>
            html`<p>
              <input id="ack-${i}" type="checkbox" name="ctx" value="${c.device}/${c.context}" />
              <label for="ack-${i}">${text(c.device, 64)}/${text(c.context, 64)}</label>
            </p>`,
        )}
    </fieldset>
    <label for="ack-note">Note (optional, recorded)</label>
    <input id="ack-note" name="note" type="text" maxlength="200" />
    <label for="ack-token">API token</label>
    <input id="ack-token" name="token" type="password" autocomplete="off" required aria-describedby="ack-hint" />
    <p class="hint" id="ack-hint">
      After uploading them in ANM: acesync records, for each acknowledged context, the configuration it audited as ANM's
      copy and audits it again. The token (from <code>${inp.tokenEnv}</code>) is sent once; it is not kept.
    </p>
    <button type="submit">I uploaded them in ANM</button>
  </form>`;
}

export function procedurePage(inp: ProcedurePageInput): Html {
  const p = inp.procedure;
  const waiting = inp.contexts.filter((c) => c.waiting).length;
  const body = p
    ? html`<h1>${text(p.title, 300)}</h1>
        ${inp.notice ? html`<p class="notice${inp.notice.ok ? '' : ' error'}" role="status">${text(inp.notice.text, 300)}</p>` : ''}
        <p>${text(p.intro, 500)}</p>
        ${procedureSteps(p)} ${p.note ? html`<p class="note"><strong>Note:</strong> ${text(p.note, 1000)}</p>` : ''}
        ${p.runbookUrl ? html`<p><a href="${p.runbookUrl}" rel="noopener noreferrer">Runbook</a></p>` : ''}
        <section aria-labelledby="run-h">
          <h2 id="run-h">Contexts of this run (${waiting} waiting)</h2>
          <div class="table-wrap">
            <table class="stack">
              <caption>
                Admin first, then by context
              </caption>
              <thead>
                <tr>
                  <th scope="col">Context</th>
                  <th scope="col">HA State</th>
                  <th scope="col">Config state</th>
                  <th scope="col">Device → ANM</th>
                  <th scope="col">Waiting</th>
                </tr>
              </thead>
              <tbody>
                ${inp.contexts.map(
                  (c) =>
                    html`<tr>
                      <th scope="row" data-label="Context">
                        <a href="${contextHref(c.device, c.context)}">${text(c.device, 64)}/${text(c.context, 64)}</a>
                      </th>
                      <td data-label="HA State">
                        ${roleBadge(c.role)}${c.ftGroup !== undefined ? html` <span class="muted">FT group ${c.ftGroup}</span>` : ''}
                      </td>
                      <td data-label="Config state">${stateBadge(c.state?.sync)}</td>
                      <td data-label="Device → ANM">
                        <code>${shortHash(c.hash)}</code> → <code>${c.anmHash ? shortHash(c.anmHash) : 'none'}</code>
                      </td>
                      <td data-label="Waiting">${c.waiting ? 'yes' : 'no'}</td>
                    </tr>`,
                )}
              </tbody>
            </table>
          </div>
        </section>
        <section aria-labelledby="ack-h" id="acknowledge">
          <h2 id="ack-h">Acknowledge</h2>
          ${ackForm(inp, waiting)}
        </section>`
    : html`<h1>Manual procedure: ${text(inp.pairKey, 200)}</h1>
        ${inp.notice ? html`<p class="notice${inp.notice.ok ? '' : ' error'}" role="status">${text(inp.notice.text, 300)}</p>` : ''}
        <p class="muted">No manual procedure is open for this pair.</p>`;
  return page({
    title: `Manual procedure ${inp.pairKey}`,
    current: 'procedure',
    body: html`<p><a href="/">← Overview</a></p>
      ${body}`,
  });
}
