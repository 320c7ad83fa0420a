import { describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { runCli, startCli } from '../../helpers/cli.js';
import { openAceSession } from '../../../src/devices/ace-session.js';
import { parseFtGroups } from '../../../src/parse/cli/ft-group.js';

describe('acesync sim ace', () => {
  it('needs --config and reports file problems with their line (exit 2)', async () => {
    const none = await runCli(['sim', 'ace']);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/--config FILE is required/);
    const dir = mkdtempSync(join(os.tmpdir(), 'acesync-simcmd-'));
    try {
      const bad = join(dir, 'bad.yaml');
      writeFileSync(
        bad,
        'devices:\n  - name: a\n    users: [{ username: x, password: y }]\n    contexts:\n      - name: C1\n        ft_grup: 2\n',
      );
      const r = await runCli(['sim', 'ace', '--config', bad]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`${bad}:6:`);
      expect(r.stderr).toMatch(/unknown key 'ft_grup'/);
      const env = await runCli(['sim', 'ace', '--config', 'samples/sim/ace-pair.yaml'], {
        env: { SIM_ACE_PASSWORD: '' },
      });
      expect(env.code).toBe(2);
      expect(env.stderr).toMatch(/SIM_ACE_PASSWORD is not set/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('runs the sample pair, prints where it listens, and stops on SIGTERM', async () => {
    const r = startCli(['sim', 'ace', '--config', 'samples/sim/ace-pair.yaml', '--json'], {
      env: { SIM_ACE_PASSWORD: 'pw-test' },
    });
    try {
      const b = await r.waitForEvent((e) => e.event === 'listening' && e.device === 'ace-b', 15_000);
      const s = await openAceSession({
        host: '127.0.0.1',
        port: b.port as number,
        username: 'admin',
        password: 'pw-test',
        hostKeySha256: b.hostKeySha256 as string,
      });
      const groups = parseFtGroups(await s.run('show ft group status'));
      await s.close();
      expect(groups.map((g) => [g.group, g.myState, g.peerState])).toEqual([
        [1, 'STANDBY_HOT', 'ACTIVE'],
        [2, 'STANDBY_HOT', 'ACTIVE'],
        [3, 'STANDBY_HOT', 'ACTIVE'],
      ]);
    } finally {
      expect(await r.stop('SIGTERM')).toBe(0);
    }
  });
});
