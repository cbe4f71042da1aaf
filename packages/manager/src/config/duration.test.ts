import { describe, expect, it } from 'vitest';
import { parseGoDuration, parseKeepAlive } from './duration.ts';

describe('keep_alive', () => {
  it.each([
    [300, 300_000],
    [0, 0],
    ['0', 0],
    ['5m', 300_000],
    ['1h30m', 5_400_000],
    ['10s', 10_000],
    ['1.5s', 1500],
    ['250ms', 250],
    ['120', 120_000],
    [-1, Number.POSITIVE_INFINITY],
    ['-1', Number.POSITIVE_INFINITY],
    ['-5m', Number.POSITIVE_INFINITY],
  ])('%j → %d ms', (value, ms) => {
    expect(parseKeepAlive(value)).toBe(ms);
  });

  it.each([['soon'], ['5 minutes'], [true], [{}], ['m5']])(
    'rejects %j with a message that shows the forms',
    (v) => {
      expect(() => parseKeepAlive(v)).toThrow(
        /is not a duration \(use seconds as a number, or a string like "5m"/,
      );
    },
  );

  it('parses Go durations', () => {
    expect(parseGoDuration('2h45m10s')).toBe((2 * 3600 + 45 * 60 + 10) * 1000);
    expect(parseGoDuration('1d')).toBeUndefined();
  });
});
