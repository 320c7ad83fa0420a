/**
 * "What to do": an alert's `fix` annotation (the CLI lines or acesync command a rule names)
 * under its summary, wherever alerts are shown. The text comes from device data through the
 * rule templates: escaped and bounded like every other device string.
 */
import type { AlertRecord } from '../../store/alerts.js';
import { html, text, type Html } from './html.js';

export const MAX_FIX_SHOWN = 800;

export function fixHint(a: Pick<AlertRecord, 'annotations'>): Html {
  const fix = a.annotations.fix;
  if (!fix) return html``;
  return html`<span class="fix" data-field="fix"><strong>Fix:</strong> <code>${text(fix, MAX_FIX_SHOWN)}</code></span>`;
}
