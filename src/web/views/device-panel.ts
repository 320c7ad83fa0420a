/**
 * "Cannot log in": devices acesync cannot open an SSH session to (the firing
 * ssh-login-failed alerts, one per device), each with the user, the password variable and
 * the fix the alert names. Shown with "Needs attention" on the overview.
 */
import type { AlertRecord } from '../../store/alerts.js';
import { fixHint } from './fix-hint.js';
import { html, text, type Html } from './html.js';
import { timeCell } from './layout.js';

export const SSH_ALERT = 'ssh-login-failed';

export function loginPanel(firing: readonly AlertRecord[], now: number): Html {
  const devices = firing.filter((a) => a.alertname === SSH_ALERT && a.device && !a.context);
  if (devices.length === 0) return html``;
  return html`<section class="attention" aria-labelledby="login-h">
    <h2 id="login-h">Cannot log in (${devices.length})</h2>
    <ul>
      ${devices.map(
        (a) =>
          html`<li data-device="${a.device}">
            <strong>${text(a.device, 64)}</strong>, since ${timeCell(a.startsAt, now)}:
            <span class="reason">${text(a.annotations.summary ?? '', 800)}</span>
            ${fixHint(a)}
          </li>`,
      )}
    </ul>
  </section>`;
}
