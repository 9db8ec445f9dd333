// The /logs buffer: a ring of the last lines, each line written at the same cost however many came before.
import { describe, expect, it } from 'vitest';
import { LineRing } from '../../src/services/line-ring.ts';

describe('the /logs line ring', () => {
  it('keeps the newest lines, oldest first, once it has wrapped many times', () => {
    const ring = new LineRing(500);
    for (let i = 0; i < 100_250; i++) ring.push(`line ${i}`);
    expect(ring.size).toBe(500);
    expect(ring.last(3)).toEqual(['line 100247', 'line 100248', 'line 100249']);
    const all = ring.last(1000);
    expect(all).toHaveLength(500);
    expect(all[0]).toBe('line 99750');
    expect(all.at(-1)).toBe('line 100249');
  });

  it('before it is full, gives only what it holds', () => {
    const ring = new LineRing(4);
    ring.push('a');
    ring.push('b');
    expect(ring.last(10)).toEqual(['a', 'b']);
    expect(ring.last(0)).toEqual([]);
  });

  it('writing a line touches one slot, never the lines already kept (constant work per event)', () => {
    const ring = new LineRing(500);
    for (let i = 0; i < 500; i++) ring.push(`old ${i}`);
    // Every slot write goes through the backing array: count them for the next 1,000 lines.
    const slots = (ring as unknown as { slots: string[] }).slots;
    let writes = 0;
    const counted = new Proxy(slots, {
      set(target, key, value) {
        writes++;
        return Reflect.set(target, key, value);
      },
    });
    (ring as unknown as { slots: string[] }).slots = counted;
    for (let i = 0; i < 1000; i++) ring.push(`new ${i}`);
    expect(writes).toBe(1000);
    expect(ring.last(1)).toEqual(['new 999']);
  });

  it('refuses a capacity that is not a whole number of at least 1', () => {
    expect(() => new LineRing(0)).toThrow(/at least 1, got 0/);
  });
});
