import { describe, expect, it } from 'vitest';
import { parseFtGroups, parseFtPeers } from '../../../src/parse/cli/ft-group.js';
import { formatFtConfigError, parseFtConfigErrors } from '../../../src/parse/cli/ft-config-error.js';

// Verbatim from reference 4.4 (real device output), second group completed from its lines.
const STATUS = `FT Group                     : 1
Configured Status            : in-service
Maintenance mode             : MAINT_MODE_OFF
My State                     : FSM_FT_STATE_ACTIVE
Peer State                   : FSM_FT_STATE_STANDBY_HOT
Peer Id                      : 1
No. of Contexts              : 1
Running cfg sync status      : Running configuration sync has completed
Startup cfg sync status      : Startup configuration sync has completed

FT Group                     : 2
My State                     : FSM_FT_STATE_ACTIVE
Peer State                   : FSM_FT_STATE_STANDBY_COLD
Running cfg sync status      : Peer in Cold State. Incremental Sync Failure: script file not configured
Startup cfg sync status      : Peer in Cold State. Incremental Sync Failure: script file not configured
`;

describe('show ft group', () => {
  it('parses the real status output into groups with normalised states', () => {
    const g = parseFtGroups(STATUS);
    expect(g.map((x) => [x.group, x.myState, x.peerState, x.peerId])).toEqual([
      [1, 'ACTIVE', 'STANDBY_HOT', 1],
      [2, 'ACTIVE', 'STANDBY_COLD', undefined],
    ]);
    expect(g[0]!.maintenanceMode).toBe('MAINT_MODE_OFF');
    expect(g[1]!.runningSync).toBe('Peer in Cold State. Incremental Sync Failure: script file not configured');
    expect(g[0]!.fields['No. of Contexts']).toBe('1');
  });

  it('collects context names and sync switches from detail', () => {
    const g = parseFtGroups(
      `FT Group : 3\nContext Name : VC_WEB\nContext Id : 2\nMy State : FSM_FT_STATE_STANDBY_WARM\nRunning cfg sync enabled : Disabled\n`,
    );
    expect(g[0]).toMatchObject({ group: 3, contexts: ['VC_WEB'], myState: 'STANDBY_WARM', runningSyncEnabled: false });
  });

  it('ignores text before the first group and malformed group ids', () => {
    expect(parseFtGroups('ace/Admin# sh ft group status\nFT Group : x\nMy State : FSM_FT_STATE_ACTIVE\n')).toEqual([]);
  });

  it('parses show ft peer detail', () => {
    expect(parseFtPeers('Peer Id : 1\nState : FSM_PEER_STATE_COMPATIBLE\nPeer IP : 10.0.0.2\n')).toEqual([
      { peerId: 1, state: 'COMPATIBLE', fields: { State: 'FSM_PEER_STATE_COMPATIBLE', 'Peer IP': '10.0.0.2' } },
    ]);
  });
});

describe('show ft config-error', () => {
  it('parses the reference sample', () => {
    const out =
      "Mon Aug 13 09:19:18 UTC 2012\n\n`script file 2 test.tcl`\nError: Unable to locate the script file 'test.tcl'\n";
    const e = parseFtConfigErrors(out);
    expect(e).toEqual([{ command: 'script file 2 test.tcl', error: "Unable to locate the script file 'test.tcl'" }]);
    expect(formatFtConfigError(e[0]!)).toBe("`script file 2 test.tcl`: Unable to locate the script file 'test.tcl'");
  });

  it('returns nothing for a clean standby', () => {
    expect(parseFtConfigErrors('No bulk config apply errors found\n')).toEqual([]);
  });
});
