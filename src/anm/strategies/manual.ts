/**
 * The `manual` strategy: no API can make ANM refresh its copy, so hand a person the
 * exact steps of the HA procedure (ANM 5.2 User Guide p13-31, anm.md section 2) and
 * park the upload as `waiting-operator`. The context stays stale until the operator
 * acknowledges through acesync's API; acesync then re-audits and records ANM's copy.
 */
import type { ManualStrategyConfig } from '../../config/sections/anm.js';
import { ADMIN_CONTEXT } from '../../inventory/inventory.js';
import type { UploadJob, UploadOptions, UploadResult, UploadStrategy } from '../strategy.js';
import { anmError } from '../anm-error.js';

export interface ManualStepsInput {
  job: UploadJob;
  syncLabel: string;
  anmUrl?: string;
  note?: string;
}

/** Bound on names echoed into the text (they come from devices and rules). */
const MAX_LIST = 50;

/** The steps as plain text, numbered, ready for an alert or a page. Pure. */
export function manualSteps({ job, syncLabel, anmUrl, note }: ManualStepsInput): string {
  const { device, context, peer } = job;
  const where = `${device}/${context}`;
  const role = job.role ? ` (${job.role.toLowerCase().replace(/_/g, ' ')} for this context)` : '';
  const gui = anmUrl ? `ANM's GUI (${anmUrl})` : "ANM's GUI";
  const lines: string[] = [];
  lines.push(`ANM's copy of ${where} is stale and must be uploaded by hand (acesync upload strategy: manual).`);
  if (job.reason) lines.push(`Why: ${job.reason}`);
  lines.push('');
  let n = 1;
  lines.push(
    `${n++}. Audit ${device}${role}: on its CLI run \`changeto ${context}\` then \`show running-config\`, ` +
      `and compare with ANM's view of ${context}; acesync found that they differ.`,
  );
  lines.push(
    `${n++}. Upload its configuration to ANM: in ${gui}, Config > Devices > ${device} > ${context}, ` +
      `use "${syncLabel}" for this context (CLI to ANM: ANM reads the running-config from the ACE and replaces its copy). ` +
      `Check that this label is the one your ANM shows: the ANM 5.2 documentation available to acesync does not confirm it.`,
  );
  if (peer) {
    lines.push(
      `${n++}. Check that certificates and keys are identical on both peers: in context ${context}, ` +
        `\`show crypto files\` on ${device} and on ${peer} must list the same certificate and key files; ` +
        `also run \`show ft config-error\` and \`show ft group status\` (STANDBY_COLD means the standby is missing a file the active uses).`,
    );
  } else {
    lines.push(
      `${n++}. Check \`show crypto files\` and \`show ft config-error\` in context ${context} for missing certificates or keys.`,
    );
  }
  if (context === ADMIN_CONTEXT) {
    const fresh = (job.newContexts ?? []).slice(0, MAX_LIST);
    const list =
      fresh.length > 0 ? `: ${fresh.join(', ')}${(job.newContexts?.length ?? 0) > MAX_LIST ? ', …' : ''}` : '';
    lines.push(
      `${n++}. After the Admin upload, ANM imports user contexts that are new on ${device}. ` +
        `Upload every newly imported user context the same way ("${syncLabel}")${list}.`,
    );
  }
  lines.push(
    `${n++}. Acknowledge this upload in acesync (API) so it re-audits ${where} and records the configuration as ANM's copy.`,
  );
  if (note) lines.push('', note);
  return lines.join('\n');
}

export interface ManualStrategyOptions {
  config: ManualStrategyConfig;
  anmUrl?: string;
}

export class ManualUploadStrategy implements UploadStrategy {
  readonly name = 'manual' as const;
  readonly #o: ManualStrategyOptions;

  constructor(opts: ManualStrategyOptions) {
    this.#o = opts;
  }

  async upload(job: UploadJob, opts: UploadOptions): Promise<UploadResult> {
    if (opts.signal.aborted)
      throw anmError('ACESYNC_UPLOAD', 'aborted', `manual upload of ${job.device}/${job.context}: aborted`);
    const steps = manualSteps({
      job,
      syncLabel: this.#o.config.sync_label,
      ...(this.#o.anmUrl !== undefined ? { anmUrl: this.#o.anmUrl } : {}),
      ...(this.#o.config.note !== undefined ? { note: this.#o.config.note } : {}),
    });
    return {
      outcome: 'waiting-operator',
      strategy: 'manual',
      durationMs: 0,
      steps,
      detail: `waiting for an operator to upload ${job.device}/${job.context} in ANM and acknowledge`,
      ...(job.jobId !== undefined ? { jobId: job.jobId } : {}),
    };
  }

  async close(): Promise<void> {}
}
