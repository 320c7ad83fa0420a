/**
 * "Cannot log in": devices acesync cannot open an SSH session to (the firing
 * ssh-login-failed alerts, one per device), each with the user, the password variable and
 * the fix the alert names. Shown with "Needs attention" on the overview.
 */
import type { AlertRecord } from '../../store/alerts.js';
import type { DeviceView } from '../../store/queries/overview.js';
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

/**
 * The devices table's Reachability cell: reachable (with the last SSH error, if one was seen
 * since start of the history), or the SSH failure kind, since when, and the error.
 */
export function reachabilityCell(d: Pick<DeviceView, 'ssh' | 'lastGoodAuditAt'>, now: number): Html {
  const f = d.ssh.lastFailure;
  if (d.ssh.reachable === false && f)
    return html`<span class="badge state-bad" data-reach="unreachable"
        ><span aria-hidden="true">!</span> cannot log in: ${text(f.kind, 32)}</span
      >
      since ${timeCell(f.at, now)} <span class="reason">${text(f.error, 200)}</span>`;
  if (d.ssh.reachable === true)
    return html`<span class="badge state-ok" data-reach="reachable"><span aria-hidden="true">✓</span> reachable</span>${
      f ? html` <span class="muted">last SSH error: ${text(f.kind, 32)}, ${timeCell(f.at, now)}</span>` : ''
    }`;
  return html`<span class="muted" data-reach="unknown">not tried yet</span>`;
}
