import { describe, expect, it } from 'vitest';
import { EVENT_FIELDS, parseFieldRef } from '../../src/engine/fields.js';
import { FIELD_ORDER } from '../../src/parse/event-shape.js';
import { compileCondition, type ConditionProblem } from '../../src/engine/conditions.js';
import type { AceEvent } from '../../src/core/events.js';

describe('event fields a rule may name', () => {
  it('include every field the parser emits, the relay fields among them', () => {
    for (const f of FIELD_ORDER) expect(parseFieldRef(f), f).toEqual({ source: 'event', name: f, path: [] });
    for (const f of ['relayHostname', 'relayOriginIp', 'relay'])
      expect(parseFieldRef(f), f).toEqual({ source: 'event', name: f, path: [] });
    expect(new Set(EVENT_FIELDS).size).toBe(EVENT_FIELDS.length);
  });

  it('a rule condition on the relay fields compiles and matches', () => {
    const problems: ConditionProblem[] = [];
    const c = compileCondition(
      {
        all: [
          { field: 'relay', equals: 'rsyslog1' },
          { field: 'relayHostname', equals: 'ace1-vc' },
        ],
      },
      ['when'],
      {},
      problems,
    );
    expect(problems).toEqual([]);
    const e: AceEvent = { kind: 'config-change', relay: 'rsyslog1', relayHostname: 'ace1-vc' };
    expect(c!.test(e, (() => undefined) as never)).toBe(true);
    expect(c!.test({ ...e, relay: 'other' }, (() => undefined) as never)).toBe(false);
  });

  it('still refuses an unknown name', () => {
    expect(parseFieldRef('relayHost')).toMatch(/unknown event field 'relayHost'/);
  });
});
