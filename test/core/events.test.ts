import { describe, expect, it } from 'vitest';
import { TypedEmitter } from '../../src/core/events.js';

interface Events {
  [event: string]: unknown[];
  tick: [number];
  error: [Error];
}

class Ticker extends TypedEmitter<Events> {
  fire(n: number): boolean {
    return this.emit('tick', n);
  }
  fail(e: Error): boolean {
    return this.emit('error', e);
  }
}

describe('TypedEmitter', () => {
  it('calls listeners in the order they were added, with the arguments, and says whether any ran', () => {
    const t = new Ticker();
    expect(t.fire(0)).toBe(false);
    const seen: string[] = [];
    t.on('tick', (n) => seen.push(`a${n}`));
    t.on('tick', (n) => seen.push(`b${n}`));
    t.on('tick', (n) => seen.push(`c${n}`));
    expect(t.fire(1)).toBe(true);
    expect(seen).toEqual(['a1', 'b1', 'c1']);
    expect(t.listenerCount('tick')).toBe(3);
  });

  it('removes one registration per off, the last one, and forgets an event with none left', () => {
    const t = new Ticker();
    const seen: number[] = [];
    const l = (n: number): void => {
      seen.push(n);
    };
    t.on('tick', l).on('tick', l);
    t.fire(1);
    t.off('tick', l);
    t.fire(2);
    t.off('tick', l);
    expect(t.fire(3)).toBe(false);
    expect(seen).toEqual([1, 1, 2]);
    expect(t.listenerCount('tick')).toBe(0);
    t.off('tick', l);
  });

  it('runs a once listener one time, and off removes it by the function given', () => {
    const t = new Ticker();
    const seen: number[] = [];
    t.once('tick', (n) => seen.push(n));
    t.fire(1);
    t.fire(2);
    expect(seen).toEqual([1]);
    const never = (): void => {
      seen.push(-1);
    };
    t.once('tick', never);
    t.off('tick', never);
    expect(t.fire(3)).toBe(false);
    expect(seen).toEqual([1]);
  });

  it('an emit calls the listeners there were when it began, whatever they add or remove', () => {
    const t = new Ticker();
    const seen: string[] = [];
    const b = (): void => {
      seen.push('b');
    };
    t.on('tick', () => {
      seen.push('a');
      t.off('tick', b);
      t.on('tick', () => seen.push('late'));
    });
    t.on('tick', b);
    t.fire(1);
    expect(seen).toEqual(['a', 'b']);
    seen.length = 0;
    t.fire(2);
    expect(seen).toEqual(['a', 'late']);
  });

  it('an error with no listener throws it; with one, it is handed over', () => {
    const t = new Ticker();
    const boom = new Error('boom');
    expect(() => t.fail(boom)).toThrow(boom);
    const caught: Error[] = [];
    t.on('error', (e) => caught.push(e));
    expect(t.fail(boom)).toBe(true);
    expect(caught).toEqual([boom]);
  });

  it('removeAllListeners leaves none', () => {
    const t = new Ticker();
    t.on('tick', () => undefined).on('error', () => undefined);
    t.removeAllListeners();
    expect(t.fire(1)).toBe(false);
    expect(() => t.fail(new Error('x'))).toThrow('x');
  });
});
