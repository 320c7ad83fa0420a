/** Unknown senders on the overview: dropped sources with counts and the line to add; escaped. */
import { afterEach, describe, expect, it } from 'vitest';
import { webFixture, type WebFixture } from './helpers.js';

let f: WebFixture | undefined;
afterEach(async () => {
  await f?.shutdown();
  f = undefined;
});

describe('unknown senders panel', () => {
  it('lists dropped sources, most first, with what to add to sources', async () => {
    f = await webFixture();
    expect((await f.app.inject('/')).body).not.toContain('Unknown senders');
    f.counters.add('udp', '10.9.9.9', 'dropped-unknown-source', 3);
    f.counters.add('udp', '10.8.8.8', 'dropped-unknown-source', 40);
    f.counters.add('tcp', '10.0.0.1', 'accepted', 5);
    f.counters.add('udp', '<b>x</b>', 'dropped-unknown-source', 1);
    const body = (await f.app.inject('/')).body;
    expect(body).toContain('Unknown senders (3)');
    const i8 = body.indexOf('data-source="10.8.8.8"');
    const i9 = body.indexOf('data-source="10.9.9.9"');
    expect(i8).toBeGreaterThan(0);
    expect(i9).toBeGreaterThan(i8);
    expect(body).toContain('<code>10.8.8.8</code> (udp): 40 messages');
    expect(body).toContain('<code>sources: [10.9.9.9]</code>');
    expect(body).not.toContain('data-source="10.0.0.1"');
    expect(body).not.toContain('<b>x</b>');
    expect(body).toContain('&lt;b&gt;x&lt;/b&gt;');
  });
});
