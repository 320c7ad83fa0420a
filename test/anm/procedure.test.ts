import { describe, expect, it } from 'vitest';
import {
  buildProcedure,
  pairKeyOf,
  procedureSettings,
  procedureText,
  type ProcedureInput,
} from '../../src/anm/procedure.js';
import { anmSchema } from '../../src/config/sections/anm.js';

const H1 = 'c7a50ea4dccddd7a3ef2d6c0123456789abcdef0123456789abcdef012345678';
const H2 = '9f8e7d6c5b4a39281706f5e4d3c2b1a09f8e7d6c5b4a39281706f5e4d3c2b1a0';

function input(over: Partial<ProcedureInput> = {}): ProcedureInput {
  return {
    pair: ['ace-a', 'ace-b'],
    pairKey: 'ace-a+ace-b',
    contexts: [
      { device: 'ace-b', context: 'VC_APP', ftGroup: 3, role: 'STANDBY_HOT', hash: H1, anmHash: H2, waiting: true },
      { device: 'ace-a', context: 'VC_APP', ftGroup: 3, role: 'ACTIVE', hash: H1, anmHash: H2, waiting: true },
      { device: 'ace-a', context: 'Admin', ftGroup: 1, role: 'ACTIVE', hash: H2, waiting: true },
    ],
    newContexts: { 'ace-a': ['VC_NEW'] },
    crypto: [
      {
        device: 'ace-a',
        peer: 'ace-b',
        context: 'VC_APP',
        missingOnDevice: ['web-cert.pem'],
        missingOnPeer: [],
        different: ['web-key.pem'],
      },
    ],
    settings: {
      syncLabel: 'CLI > ANM Sync',
      anmUrl: 'https://anm.example:8443',
      note: 'Call NOC on 1234',
      runbookUrl: 'https://wiki/ace',
    },
    ...over,
  };
}

describe('manual procedure: steps', () => {
  it('numbers the four steps of the HA procedure with the names filled in, then the acknowledgement', () => {
    const p = buildProcedure(input());
    expect(p.title).toBe('Manual ANM procedure for ace-a + ace-b: 3 contexts to upload by hand');
    expect(p.steps).toHaveLength(5);
    const [audit, upload, crypto, admin, ack] = p.steps;
    expect(audit!.text).toContain('the standby (ace-b');
    // Admin first, then by context and device; hashes cut at 12 digits, whole.
    expect(audit!.items).toEqual([
      `ace-a/Admin (FT group 1, active): ${H2.slice(0, 12)} → no copy recorded`,
      `ace-a/VC_APP (FT group 3, active): ${H1.slice(0, 12)} → ${H2.slice(0, 12)}`,
      `ace-b/VC_APP (FT group 3, standby hot): ${H1.slice(0, 12)} → ${H2.slice(0, 12)}`,
    ]);
    expect(upload!.text).toContain('https://anm.example:8443');
    expect(upload!.text).toContain('"CLI > ANM Sync"');
    expect(upload!.items).toEqual(['ace-a: Admin', 'ace-a: VC_APP', 'ace-b: VC_APP']);
    expect(crypto!.items).toEqual([
      'VC_APP: web-cert.pem is missing on ace-a (present on ace-b)',
      'VC_APP: web-key.pem differs between ace-a and ace-b',
    ]);
    expect(admin!.text).toContain('After the Admin upload of ace-a');
    expect(admin!.items).toEqual(['ace-a: VC_NEW']);
    expect(ack!.text).toContain('POST /api/v1/procedures/ace-a+ace-b/acknowledge');
    expect(ack!.text).toContain('acesync procedure ack ace-a+ace-b');
    expect(p.note).toBe('Call NOC on 1234');
  });

  it('plain text: numbered, items indented, note and runbook at the end, no hash cut', () => {
    const t = procedureText(buildProcedure(input()));
    const lines = t.split('\n');
    expect(lines.filter((l) => /^\d+\. /.test(l)).map((l) => l.slice(0, 3))).toEqual([
      '1. ',
      '2. ',
      '3. ',
      '4. ',
      '5. ',
    ]);
    expect(lines).toContain('   - ace-b: VC_APP');
    expect(t).not.toContain('\\n');
    expect(t).not.toContain('…');
    expect(t.endsWith('Note: Call NOC on 1234\n\nRunbook: https://wiki/ace')).toBe(true);
  });

  it('no Admin in the run: no step 4; a first audit without baseline offers adopting; acknowledged contexts drop out', () => {
    const p = buildProcedure(
      input({
        contexts: [
          { device: 'ace-a', context: 'VC_WEB', waiting: true, noBaseline: true, hash: H1 },
          { device: 'ace-b', context: 'VC_WEB', waiting: false, hash: H1 },
        ],
        crypto: [],
      }),
    );
    expect(p.steps.map((s) => s.text.slice(0, 12))).toEqual([
      'Audit each d',
      'Upload each ',
      'Make sure th',
      'If ANM alrea',
      'Acknowledge ',
    ]);
    expect(p.steps[0]!.items).toEqual([`ace-a/VC_WEB: ${H1.slice(0, 12)} → no copy recorded`]);
    expect(p.steps[2]!.text).toContain('found no difference');
    expect(p.steps[3]!.text).toContain('acesync baseline adopt --device ace-a --device ace-b');
    expect(p.steps[4]!.text).toContain('(1 context)');
  });

  it('settings from the configuration; pair keys are sorted', () => {
    const anm = anmSchema.parse({ strategy: { type: 'manual', note: 'n', runbook_url: 'https://r.example/x' } });
    expect(procedureSettings(anm)).toEqual({
      syncLabel: 'CLI > ANM Sync',
      note: 'n',
      runbookUrl: 'https://r.example/x',
    });
    expect(pairKeyOf(['ace-b', 'ace-a'])).toBe('ace-a+ace-b');
  });
});
