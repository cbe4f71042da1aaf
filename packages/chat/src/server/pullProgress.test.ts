import { describe, expect, it } from 'vitest';
import { PullTracker } from './pullProgress.ts';

describe('pull progress', () => {
  it('sums every layer, measures the speed over the last seconds and says the time left', () => {
    let t = 0;
    const p = new PullTracker(() => t);
    expect(p.update({ status: 'pulling manifest' })).toEqual({
      status: 'pulling manifest',
      completed: 0,
      total: 0,
    });
    // The template layer was already present; the model layer downloads at 100 bytes/s.
    p.update({ status: 'pulling 111', digest: 'sha256:111', total: 50, completed: 50 });
    p.update({ status: 'pulling 222', digest: 'sha256:222', total: 1000, completed: 0 });
    t = 1000;
    p.update({ status: 'pulling 222', digest: 'sha256:222', total: 1000, completed: 100 });
    t = 2000;
    const r = p.update({ status: 'pulling 222', digest: 'sha256:222', total: 1000, completed: 200 });
    expect(r).toEqual({
      status: 'downloading',
      total: 1050,
      completed: 250,
      bytesPerSecond: 100,
      secondsLeft: 8,
    });
    t = 3000;
    expect(p.update({ status: 'verifying sha256 digest' })).toMatchObject({
      status: 'verifying sha256 digest',
      completed: 250,
    });
  });

  it('gives no speed before it can be measured, and forgets samples older than the window', () => {
    let t = 0;
    const p = new PullTracker(() => t);
    expect(
      p.update({ status: 'pulling a', digest: 'a', total: 1000, completed: 0 }).bytesPerSecond,
    ).toBeUndefined();
    t = 100;
    expect(
      p.update({ status: 'pulling a', digest: 'a', total: 1000, completed: 10 }).secondsLeft,
    ).toBeUndefined();
    // Fast at first, then slow: after the window (10 s, as Ollama's own progress bar) only the slow speed counts.
    for (let i = 1; i <= 20; i++) {
      t = 100 + i * 1000;
      p.update({ digest: 'a', total: 1000, completed: Math.min(500, 100 * i) + (i > 5 ? (i - 5) * 10 : 0) });
    }
    expect(p.update({ digest: 'a', total: 1000, completed: 660 }).bytesPerSecond).toBeLessThan(20);
  });

  it('counts what a resumed pull already had as done, not as speed', () => {
    let t = 0;
    const p = new PullTracker(() => t);
    p.update({ digest: 'a', total: 1000, completed: 900 });
    t = 1000;
    expect(p.update({ digest: 'a', total: 1000, completed: 910 })).toMatchObject({
      completed: 910,
      bytesPerSecond: 10,
      secondsLeft: 9,
    });
  });

  it('never reports more done than the total', () => {
    const p = new PullTracker(() => 0);
    expect(p.update({ digest: 'a', total: 10, completed: 15 })).toMatchObject({ completed: 10, total: 10 });
  });
});
