import { expect, it } from 'vitest';
import { RateLimiter, waitText } from './rateLimiter.ts';

it('allows `limit` hits in any window, then says how long until the oldest one leaves it', () => {
  let now = 0;
  const l = new RateLimiter(3, 1000, () => now);
  for (const t of [0, 100, 200]) {
    now = t;
    expect(l.retryAfter('k')).toBe(0);
    l.hit('k');
  }
  now = 300;
  expect(l.retryAfter('k')).toBe(700);
  expect(l.retryAfter('other')).toBe(0);
  now = 999;
  expect(l.retryAfter('k')).toBe(1);
  // The hit at 0 has left the window (0, 1000].
  now = 1000;
  expect(l.retryAfter('k')).toBe(0);
  l.reset('k');
  expect(l.retryAfter('k')).toBe(0);
});

it('never limits with a limit of 0', () => {
  const l = new RateLimiter(0, 1000, () => 0);
  for (let i = 0; i < 100; i++) l.hit('k');
  expect(l.retryAfter('k')).toBe(0);
});

it.each([
  [400, '1 second'],
  [42_100, '43 seconds'],
  [60_000, '1 minute'],
  [899_000, '15 minutes'],
])('waitText(%i) = %s', (ms, text) => {
  expect(waitText(ms)).toBe(text);
});
