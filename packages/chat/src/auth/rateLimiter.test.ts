// Rate limits counted in the database, on SQLite and PostgreSQL: two limiters over one database (two replicas)
// share their hits.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type ChatDb, openDatabase } from '../db/database.ts';
import { DATABASES, testDatabases } from '../testing/databases.ts';
import { RateLimiter, waitText } from './rateLimiter.ts';

const databases = testDatabases();

describe.each(DATABASES)('on %s', (kind) => {
  let dir: string;
  let db: ChatDb;
  let other: ChatDb;
  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ownchat-rate-'));
    const target = await databases.fresh(kind, path.join(dir, 'chat.db'));
    db = await openDatabase(target);
    other = await openDatabase(target);
  });
  afterEach(async () => {
    await db.destroy();
    await other.destroy();
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('allows `limit` hits in any window, counted by every replica, then says how long until the oldest leaves it', async () => {
    let now = 0;
    const here = new RateLimiter(db, 'signin', 3, 1000, () => now);
    const there = new RateLimiter(other, 'signin', 3, 1000, () => now);
    for (const [t, l] of [
      [0, here],
      [100, there],
      [200, here],
    ] as const) {
      now = t;
      expect(await l.retryAfter('k')).toBe(0);
      await l.hit('k');
    }
    now = 300;
    expect(await here.retryAfter('k')).toBe(700);
    expect(await there.retryAfter('k')).toBe(700);
    expect(await here.retryAfter('other')).toBe(0);
    // Another limit's hits on the same key are its own.
    expect(await new RateLimiter(db, 'signup', 1, 1000, () => now).retryAfter('k')).toBe(0);
    now = 999;
    expect(await there.retryAfter('k')).toBe(1);
    // The hit at 0 has left the window (0, 1000].
    now = 1000;
    expect(await here.retryAfter('k')).toBe(0);
    await here.hit('k');
    expect(await there.retryAfter('k')).toBe(100);
    await there.reset('k');
    expect(await here.retryAfter('k')).toBe(0);
  });

  it('never limits with a limit of 0', async () => {
    const l = new RateLimiter(db, 'answers', 0, 1000, () => 0);
    for (let i = 0; i < 10; i++) await l.hit('k');
    expect(await l.retryAfter('k')).toBe(0);
  });
});

it.each([
  [400, '1 second'],
  [42_100, '43 seconds'],
  [60_000, '1 minute'],
  [899_000, '15 minutes'],
])('waitText(%i) = %s', (ms, text) => {
  expect(waitText(ms)).toBe(text);
});
