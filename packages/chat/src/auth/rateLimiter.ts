// A sliding-window limit per key (an account and an address, a user): at most `limit` hits in any `windowMs`.
// The hits are rows in the database (rate_hits), so every chatbot replica on one PostgreSQL counts the same hits:
// an attacker who spreads sign-in tries over replicas gets no more of them. Two replicas checking the same key in
// the same instant may each let one more through: a limit of 5 may allow 6, never an unbounded number.
// The clock is injected, so tests move time instead of waiting.
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';

/** Every this many hits, a limiter also deletes the expired hits of keys no one has tried since. */
const PRUNE_EVERY = 100;

export class RateLimiter {
  private hitsSincePrune = 0;

  constructor(
    private readonly db: Kysely<Database>,
    /** Names the limit: its keys are stored as `name:key`. */
    readonly name: string,
    readonly limit: number,
    readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Milliseconds until `key` may try again; 0 when it may now. */
  async retryAfter(key: string): Promise<number> {
    if (this.limit <= 0) return 0;
    const now = this.now();
    const recent = await this.db
      .selectFrom('rate_hits')
      .select('at')
      .where('key', '=', this.keyOf(key))
      .where('at', '>', now - this.windowMs)
      .orderBy('at', 'desc')
      .limit(this.limit)
      .execute();
    if (recent.length < this.limit) return 0;
    return recent[this.limit - 1]!.at + this.windowMs - now;
  }

  async hit(key: string): Promise<void> {
    if (this.limit <= 0) return;
    const now = this.now();
    const k = this.keyOf(key);
    await this.db.insertInto('rate_hits').values({ key: k, at: now }).execute();
    // Hits older than the window count for nothing: this key's go now, everyone's now and then.
    const expired = now - this.windowMs;
    const prune = ++this.hitsSincePrune >= PRUNE_EVERY;
    if (prune) this.hitsSincePrune = 0;
    await this.db
      .deleteFrom('rate_hits')
      .where('at', '<=', expired)
      .$if(!prune, (q) => q.where('key', '=', k))
      .$if(prune, (q) => q.where('key', 'like', `${this.name}:%`))
      .execute();
  }

  async reset(key: string): Promise<void> {
    await this.db.deleteFrom('rate_hits').where('key', '=', this.keyOf(key)).execute();
  }

  private keyOf(key: string): string {
    return `${this.name}:${key}`;
  }
}

/** "14 minutes", "40 seconds": how long to wait, rounded up, for a message. */
export function waitText(ms: number): string {
  const s = Math.max(1, Math.ceil(ms / 1000));
  if (s < 60) return `${s} second${s === 1 ? '' : 's'}`;
  const m = Math.ceil(s / 60);
  return `${m} minute${m === 1 ? '' : 's'}`;
}
