import { describe, expect, it } from 'vitest';
import { Bus } from '../../src/core/bus.js';

interface Events {
  added: number[];
  tick: undefined;
}

describe('Bus', () => {
  it('calls the handlers of an event in subscription order, with its payload, and only those', () => {
    const bus = new Bus<Events>();
    const seen: string[] = [];
    bus.on('added', (n) => seen.push(`a:${n.join(',')}`));
    bus.on('added', (n) => seen.push(`b:${n.length}`));
    bus.on('tick', () => seen.push('tick'));
    bus.emit('added', [1, 2]);
    expect(seen).toEqual(['a:1,2', 'b:2']);
    bus.emit('tick');
    expect(seen).toEqual(['a:1,2', 'b:2', 'tick']);
  });

  it('unsubscribes, and an emit without handlers does nothing', () => {
    const bus = new Bus<Events>();
    let n = 0;
    const off = bus.on('tick', () => n++);
    bus.emit('tick');
    off();
    bus.emit('tick');
    expect(n).toBe(1);
    expect(bus.listenerCount('tick')).toBe(0);
  });

  it("a handler's error reaches the emitter and stops the emit", () => {
    const bus = new Bus<Events>();
    const seen: number[] = [];
    bus.on('added', () => {
      throw new Error('boom');
    });
    bus.on('added', (x) => seen.push(...x));
    expect(() => bus.emit('added', [1])).toThrow('boom');
    expect(seen).toEqual([]);
  });
});
