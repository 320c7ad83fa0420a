/**
 * The pure pieces of the state timeline and the context x device grid: the SVG has one band
 * per period and one mark per marker, hostile device text stays text (in tooltips, the text
 * list and the grid), every size is bounded, and no style attribute is emitted (the CSP's
 * style-src 'self' would refuse it).
 */
import { describe, expect, it } from 'vitest';
import type { ContextState } from '../../src/core/state.js';
import type { ContextRow } from '../../src/store/queries/overview.js';
import { periodsFrom, type Timeline } from '../../src/store/queries/timeline.js';
import { contextGrid, GRID_ROWS_PER_TABLE } from '../../src/web/views/context-grid.js';
import { duration, STATE_FILL, timelineView } from '../../src/web/views/timeline.js';

const H = 3_600_000;
const END = Date.UTC(2026, 2, 2, 10, 0, 0);
const START = END - 24 * H;
const HOSTILE = '<script>alert(1)</script>"><img src=x onerror=alert(2)>';

function timeline(over: Partial<Timeline> = {}): Timeline {
  return {
    start: START,
    end: END,
    periods: [
      { start: START, end: START + 2 * H, state: 'in-sync' },
      {
        start: START + 2 * H,
        end: START + 3 * H,
        state: 'suspect',
        rule: 'config-change-marks-suspect',
        reason: HOSTILE,
      },
      { start: START + 3 * H, end: START + 5 * H, state: 'stale', rule: 'audit-differs' },
      { start: START + 5 * H, end: END, state: 'in-sync', rule: 'audit-equal' },
    ],
    markers: [
      { at: START + 2 * H, kind: 'command', device: 'ace1', text: `admin: ${HOSTILE}`, msgId: '111008' },
      { at: START + 4 * H, kind: 'failover', device: 'ace2', text: 'FT group 2: STANDBY_HOT -> ACTIVE (peer down)' },
      { at: START + 6 * H, kind: 'command', device: 'ace1', text: 'admin: rserver host web1' },
    ],
    transitionsCut: false,
    markersCut: false,
    eventsPartial: false,
    ...over,
  };
}

const count = (s: string, re: RegExp): number => (s.match(re) ?? []).length;

describe('timeline view', () => {
  it('draws one band per period, coloured by state, and one mark per marker', () => {
    const out = timelineView(timeline(), { device: 'ace1', context: 'VC_WEB' }).value;
    expect(count(out, /<rect class="tl-band"/g)).toBe(4);
    expect(count(out, /<g class="tl-marker" data-kind="command"/g)).toBe(2);
    expect(count(out, /<g class="tl-marker" data-kind="failover"/g)).toBe(1);
    expect(out).toContain(`data-state="stale" x="125" y="0" width="83.33" height="28" fill="${STATE_FILL.stale}"`);
    // Bands tile the window: the first starts at 0, the last ends at 1000.
    expect(out).toMatch(/data-state="in-sync" x="0" y="0" width="83.33"/);
    expect(out).toMatch(/data-state="in-sync" x="208.33" y="0" width="791.67"/);
    // A failover marker at 4 h of 24 h.
    expect(out).toMatch(
      /data-kind="failover"><title>Failover at 2026-03-01 14:00:00Z on ace2: FT group 2: STANDBY_HOT -&gt; ACTIVE \(peer down\)<\/title>/,
    );
    // The text version: every period and marker, oldest first.
    const list = out.slice(out.indexOf('<ol class="sr-only"'));
    expect(count(list, /<li>/g)).toBe(7);
    expect(list.indexOf('in-sync from 2026-03-01 10:00:00Z')).toBeLessThan(
      list.indexOf('Command at 2026-03-01 12:00:00Z'),
    );
    expect(out).toContain('stale from 2026-03-01 13:00:00Z to 2026-03-01 15:00:00Z (2 h) — audit-differs');
  });

  it('keeps hostile device text as text and emits no style attribute, script or external reference', () => {
    const out = timelineView(timeline(), { device: 'ace1"><x', context: HOSTILE }).value;
    expect(out).not.toContain('<script');
    expect(out).not.toContain('<img');
    expect(out).not.toContain('ace1"><x');
    expect(out).toContain('on ace1&quot;&gt;&lt;x:');
    expect(out).toContain('&lt;script&gt;alert(1)&lt;/script&gt;&quot;&gt;&lt;img src=x onerror=alert(2)&gt;');
    // Every tag and attribute is one the view writes: none from the device text, no style, no handler.
    const tags = new Set<string>();
    const attrs = new Set<string>();
    for (const m of out.matchAll(/<([a-z]+)((?:\s+[a-zA-Z0-9-]+="[^"]*")*)\s*\/?>/g)) {
      tags.add(m[1]!);
      for (const a of m[2]!.matchAll(/([a-zA-Z0-9-]+)="/g)) attrs.add(a[1]!);
    }
    expect(out.split('<').length - 1 - (out.match(/<\//g) ?? []).length).toBe(
      [...out.matchAll(/<([a-z]+)((?:\s+[a-zA-Z0-9-]+="[^"]*")*)\s*\/?>/g)].length,
    );
    expect([...tags].sort()).toEqual(
      [
        'div',
        'figcaption',
        'figure',
        'g',
        'li',
        'line',
        'ol',
        'p',
        'rect',
        'span',
        'svg',
        'time',
        'title',
        'ul',
      ].sort(),
    );
    expect(attrs.has('style')).toBe(false);
    expect([...attrs].filter((a) => a.startsWith('on') || a === 'href' || a.includes('xlink'))).toEqual([]);
  });

  it('bounds tooltips and the markup whatever the device sends', () => {
    const long = 'x'.repeat(100_000);
    const out = timelineView(
      timeline({
        markers: Array.from({ length: 60 }, (_, i) => ({
          at: START + i * 60_000,
          kind: 'command' as const,
          device: long,
          text: long,
        })),
        periods: [{ start: START, end: END, state: 'suspect', reason: long, rule: long }],
      }),
      { device: long, context: long },
    ).value;
    for (const t of out.matchAll(/<title[^>]*>([^<]*)<\/title>/g)) expect(t[1]!.length).toBeLessThanOrEqual(400);
    expect(out.length).toBeLessThan(60 * 2 * 700 + 10_000);
  });

  it('says so when there is nothing to draw, and when the window was cut', () => {
    expect(timelineView(timeline({ periods: [], markers: [] }), { device: 'a', context: 'b' }).value).toContain(
      'No state recorded for this context over the last 24 h',
    );
    const cut = timelineView(timeline({ transitionsCut: true, markersCut: true, eventsPartial: true }), {
      device: 'a',
      context: 'b',
    }).value;
    expect(cut).toContain('since 2026-03-01 10:00:00Z (only the newest state changes are shown)');
    expect(cut).toContain('only the newest markers of each kind are drawn');
    expect(cut).toContain('markers come from the newest stored events only');
  });

  it('formats durations', () => {
    expect([
      duration(45_000),
      duration(5 * 60_000),
      duration(3 * H + 12 * 60_000),
      duration(2 * H),
      duration(72 * H),
    ]).toEqual(['45 s', '5 min', '3 h 12 min', '2 h', '3 d']);
  });
});

describe('periods from state changes', () => {
  const cur = { sync: 'in-sync', since: START - H };
  it('is one period of the current state when nothing changed in the window', () => {
    expect(periodsFrom([], START, END, cur)).toEqual([{ start: START, end: END, state: 'in-sync' }]);
    // A context first known inside the window: nothing before it.
    expect(periodsFrom([], START, END, { sync: 'unknown', since: START + H })).toEqual([
      { start: START + H, end: END, state: 'unknown' },
    ]);
  });
  it('starts with the state before the first change and tiles the window', () => {
    const p = periodsFrom(
      [
        { at: START + H, from: 'in-sync', to: 'suspect', rule: 'r1', reason: 'why' },
        { at: START + 2 * H, from: 'suspect', to: 'stale' },
      ],
      START,
      END,
      cur,
    );
    expect(p).toEqual([
      { start: START, end: START + H, state: 'in-sync' },
      { start: START + H, end: START + 2 * H, state: 'suspect', rule: 'r1', reason: 'why' },
      { start: START + 2 * H, end: END, state: 'stale' },
    ]);
  });
  it('draws nothing before the context was first known', () => {
    expect(
      periodsFrom([{ at: START + 2 * H, from: 'unknown', to: 'suspect' }], START, END, {
        ...cur,
        firstSeen: START + H,
      }),
    ).toEqual([
      { start: START + H, end: START + 2 * H, state: 'unknown' },
      { start: START + 2 * H, end: END, state: 'suspect' },
    ]);
    expect(
      periodsFrom([{ at: START + H, from: 'unknown', to: 'suspect' }], START, END, { ...cur, firstSeen: START + H }),
    ).toEqual([{ start: START + H, end: END, state: 'suspect' }]);
  });
  it('leaves a gap before a first change with no prior state (a new context)', () => {
    expect(periodsFrom([{ at: START + H, from: null, to: 'unknown' }], START, END, cur)).toEqual([
      { start: START + H, end: END, state: 'unknown' },
    ]);
  });
});

describe('context x device grid', () => {
  const state = (device: string, context: string, sync: ContextState['sync']): ContextState => ({
    device,
    context,
    sync,
    since: START,
    configured: true,
    reasons: [],
  });
  const rows: ContextRow[] = Array.from({ length: 60 }, (_, i) => {
    const name = i === 7 ? HOSTILE : `VC_${String(i).padStart(3, '0')}`;
    return {
      name,
      peers: [
        { device: 'ace1', state: state('ace1', name, i % 3 === 0 ? 'stale' : 'in-sync') },
        { device: 'ace2', state: i === 5 ? undefined : state('ace2', name, 'suspect') },
      ],
    };
  });

  it('has one row per context, one cell per device, each a link to the context page', () => {
    const out = contextGrid(['ace1', 'ace2'], rows, new Set(['ace1\u0000VC_004'])).value;
    expect(count(out, /<table class="grid">/g)).toBe(Math.ceil(60 / GRID_ROWS_PER_TABLE));
    expect(count(out, /<tr><th scope="row">/g)).toBe(60);
    expect(count(out, /data-field="grid"/g)).toBe(120);
    expect(count(out, /<a class="cell badge state-bad" href="\/contexts\/ace1\/VC_/g)).toBe(20);
    expect(out).toContain('href="/contexts/ace2/VC_001" data-state="suspect"');
    // A context not known on a peer: a dash, no link.
    expect(out).toMatch(
      /data-device="ace2" data-context="VC_005" data-sync="" data-field="grid"><span class="muted" data-state="none">—<\/span>/,
    );
    // The silenced flag rides on the cell.
    const cell = out.slice(out.indexOf('data-device="ace1" data-context="VC_004"'));
    expect(cell.slice(0, cell.indexOf('</td>'))).toContain('data-flag="silenced"');
    expect(count(out, /data-flag="silenced"/g)).toBe(1);
  });

  it('keeps a hostile context name as text, in the cell, the link and the title', () => {
    const out = contextGrid(['ace1', 'ace2'], rows, new Set()).value;
    expect(out).not.toContain('<script');
    expect(out).not.toContain('<img');
    expect(out).toContain(`href="/contexts/ace1/${encodeURIComponent(HOSTILE)}"`);
    expect(out).toContain('<th scope="row">&lt;script&gt;alert(1)&lt;/script&gt;&quot;&gt;&lt;img');
    expect(out).not.toMatch(/\sstyle=/);
  });
});
