import { describe, it, expect } from 'vitest';
import { createUploadStrategy } from '../../src/anm/strategy.js';
import { manualSteps } from '../../src/anm/strategies/manual.js';
import { anmSchema } from '../../src/config/sections/anm.js';

describe('manual upload strategy', () => {
  it('parks the upload as waiting-operator with the HA procedure steps for that context', async () => {
    const s = createUploadStrategy(
      anmSchema.parse({
        enabled: true,
        url: 'https://anm.example:8443',
        strategy: { type: 'manual', note: 'Runbook: https://wiki/ace' },
      }),
    );
    expect(s.name).toBe('manual');
    const r = await s.upload(
      {
        device: 'ace-b',
        context: 'VC_WEB',
        address: '10.1.1.2',
        peer: 'ace-a',
        role: 'STANDBY_HOT',
        jobId: 3,
        reason: 'config change on the standby',
      },
      { signal: new AbortController().signal },
    );
    expect(r).toMatchObject({ outcome: 'waiting-operator', strategy: 'manual', jobId: 3 });
    const t = r.steps!;
    expect(t).toContain('1. Audit ace-b (standby hot for this context)');
    expect(t).toContain('changeto VC_WEB');
    expect(t).toContain('"CLI > ANM Sync"');
    expect(t).toContain('Check that this label is the one your ANM shows');
    expect(t).toContain("ANM's GUI (https://anm.example:8443)");
    expect(t).toMatch(
      /3\. Check that certificates and keys are identical on both peers.*show crypto files.*ace-b and on ace-a/,
    );
    expect(t).toContain('show ft config-error');
    expect(t).toContain('Why: config change on the standby');
    expect(t).toContain('Runbook: https://wiki/ace');
    expect(t).toMatch(/4\. Acknowledge this upload in acesync/);
    expect(t).not.toContain('newly imported user context');
  });

  it('for Admin, adds the step to upload every newly imported user context', () => {
    const t = manualSteps({
      job: { device: 'ace-a', context: 'Admin', address: '10.1.1.1', newContexts: ['VC_NEW', 'VC_NEW2'] },
      syncLabel: 'Sync CLI to ANM',
    });
    expect(t).toMatch(
      /4\. After the Admin upload, ANM imports user contexts that are new on ace-a\. Upload every newly imported user context the same way \("Sync CLI to ANM"\): VC_NEW, VC_NEW2\./,
    );
    expect(t).toContain('use "Sync CLI to ANM" for this context');
    expect(t).toContain("in ANM's GUI, Config > Devices");
    // No peer known: the crypto step still asks for the checks on this device.
    expect(t).toMatch(/3\. Check `show crypto files`/);
  });

  it('bounds the list of new contexts', () => {
    const many = Array.from({ length: 80 }, (_, i) => `C${i}`);
    const t = manualSteps({ job: { device: 'd', context: 'Admin', address: 'a', newContexts: many }, syncLabel: 'x' });
    expect(t).toContain('C49, …');
    expect(t).not.toContain('C50');
  });
});
