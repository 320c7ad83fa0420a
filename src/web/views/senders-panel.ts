/**
 * "Unknown senders": addresses whose syslog or traps were dropped because no device or
 * context lists them in `sources`, with how many messages, and what to add to the
 * configuration. The addresses are the packets' (untrusted, escaped); the list is bounded.
 */
import { html, text, type Html } from './html.js';

export const MAX_SENDERS_SHOWN = 20;

export interface UnknownSender {
  transport: string;
  source: string;
  count: number;
}

/** Unknown senders from the ingest counters, most messages first. */
export function unknownSenders(
  snapshot: ReadonlyArray<{ transport: string; source: string; outcome: string; count: number }>,
): UnknownSender[] {
  return snapshot
    .filter((x) => x.outcome === 'dropped-unknown-source' && x.count > 0)
    .map((x) => ({ transport: x.transport, source: x.source, count: x.count }))
    .sort((a, b) => b.count - a.count || a.source.localeCompare(b.source));
}

export function sendersPanel(senders: readonly UnknownSender[]): Html {
  if (senders.length === 0) return html``;
  const shown = senders.slice(0, MAX_SENDERS_SHOWN);
  return html`<section class="attention" aria-labelledby="senders-h">
    <h2 id="senders-h">Unknown senders (${senders.length})</h2>
    <p>
      Messages from these addresses were dropped: no device or context lists them. If one is an ACE, add it to that
      device's <code>sources:</code> in acesync.yaml (or the context's), then restart acesync.
    </p>
    <ul>
      ${shown.map(
        (s) =>
          html`<li data-source="${s.source}">
            <code>${text(s.source, 64)}</code> (${text(s.transport, 8)}): ${s.count} message${s.count === 1 ? '' : 's'}
            dropped — add to sources: <code>sources: [${text(s.source, 64)}]</code>
          </li>`,
      )}
    </ul>
    ${senders.length > shown.length ? html`<p class="muted">and ${senders.length - shown.length} more.</p>` : ''}
  </section>`;
}
