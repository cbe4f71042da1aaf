// A sliding-window limit per key (an account and an address, a user): at most `limit` hits in any `windowMs`.
// In memory: one chatbot process serves each database (SQLite on one volume), and a restart forgetting recent
// failures only gives an attacker a few more tries. The clock is injected, so tests move time instead of waiting.

export class RateLimiter {
  private readonly hits = new Map<string, number[]>();

  constructor(
    readonly limit: number,
    readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Milliseconds until `key` may try again; 0 when it may now. */
  retryAfter(key: string): number {
    if (this.limit <= 0) return 0;
    const recent = this.recent(key);
    if (recent.length < this.limit) return 0;
    return recent[recent.length - this.limit]! + this.windowMs - this.now();
  }

  hit(key: string): void {
    if (this.limit <= 0) return;
    if (this.hits.size > 10_000) this.prune();
    this.hits.set(key, [...this.recent(key), this.now()]);
  }

  reset(key: string): void {
    this.hits.delete(key);
  }

  private recent(key: string): number[] {
    const since = this.now() - this.windowMs;
    return (this.hits.get(key) ?? []).filter((t) => t > since);
  }

  /** Forgets keys with no recent hits, so a flood of addresses cannot grow the map without end. */
  private prune(): void {
    for (const key of [...this.hits.keys()]) {
      const recent = this.recent(key);
      if (recent.length) this.hits.set(key, recent);
      else this.hits.delete(key);
    }
  }
}

/** "14 minutes", "40 seconds": how long to wait, rounded up, for a message. */
export function waitText(ms: number): string {
  const s = Math.max(1, Math.ceil(ms / 1000));
  if (s < 60) return `${s} second${s === 1 ? '' : 's'}`;
  const m = Math.ceil(s / 60);
  return `${m} minute${m === 1 ? '' : 's'}`;
}
