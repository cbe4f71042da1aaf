// A pull's progress adds up per layer and overall: bytes, speed over a trailing window, time left. Event
// streams as the server sends them (ollama-api.md, "Pull progress stream"), with the time each arrived.

import {
  applyPullEvent,
  emptyPull,
  layerRate,
  overallRate,
  type PullEvent,
  type PullState,
  SPEED_WINDOW_MS,
  shortDigest,
} from '@ownchat/chat/shared';
import { describe, expect, it } from 'vitest';
import { progressDetail } from './progressView.ts';

const A = `sha256:${'a'.repeat(64)}`;
const B = `sha256:${'b'.repeat(64)}`;
const MB = 1_000_000;

function replay(events: [number, PullEvent][]): PullState {
  return events.reduce((s, [at, e]) => applyPullEvent(s, e, at), emptyPull);
}

const layer = (digest: string, total: number, completed: number): PullEvent => ({
  status: `pulling ${shortDigest(digest)}`,
  digest,
  total,
  completed,
});

describe('pull progress', () => {
  it('keeps the statuses in order, once each, and the layers as the server names them', () => {
    const s = replay([
      [0, { status: 'pulling manifest' }],
      [1, layer(A, 100, 0)],
      [2, layer(A, 100, 100)],
      [3, { status: 'verifying sha256 digest' }],
      [4, { status: 'verifying sha256 digest' }],
      [5, { status: 'writing manifest' }],
      [6, { status: 'success' }],
    ]);
    expect(s.statuses).toEqual([
      'pulling manifest',
      'verifying sha256 digest',
      'writing manifest',
      'success',
    ]);
    expect(s.layers.map((l) => [l.label, l.completed, l.total])).toEqual([
      ['pulling aaaaaaaaaaaa', 100, 100],
    ]);
  });

  it('adds the layers up: bytes done of bytes known, speed from the bytes that arrived, time left', () => {
    const s = replay([
      [0, layer(A, 300 * MB, 0)],
      [0, layer(B, 100 * MB, 0)],
      [1000, layer(A, 300 * MB, 50 * MB)],
      [2000, layer(A, 300 * MB, 100 * MB)],
      [2000, layer(B, 100 * MB, 20 * MB)],
    ]);
    const all = overallRate(s, 2000);
    expect(all.completed).toBe(120 * MB);
    expect(all.total).toBe(400 * MB);
    expect(all.bytesPerSecond).toBe(60 * MB); // 120 MB in 2 s
    expect(all.secondsLeft).toBeCloseTo(280 / 60);
    const a = layerRate(s.layers[0]!, 2000);
    expect(a.bytesPerSecond).toBe(50 * MB);
    expect(a.secondsLeft).toBe(4);
    expect(progressDetail(all)).toBe('120 MB/400 MB  60 MB/s  5s');
  });

  it('does not count a layer already on disk (or a resumed part) as speed', () => {
    const s = replay([
      [0, layer(A, 500 * MB, 500 * MB)], // present already: one line, completed == total
      [0, layer(B, 100 * MB, 40 * MB)], // resumed from 40 MB
      [2000, layer(B, 100 * MB, 60 * MB)],
    ]);
    const all = overallRate(s, 2000);
    expect(all.completed).toBe(560 * MB);
    expect(all.bytesPerSecond).toBe(10 * MB);
    expect(all.secondsLeft).toBe(4);
    expect(layerRate(s.layers[0]!, 2000).secondsLeft).toBeUndefined();
    expect(progressDetail(layerRate(s.layers[0]!, 2000))).toBe('500 MB');
  });

  it('measures speed over the trailing window, so it follows a change of pace', () => {
    const events: [number, PullEvent][] = [[0, layer(A, 1000 * MB, 0)]];
    // 10 MB/s for 30 s, then 1 MB/s for 20 s.
    for (let t = 1; t <= 30; t++) events.push([t * 1000, layer(A, 1000 * MB, t * 10 * MB)]);
    for (let t = 31; t <= 50; t++) events.push([t * 1000, layer(A, 1000 * MB, 300 * MB + (t - 30) * MB)]);
    const s = replay(events);
    expect(overallRate(s, 50_000).bytesPerSecond).toBeCloseTo(1 * MB, -3);
    // The samples kept stay bounded by the window, however long the pull.
    expect(s.samples.length).toBeLessThanOrEqual(SPEED_WINDOW_MS / 1000 + 2);
    expect(s.layers[0]!.samples.length).toBeLessThanOrEqual(SPEED_WINDOW_MS / 1000 + 2);
  });

  it('lets the speed fall toward zero while a download stalls, and then has no time left to promise', () => {
    const s = replay([
      [0, layer(A, 100 * MB, 0)],
      [1000, layer(A, 100 * MB, 10 * MB)],
    ]);
    expect(overallRate(s, 1000).bytesPerSecond).toBe(10 * MB);
    expect(overallRate(s, 5000).bytesPerSecond).toBe(2 * MB);
    const stalled = applyPullEvent(s, layer(A, 100 * MB, 10 * MB), 30_000);
    expect(overallRate(stalled, 30_000).bytesPerSecond).toBe(0);
    expect(overallRate(stalled, 30_000).secondsLeft).toBeUndefined();
    expect(progressDetail(overallRate(stalled, 30_000))).toBe('10 MB/100 MB');
  });

  it('leaves the state it was given unchanged', () => {
    const before = replay([[0, layer(A, 100, 0)]]);
    const copy = structuredClone(before);
    applyPullEvent(before, layer(A, 100, 50), 1000);
    applyPullEvent(before, { status: 'success' }, 1000);
    expect(before).toEqual(copy);
  });
});
