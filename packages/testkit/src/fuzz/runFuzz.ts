// Sends generated requests to a real server over loopback, one at a time, and sorts what happens to each: an
// answer (its status), a hang (no whole answer within the time bound), a crash (the server process is gone), or
// a dropped connection with the server still up. The totals are what the fuzz tests assert and bench/README.md
// reports. Requests run one at a time so that a hang or a crash is pinned on the request that caused it.
import { Agent, fetch } from 'undici';

export type FuzzRequest = {
  /** The route pattern this request was generated for (`POST /api/chat`): totals are kept per route. */
  route: string;
  method: string;
  /** Path and query, as sent. */
  path: string;
  headers?: Record<string, string>;
  body?: string | Uint8Array;
  /** Who sends it, for servers with sign-in: the test turns it into headers just before sending. */
  identity?: string;
};

export type FuzzOutcome = {
  request: FuzzRequest;
  kind: 'answered' | 'hang' | 'crash' | 'dropped';
  status?: number;
  ms: number;
  /** The start of the answer's body, or the error. */
  excerpt: string;
  /** The name of the known failure this outcome matches, if any. */
  known?: string;
};

export type FuzzTotals = {
  tried: number;
  status2xx: number;
  status4xx: number;
  status5xx: number;
  /** 5xx answers the API documents (a busy server, a full disk, an unreachable registry or llm-manager). */
  documented5xx: number;
  /** The documented 5xx answers themselves, to read what they said. */
  documented5xxOutcomes: FuzzOutcome[];
  undocumented5xx: FuzzOutcome[];
  hangs: FuzzOutcome[];
  crashes: FuzzOutcome[];
  dropped: FuzzOutcome[];
  /** Failures that match a named known failure (fixed on another branch): counted, not failed on. */
  known: FuzzOutcome[];
  byStatus: Record<string, number>;
  byRoute: Record<string, number>;
  /** Requests not sent because the time budget ran out. */
  skipped: number;
  seconds: number;
};

export type RunFuzzOptions = {
  /** The server's base URL now (it changes when the server is restarted after a crash). */
  base: () => string;
  requests: readonly FuzzRequest[];
  /** The bound on one whole answer, streams included. */
  timeoutMs: number;
  /** Stop sending (and count the rest as skipped) after this long. */
  budgetMs?: number;
  /** Whether the API documents this 5xx for this request. */
  documented5xx: (req: FuzzRequest, status: number, body: string) => boolean;
  /** Whether the server process still runs. */
  alive: () => boolean;
  /** Starts the server again after a crash; without it the run ends at the first crash. */
  restart?: () => Promise<void>;
  /** Turns a request's identity into headers (cookies, CSRF token) just before it is sent. */
  prepare?: (req: FuzzRequest) => Promise<FuzzRequest>;
  /** Called after each answer (e.g. to sign in again after a request signed the session out). */
  after?: (outcome: FuzzOutcome) => Promise<void>;
  /** Names the known failure a bad outcome is, or undefined. */
  known?: (outcome: FuzzOutcome) => string | undefined;
};

const EXCERPT = 300;

export async function runFuzz(opts: RunFuzzOptions): Promise<FuzzTotals> {
  const totals: FuzzTotals = {
    tried: 0,
    status2xx: 0,
    status4xx: 0,
    status5xx: 0,
    documented5xx: 0,
    documented5xxOutcomes: [],
    undocumented5xx: [],
    hangs: [],
    crashes: [],
    dropped: [],
    known: [],
    byStatus: {},
    byRoute: {},
    skipped: 0,
    seconds: 0,
  };
  const started = performance.now();
  let agent = new Agent({ connections: 4 });
  try {
    for (const generated of opts.requests) {
      if (opts.budgetMs !== undefined && performance.now() - started > opts.budgetMs) {
        totals.skipped++;
        continue;
      }
      const req = opts.prepare ? await opts.prepare(generated) : generated;
      const outcome = await send(opts.base(), req, opts.timeoutMs, agent);
      totals.tried++;
      totals.byRoute[req.route] = (totals.byRoute[req.route] ?? 0) + 1;
      if (outcome.kind !== 'answered' && !opts.alive()) outcome.kind = 'crash';
      let bad: FuzzOutcome[] | undefined;
      if (outcome.kind === 'answered') {
        const s = outcome.status!;
        totals.byStatus[s] = (totals.byStatus[s] ?? 0) + 1;
        if (s < 300) totals.status2xx++;
        else if (s >= 400 && s < 500) totals.status4xx++;
        else if (s >= 500) {
          totals.status5xx++;
          if (opts.documented5xx(req, s, outcome.excerpt)) {
            totals.documented5xx++;
            totals.documented5xxOutcomes.push(outcome);
          } else bad = totals.undocumented5xx;
        }
      } else
        bad =
          outcome.kind === 'hang' ? totals.hangs : outcome.kind === 'crash' ? totals.crashes : totals.dropped;
      if (bad) {
        outcome.known = opts.known?.(outcome);
        (outcome.known ? totals.known : bad).push(outcome);
      }
      if (outcome.kind === 'crash' || (outcome.kind === 'hang' && !opts.alive())) {
        if (!opts.restart) break;
        await agent.destroy();
        await opts.restart();
        agent = new Agent({ connections: 4 });
      } else if (opts.after) await opts.after(outcome);
    }
  } finally {
    await agent.destroy();
  }
  totals.seconds = (performance.now() - started) / 1000;
  return totals;
}

async function send(base: string, req: FuzzRequest, timeoutMs: number, agent: Agent): Promise<FuzzOutcome> {
  const t = performance.now();
  const signal = AbortSignal.timeout(timeoutMs);
  const ms = () => Math.round(performance.now() - t);
  try {
    const res = await fetch(`${base}${req.path}`, {
      method: req.method,
      headers: req.headers,
      body: req.body,
      signal,
      dispatcher: agent,
    });
    // The whole answer must arrive within the bound, a stream's last line included.
    const text = await res.text();
    return { request: req, kind: 'answered', status: res.status, ms: ms(), excerpt: text.slice(0, EXCERPT) };
  } catch (e) {
    const err = e as Error & { cause?: { code?: string; message?: string } };
    const timedOut = signal.aborted;
    return {
      request: req,
      kind: timedOut ? 'hang' : 'dropped',
      ms: ms(),
      excerpt: `${err.name}: ${err.message}${err.cause ? ` (${err.cause.code ?? err.cause.message})` : ''}`,
    };
  }
}

/** One line per bad outcome, for a failing assertion's message: what was sent and what came back. */
export function describeOutcomes(outcomes: readonly FuzzOutcome[], max = 10): string {
  return outcomes
    .slice(0, max)
    .map((o) => {
      const body =
        typeof o.request.body === 'string'
          ? o.request.body.slice(0, 400)
          : o.request.body
            ? `<${o.request.body.byteLength} bytes>`
            : '';
      return `${o.kind} ${o.status ?? ''} after ${o.ms} ms: ${o.request.method} ${o.request.path.slice(0, 200)} ${body}\n    → ${o.excerpt.slice(0, 300)}`;
    })
    .join('\n');
}

/** The totals as one line for a log or a report. */
export function summarize(t: FuzzTotals): string {
  return `${t.tried} requests in ${t.seconds.toFixed(1)} s: ${t.status2xx} 2xx, ${t.status4xx} 4xx, ${t.status5xx} 5xx (${t.documented5xx} documented), ${t.hangs.length} hangs, ${t.crashes.length} crashes, ${t.dropped.length} dropped, ${t.known.length} known failures, ${t.skipped} not sent (time budget)`;
}
