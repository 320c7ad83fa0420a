/** `acesync explain` through the built CLI, on a database written by the engine. */
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { change, harness, runAudits, tempDir, DEFAULT_RULES } from '../engine/helpers.js';

function scenario(): string {
  const db = join(tempDir(), 'state.db');
  const h = harness({ path: db });
  h.feed({
    kind: 'ft-status',
    device: 'ace1',
    ftGroup: 2,
    data: { myState: 'ACTIVE', peerState: 'STANDBY_HOT', contexts: ['VC_WEB', 'VC_APP'] },
  });
  h.feed(change('ace2', 'VC_WEB', 'rserver host r7', 'oper1'));
  h.advance(6000);
  runAudits(h, (d) => (d === 'ace2' ? 'differs' : 'in-sync'));
  h.feed(change('ace2', 'VC_WEB', 'inservice', 'oper1'));
  h.close();
  return db;
}

describe('acesync explain', () => {
  it('prints the chain of reasons, the events and conditions behind them, and what is pending', async () => {
    const db = scenario();
    const r = await runCli(['explain', 'ace2', 'VC_WEB', '--db', db]);
    expect(r.code, r.stderr).toBe(0);
    const out = r.stdout;
    expect(out).toMatch(/^ace2\/VC_WEB: stale since /);
    expect(out).toContain('FT group 2: ace2 is STANDBY_HOT, ace1 is ACTIVE');
    expect(out).toMatch(
      /unknown -> suspect {2}\[rule config-change-marks-suspect\]\n {6}oper1 ran 'rserver host r7' in VC_WEB on ace2\n {6}event #\d+: config-change 111008 user=oper1 command='rserver host r7'/,
    );
    expect(out).toMatch(/suspect -> stale {2}\[rule audit-finds-stale\]/);
    expect(out).toContain('✓ data.outcome in [differs, no-baseline] (saw "differs")');
    // The second command arrived after the audit: a pending upload and a new settle window.
    expect(out).toMatch(/Pending:\n {2}settle window \(config-change-marks-suspect\) due .*: then audit/);
    expect(out).toMatch(/job #\d+ upload pending/);
    expect(out).toMatch(/Recent decisions:/);
  });

  it('--json gives the same facts to machines; unknown targets exit 1 with what is known', async () => {
    const db = scenario();
    const j = await runCli(['explain', 'ace1', 'VC_WEB', '--db', db, '--json']);
    expect(j.code).toBe(0);
    const x = JSON.parse(j.stdout) as {
      state: { sync: string };
      steps: Array<{ to: string; rule?: string }>;
      role: { role: string };
    };
    // Audited in sync, then the second command on the standby made it suspect again (replication).
    expect(x.state.sync).toBe('suspect');
    expect(x.steps.map((s) => s.to)).toEqual(['unknown', 'suspect', 'in-sync', 'suspect']);
    expect(x.role.role).toBe('ACTIVE');
    const missing = await runCli(['explain', 'ace1', 'VC_NOPE', '--db', db]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/ace1\/VC_NOPE is not known \(contexts of ace1: Admin, VC_APP, VC_DB, VC_WEB\)/);
    expect((await runCli(['explain', 'ace1'])).code).toBe(2);
  });

  it('uses store.path from --config, and says when there is no database yet', async () => {
    const dir = tempDir();
    const cfg = join(dir, 'acesync.yaml');
    writeFileSync(cfg, JSON.stringify({ rules: DEFAULT_RULES, store: { path: join(dir, 'none.db') } }));
    const r = await runCli(['explain', 'ace1', 'VC_WEB', '--config', cfg]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/no state database at .*none\.db/);
  });
});
