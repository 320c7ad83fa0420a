/**
 * The "Why" chain on a context's page: the chain that caused the current state is pinned on
 * top, and routine polls (audits that changed nothing) fold into one <details>, so they
 * cannot push the cause out of view.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { causeOf, isRoutine } from '../../src/web/views/context-page.js';
import { contextDetail } from '../../src/store/queries/context-detail.js';
import { change } from '../engine/helpers.js';
import { webFixture, type WebFixture } from './helpers.js';

let f: WebFixture | undefined;
afterEach(async () => {
  await f?.shutdown();
  f = undefined;
});

describe('why chain', () => {
  it('pins the cause and folds routine polls', async () => {
    f = await webFixture();
    f.feed(change('ace1', 'VC_WEB', 'rserver host web7', 'alice'));
    f.advance(6000);
    f.feed({
      kind: 'audit-result',
      transport: 'poll',
      device: 'ace1',
      context: 'VC_WEB',
      data: { outcome: 'differs', hash: '1'.repeat(64) },
    });
    // Twelve routine polls afterwards: the context stays stale.
    for (let i = 0; i < 12; i++) {
      f.advance(30_000);
      f.feed({ kind: 'ft-status', transport: 'poll', device: 'ace1', ftGroup: 2, data: { myState: 'ACTIVE' } });
      f.feed({
        kind: 'audit-result',
        transport: 'poll',
        device: 'ace1',
        context: 'VC_WEB',
        data: { outcome: 'differs', hash: '1'.repeat(64) },
      });
    }
    expect(f.sync('ace1', 'VC_WEB')).toBe('stale');
    const chains = contextDetail(f.store, 'ace1', 'VC_WEB').chains;
    const cause = causeOf(chains, 'stale', 'ace1', 'VC_WEB');
    expect(cause?.states.some((s) => s.to === 'stale' && s.from === 'suspect')).toBe(true);
    expect(isRoutine(cause!)).toBe(false);

    const body = (await f.app.inject('/contexts/ace1/VC_WEB')).body;
    const why = body.slice(body.indexOf('id="why-h"'), body.indexOf('Reasons kept with the state'));
    const pinned = why.slice(why.indexOf('Cause of the current state'), why.indexOf('</div>'));
    expect(pinned).toContain('audit-finds-stale');
    expect(pinned).toContain('data-state="stale"');
    expect(why).toMatch(/<summary>\d+ routine polls and timers \(no state change\)<\/summary>/);
    // The command that started it is still shown, open, outside the folded polls.
    const open = why.replace(/<details>[\s\S]*?<\/details>/g, '');
    expect(open).toContain('alice ran &#39;rserver host web7&#39;');
  });
});
