import { Outbox } from '../../client/outbox';

describe('Outbox', () => {
  test('keeps items in order until drained', () => {
    const outbox = new Outbox<number>(3, () => undefined);
    outbox.push(1);
    outbox.push(2);
    expect(outbox.size).toBe(2);
    expect(outbox.drain()).toEqual([1, 2]);
    expect(outbox.size).toBe(0);
  });

  test('when full, drops the oldest item and reports it', () => {
    const dropped: number[] = [];
    const outbox = new Outbox<number>(2, (item) => dropped.push(item));
    [1, 2, 3, 4].forEach((n) => outbox.push(n));
    expect(dropped).toEqual([1, 2]);
    expect(outbox.drain()).toEqual([3, 4]);
  });

  test('capacity 0 drops every item, still reporting each', () => {
    const dropped: number[] = [];
    const outbox = new Outbox<number>(0, (item) => dropped.push(item));
    outbox.push(7);
    expect(dropped).toEqual([7]);
  });

  test('rejects a capacity that is not a non-negative integer', () => {
    expect(() => new Outbox<number>(-1, () => undefined)).toThrow('non-negative integer; got -1');
    expect(() => new Outbox<number>(1.5, () => undefined)).toThrow('non-negative integer; got 1.5');
  });
});
