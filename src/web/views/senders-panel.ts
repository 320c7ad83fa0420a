/**
 * "Unknown senders": addresses whose syslog or traps were dropped because no device or
 * context lists them in `sources`, with how many messages, what to add to the
 * configuration, and an "add to sources" form per sender (device, optional context, the
 * API token typed: a plain form, no script, CSP intact) that edits acesync.yaml and
 * reloads it (src/app/sources.ts). The addresses are the packets' (untrusted, escaped); the
 * list is bounded.
 */
import { html, text, type Html } from './html.js';
import { page } from './layout.js';

export const MAX_SENDERS_SHOWN = 20;
/** Devices offered in one form's select. */
const MAX_DEVICES_OFFERED = 500;

export interface UnknownSender {
  transport: string;
  source: string;
  count: number;
}

export interface SendersForm {
  /** Configured devices (the select's options). */
  devices: readonly string[];
  tokenConfigured: boolean;
  tokenEnv: string;
}

/**
 * Unknown senders from the ingest counters, most messages first; `isKnown` drops addresses
 * listed since (the counters keep what was dropped before a source was added).
 */
export function unknownSenders(
  snapshot: ReadonlyArray<{ transport: string; source: string; outcome: string; count: number }>,
  isKnown: (address: string) => boolean = () => false,
): UnknownSender[] {
  return snapshot
    .filter((x) => x.outcome === 'dropped-unknown-source' && x.count > 0 && !isKnown(x.source))
    .map((x) => ({ transport: x.transport, source: x.source, count: x.count }))
    .sort((a, b) => b.count - a.count || a.source.localeCompare(b.source));
}

function addForm(s: UnknownSender, i: number, f: SendersForm | undefined): Html {
  if (!f || f.devices.length === 0) return html``;
  if (!f.tokenConfigured)
    return html`<span class="muted"
      >Adding sources from the page is disabled: <code>${f.tokenEnv}</code> (http.token_env) is not set.</span
    >`;
  const id = `src-${i}`;
  return html`<details class="add-source">
    <summary>Add to sources…</summary>
    <form class="action" method="post" action="/sources">
      <input type="hidden" name="address" value="${s.source}" />
      <label for="${id}-device">Device</label>
      <select id="${id}-device" name="device" required>
        ${f.devices.slice(0, MAX_DEVICES_OFFERED).map((d) => html`<option value="${d}">${text(d, 64)}</option>`)}
      </select>
      <label for="${id}-context">Context (optional: empty for the whole device)</label>
      <input id="${id}-context" name="context" type="text" maxlength="64" pattern="[A-Za-z0-9_.\\-]+" />
      <label for="${id}-token">API token</label>
      <input id="${id}-token" name="token" type="password" autocomplete="off" required />
      <p class="hint">
        acesync adds <code>${text(s.source, 64)}</code> to that device's (or context's) <code>sources:</code> in its
        configuration file, keeping the comments, and reloads it; a refused reload puts the file back as it was.
      </p>
      <button type="submit">Add ${text(s.source, 64)} to sources</button>
    </form>
  </details>`;
}

export function sendersPanel(senders: readonly UnknownSender[], form?: SendersForm): Html {
  if (senders.length === 0) return html``;
  const shown = senders.slice(0, MAX_SENDERS_SHOWN);
  return html`<section class="attention" aria-labelledby="senders-h">
    <h2 id="senders-h">Unknown senders (${senders.length})</h2>
    <p>
      Messages from these addresses were dropped: no device or context lists them. If one is an ACE, add it to that
      device's <code>sources:</code> in acesync.yaml (or the context's): with the form below, or by hand and then a
      reload (<code>systemctl reload acesync</code>).
    </p>
    <ul>
      ${shown.map(
        (s, i) =>
          html`<li data-source="${s.source}">
            <code>${text(s.source, 64)}</code> (${text(s.transport, 8)}): ${s.count} message${s.count === 1 ? '' : 's'}
            dropped — add to sources: <code>sources: [${text(s.source, 64)}]</code> ${addForm(s, i, form)}
          </li>`,
      )}
    </ul>
    ${senders.length > shown.length ? html`<p class="muted">and ${senders.length - shown.length} more.</p>` : ''}
  </section>`;
}

/** When acesync cannot edit its configuration file: the YAML to paste, and how to apply it. */
export function sourceSnippetPage(reason: string, snippet: string): Html {
  return page({
    title: 'Add the source by hand',
    body: html`<h1>Add the source by hand</h1>
<p class="notice error" role="alert">${text(reason, 400)}</p>
<p>Paste this into acesync's configuration file (merge it with the existing entry), then reload: <code>systemctl reload acesync</code>, <code>kill -HUP</code> the service, or <code>POST /api/v1/reload</code>.</p>
<pre class="snippet"><code>${text(snippet, 2000)}</code></pre>
<p><a href="/">Back to the overview</a></p>`,
  });
}
