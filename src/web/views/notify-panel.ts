/**
 * "Notifications failing": receivers whose latest notification did not go through, with
 * the receiver's own answer (bounded, cleaned by the notifier, escaped here) and what to do.
 */
import type { FailingReceiver } from '../../store/queries/notify-health.js';
import { html, text, type Html } from './html.js';
import { timeCell } from './layout.js';

function outcome(f: FailingReceiver): string {
  if (f.status === 'failed') return `given up after ${f.attempts} attempt${f.attempts === 1 ? '' : 's'}`;
  if (f.status === 'superseded') return 'failed, then replaced by a newer notification';
  return `retrying (attempt ${f.attempts} of ${f.maxAttempts})`;
}

export function notifyPanel(failing: readonly FailingReceiver[], now: number): Html {
  if (failing.length === 0) return html``;
  return html`<section class="attention" aria-labelledby="notify-h">
    <h2 id="notify-h">Notifications failing (${failing.length})</h2>
    <ul>
      ${failing.map(
        (f) =>
          html`<li data-webhook="${f.webhook}">
            <strong>${text(f.webhook, 64)}</strong>: ${outcome(f)}, ${timeCell(f.at, now)} —
            <span class="reason">${text(f.lastError, 400)}</span>${f.waiting > 0 ? html`; ${f.waiting} waiting` : ''}.
            Check the receiver's URL and logs, then
            <a href="/api/v1/alerts/deliveries?webhook=${encodeURIComponent(f.webhook)}">its deliveries</a>.
          </li>`,
      )}
    </ul>
  </section>`;
}
