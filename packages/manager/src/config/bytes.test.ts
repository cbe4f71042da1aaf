import { describe, expect, it } from 'vitest';
import { formatBytes, parseByteSize } from './bytes.ts';

describe('parseByteSize', () => {
  it.each([
    ['1048576', 1048576],
    ['4MiB', 4 * 1024 * 1024],
    ['4M', 4 * 1024 * 1024],
    ['4 MB', 4_000_000],
    ['512k', 512 * 1024],
    ['1.5GiB', 1.5 * 1024 ** 3],
    ['0', 0],
  ])('%s → %d', (text, bytes) => {
    expect(parseByteSize(text)).toBe(bytes);
  });

  it.each(['', 'big', '4 parsecs', '-1', '1e6'])('refuses %j', (text) => {
    expect(parseByteSize(text)).toBeUndefined();
  });
});

describe('formatBytes', () => {
  it.each([
    [17, '17 B'],
    [1500, '1.5 KB'],
    [4_100_000_000, '4.1 GB'],
    [123_456_789, '123 MB'],
  ])('%d → %s', (n, text) => {
    expect(formatBytes(n)).toBe(text);
  });
});
