// The one reader of the llm-manager's /metrics and /api/ps for the admins' status page, however many admins watch:
// it reads both every interval (5 s by default) and keeps the readings of the last hour in a bounded ring, so a
// page opened now shows the history since the chatbot started (at most an hour of it). Counters become rates
// between two readings; time to first token becomes p50/p95 over the last minute. The browser never reaches the
// llm-manager: it asks this server (GET /api/status).
import type { FastifyBaseLogger } from 'fastify';
import type { LoadedModel, StatusResponse, StatusSample } from '../../api.ts';
import { describeProblem, placementOf, type Upstream } from '../upstream.ts';
import { bucketsByModel, byLabel, quantileBetween, readMetrics, type Scrape, total } from './metricsText.ts';

const HOUR_MS = 3_600_000;
/** Time to first token is summarised over this long: one reading holds too few answers to have a median. */
const TTFT_WINDOW_MS = 60_000;
const TTFT = 'ownchat_time_to_first_token_seconds';
const INTER_TOKEN = 'ownchat_inter_token_latency_seconds';
const PULLED = 'ownchat_pulled_bytes_total';
const RUNNING = 'vllm:num_requests_running';
const WAITING = 'vllm:num_requests_waiting';
const KV_CACHE = 'vllm:kv_cache_usage_perc';
const WANTED = new Set([
  RUNNING,
  WAITING,
  KV_CACHE,
  PULLED,
  `${TTFT}_bucket`,
  `${TTFT}_count`,
  `${INTER_TOKEN}_count`,
]);

/** What one reading keeps to compare the next with. */
type Reading = {
  t: number;
  pieces: Map<string, number>;
  pulled: number;
  ttft: Map<string, Map<number, number>>;
};

/** A counter's increase between two readings; one that went down (the llm-manager restarted) counts from zero. */
const increase = (before: number | undefined, after: number) =>
  before === undefined || after < before ? after : after - before;

/**
 * Text streamed per model, counted as time-to-first-token observations (the first piece of each answer) plus
 * inter-token ones (each later piece): these grow as text streams, where the token counters grow only when an
 * answer ends, so a long answer shows as a steady rate instead of one spike. A piece is one token, or a few where
 * one character spans tokens.
 */
function piecesByModel(scrape: Scrape): Map<string, number> {
  const pieces = byLabel(scrape, `${TTFT}_count`, 'model');
  for (const [model, n] of byLabel(scrape, `${INTER_TOKEN}_count`, 'model')) {
    pieces.set(model, (pieces.get(model) ?? 0) + n);
  }
  return pieces;
}

function toLoaded(m: Awaited<ReturnType<Upstream['ps']>>[number]): LoadedModel {
  const until = Date.parse(String(m.expires_at ?? ''));
  const contextLength = (m as { context_length?: number }).context_length;
  return {
    name: m.name,
    gpuBytes: m.size_vram,
    cpuBytes: Math.max(0, m.size - m.size_vram),
    placement: placementOf(m.size, m.size_vram),
    // Ollama writes a model kept loaded for ever as a date centuries away.
    expiresAt:
      Number.isNaN(until) || until > Date.now() + 100 * 365 * 86_400_000
        ? null
        : new Date(until).toISOString(),
    contextLength: contextLength ?? null,
  };
}

export class StatusPoller {
  /** The readings, oldest first; never more than `capacity`. */
  private readonly samples: StatusSample[] = [];
  readonly capacity: number;
  private loaded: LoadedModel[] = [];
  private last: Reading | undefined;
  /** Readings of the last minute and the one before it, for time to first token. */
  private ttftWindow: Reading[] = [];
  private timer: NodeJS.Timeout | undefined;
  private polling: Promise<void> | undefined;
  private failing = false;
  private readonly stopping = new AbortController();

  constructor(
    private readonly upstream: Upstream,
    private readonly log: FastifyBaseLogger,
    readonly intervalMs: number,
    private readonly now: () => number = Date.now,
  ) {
    this.capacity = Math.ceil(HOUR_MS / intervalMs);
  }

  /** Reads at once, then every interval, until stop(). */
  start(): void {
    void this.poll();
    this.timer = setInterval(() => void this.poll(), this.intervalMs);
    this.timer.unref();
  }

  /** Stops reading; a reading under way is aborted, so closing the chatbot never waits for a slow llm-manager. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.stopping.abort();
    await this.polling;
  }

  /** One reading. A reading still under way when the next is due is not doubled: the next one waits its turn. */
  poll(): Promise<void> {
    this.polling ??= this.read().finally(() => {
      this.polling = undefined;
    });
    return this.polling;
  }

  snapshot(since?: number): Omit<StatusResponse, 'upstream'> {
    return {
      intervalMs: this.intervalMs,
      capacity: this.capacity,
      samples: since === undefined ? [...this.samples] : this.samples.filter((s) => s.t > since),
      loaded: this.loaded,
      pulls: this.upstream.pulls.list(),
    };
  }

  private async read(): Promise<void> {
    const t = this.now();
    const signal = AbortSignal.any([
      AbortSignal.timeout(Math.max(2_000, this.intervalMs)),
      this.stopping.signal,
    ]);
    // Each on its own: a real Ollama has /api/ps but no /metrics, and the loaded models are worth showing still.
    const [metrics, running] = await Promise.allSettled([
      this.upstream.metricsText(signal),
      this.upstream.ps(signal),
    ]);
    if (running.status === 'fulfilled') this.loaded = running.value.map(toLoaded);
    if (metrics.status === 'fulfilled') {
      this.add(this.sample(t, readMetrics(metrics.value, WANTED)));
      if (this.failing) this.log.info('the status page reads the llm-manager again');
      this.failing = false;
      return;
    }
    if (running.status === 'rejected') this.loaded = [];
    const e = metrics.reason;
    const problem =
      (e as { status_code?: number }).status_code === 404
        ? `The llm-manager at ${this.upstream.url} has no /metrics (is it a plain Ollama?): the live charts need ownchat's llm-manager.`
        : describeProblem(e, { url: this.upstream.url }).message;
    if (!this.failing) this.log.warn({ problem }, 'the status page cannot read the llm-manager');
    this.failing = true;
    this.add({
      t,
      running: null,
      waiting: null,
      kvCacheUsage: null,
      tokensPerSecond: {},
      ttftP50: {},
      ttftP95: {},
      pulledBytesPerSecond: null,
      problem,
    });
  }

  private sample(t: number, scrape: Scrape): StatusSample {
    const reading: Reading = {
      t,
      pieces: piecesByModel(scrape),
      pulled: total(scrape, PULLED) ?? 0,
      ttft: bucketsByModel(scrape, TTFT),
    };
    const last = this.last;
    this.last = reading;
    const seconds = last ? (t - last.t) / 1000 : 0;
    const tokensPerSecond: Record<string, number> = {};
    if (last && seconds > 0) {
      for (const [model, n] of reading.pieces) {
        tokensPerSecond[model] = increase(last.pieces.get(model), n) / seconds;
      }
    }
    this.ttftWindow.push(reading);
    while (this.ttftWindow.length > 1 && this.ttftWindow[1]!.t <= t - TTFT_WINDOW_MS) this.ttftWindow.shift();
    // The first reading has nothing to compare with: what it counted happened before the chatbot watched.
    const base = this.ttftWindow.length > 1 ? this.ttftWindow[0] : undefined;
    const ttftP50: Record<string, number> = {};
    const ttftP95: Record<string, number> = {};
    for (const [model, buckets] of base ? reading.ttft : []) {
      const p50 = quantileBetween(base!.ttft.get(model), buckets, 0.5);
      const p95 = quantileBetween(base!.ttft.get(model), buckets, 0.95);
      if (p50 !== undefined) ttftP50[model] = p50;
      if (p95 !== undefined) ttftP95[model] = p95;
    }
    return {
      t,
      running: total(scrape, RUNNING),
      waiting: total(scrape, WAITING),
      kvCacheUsage: total(scrape, KV_CACHE),
      tokensPerSecond,
      ttftP50,
      ttftP95,
      pulledBytesPerSecond: last && seconds > 0 ? increase(last.pulled, reading.pulled) / seconds : null,
    };
  }

  private add(s: StatusSample): void {
    this.samples.push(s);
    if (this.samples.length > this.capacity) this.samples.splice(0, this.samples.length - this.capacity);
  }
}
