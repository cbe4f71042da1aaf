// Sizes and times as Ollama's CLI prints them (format/bytes.go, format/time.go), cases taken from its behaviour.
import { describe, expect, it } from 'vitest';
import { goDuration, humanBytes, humanTime } from './units.ts';

describe('humanBytes', () => {
  it.each([
    [0, '0 B'],
    [999, '999 B'],
    [1000, '1 KB'],
    [1500, '1.5 KB'],
    [439_930, '439 KB'],
    [397_821_319, '397 MB'],
    [4_661_224_676, '4.7 GB'],
    [9_960_000_000, '10.0 GB'],
    [12_345_678_901, '12 GB'],
    [2_000_000_000_000, '2 TB'],
  ])('%d bytes → %s', (bytes, text) => {
    expect(humanBytes(bytes)).toBe(text);
  });
});

describe('humanTime', () => {
  const now = Date.parse('2026-11-26T12:00:00Z');
  const ago = (ms: number) => new Date(now - ms).toISOString();
  it.each([
    [500, 'Less than a second ago'],
    [1_000, '1 second ago'],
    [42_000, '42 seconds ago'],
    [90_000, 'About a minute ago'],
    [2 * 60_000 + 5_000, '2 minutes ago'],
    [3_600_000, 'About an hour ago'],
    [5 * 3_600_000, '5 hours ago'],
    [3 * 86_400_000, '3 days ago'],
    [21 * 86_400_000, '3 weeks ago'],
    [90 * 86_400_000, '3 months ago'],
    [800 * 86_400_000, '2 years ago'],
    [-4 * 60_000 - 30_000, '4 minutes from now'],
  ])('%d ms ago → %s', (ms, text) => {
    expect(humanTime(ago(ms), 'Never', now)).toBe(text);
  });

  it('says Forever far ahead (keep_alive < 0) and the zero value for no time', () => {
    expect(humanTime('2318-02-23T00:00:00Z', 'Never', now)).toBe('Forever');
    expect(humanTime('0001-01-01T00:00:00Z', 'Never', now)).toBe('Never');
    expect(humanTime(undefined, 'Never', now)).toBe('Never');
  });
});

describe('goDuration', () => {
  it.each([
    [0, '0s'],
    [0.4, '0s'],
    [42, '42s'],
    [63, '1m3s'],
    [3605, '1h0m5s'],
  ])('%d s → %s', (s, text) => {
    expect(goDuration(s)).toBe(text);
  });
});
