// The llm-manager (or a real Ollama) the chatbot talks to, through the official `ollama` client, and the one place
// that turns what goes wrong there into words for the user.
//
// Two traps of the client are handled here: Node's fetch gives up after 300 s without headers, and a
// model load or a queue wait can take longer, so the timeouts are off (shared/untimedFetch.ts); and client.abort() would abort
// every stream of a client, so each answer gets its own light client whose fetch also obeys that answer's signal
// (a stream is stopped through its iterator's .abort() and, before its headers arrive, through that signal).
import { Ollama } from 'ollama';
import type { ConversationOptions, Placement } from '../api.ts';
import { modelKey, sameModel } from '../shared/modelNames.ts';
import { isThinkLevel, type ThinkLevel, takesThinkLevels } from '../shared/thinkLevels.ts';
import { untimedFetch } from '../shared/untimedFetch.ts';
import { PullsInProgress } from './status/pullsInProgress.ts';

export { sameModel };

export type ModelsList = Awaited<ReturnType<Ollama['list']>>['models'];
export type RunningList = Awaited<ReturnType<Ollama['ps']>>['models'];

export class Upstream {
  private readonly untimed = untimedFetch();
  private readonly shared: Ollama;
  /**
   * Until when each model stays loaded, as the last /api/ps said (the model list and every answer's stats read
   * it): an answer tells "waiting in the queue" from "loading the model" without asking again first.
   */
  private readonly loadedUntil = new Map<string, number>();
  /** Each model's family, as the last /api/tags said: whether a level of thinking is sent (thinkLevelFor). */
  private readonly familyOf = new Map<string, string>();
  /** Each model's capabilities (by name and digest), once read: see capabilities(). */
  private readonly capabilitiesOf = new Map<string, Promise<string[]>>();
  /** The pulls relayed through this chatbot now (relayPull lists them), for the status page. */
  readonly pulls = new PullsInProgress();

  constructor(
    readonly url: string,
    private readonly apiKey?: string,
    /** OWNCHAT_INSECURE_REGISTRIES: the only hosts a pull may reach over plain HTTP. */
    readonly insecureRegistries: readonly string[] = [],
  ) {
    this.shared = this.client();
  }

  /** A client for one answer or pull: aborting `signal` aborts its request, and only its request. */
  client(signal?: AbortSignal): Ollama {
    const untimed = this.untimed.fetch;
    const f = ((input: string | URL, init?: RequestInit) =>
      untimed(input, {
        ...init,
        signal: signal && init?.signal ? AbortSignal.any([signal, init.signal]) : (signal ?? init?.signal),
      })) as typeof fetch;
    return new Ollama({
      host: this.url,
      fetch: f,
      ...(this.apiKey && { headers: { Authorization: `Bearer ${this.apiKey}` } }),
    });
  }

  /**
   * The llm-manager's /metrics, as text (the API key sent where one is set). Throws, in the client's manner
   * (`status_code` and `error`), when it answers with an error: a real Ollama has no /metrics (404).
   */
  async metricsText(signal: AbortSignal): Promise<string> {
    // Beside the API, also when OLLAMA_HOST has a path (a proxy that serves the llm-manager under /ollama/).
    const res = await this.untimed.fetch(
      new URL('metrics', this.url.endsWith('/') ? this.url : `${this.url}/`),
      {
        signal,
        ...(this.apiKey && { headers: { authorization: `Bearer ${this.apiKey}` } }),
      },
    );
    const text = await res.text();
    if (!res.ok) {
      // The llm-manager's errors are {"error": "..."}; Ollama's 404 is plain text.
      let error = text.trim();
      try {
        error = (JSON.parse(text) as { error?: string }).error ?? error;
      } catch {}
      throw Object.assign(new Error(error), { status_code: res.status, error });
    }
    return text;
  }

  async list(): Promise<ModelsList> {
    const models = (await this.shared.list()).models;
    for (const m of models) this.familyOf.set(modelKey(m.name), m.details?.family ?? '');
    return models;
  }

  /**
   * The `think` to send for a conversation's setting: false and true as they are; a level only to a model whose
   * thinking takes one (a model the last /api/tags listed as gpt-oss, or named so). To another model a level would
   * mean "think", and a model that cannot think refuses that with 400, so it is not sent: the conversation keeps
   * its level for when its model changes back. undefined: leave it to the model.
   */
  thinkFor(model: string, think: ConversationOptions['think']): boolean | ThinkLevel | undefined {
    if (think === false) return false;
    if (!isThinkLevel(think)) return undefined;
    return takesThinkLevels({ name: model, family: this.familyOf.get(modelKey(model)) }) ? think : undefined;
  }

  /**
   * What a model can do (/api/show's `capabilities`), read once per model: /api/tags lists them on Ollama and
   * ownchat, but older servers leave them out. Keyed by digest, so a re-pulled model is read again. Empty when the
   * server cannot say: the page then offers no Think switch, which is the safe side.
   */
  async capabilities(m: { name: string; digest: string; capabilities?: string[] }): Promise<string[]> {
    if (m.capabilities) return m.capabilities;
    const key = `${m.name}@${m.digest}`;
    let known = this.capabilitiesOf.get(key);
    if (!known) {
      known = this.shared.show({ model: m.name }).then(
        (r) => r.capabilities ?? [],
        () => {
          this.capabilitiesOf.delete(key);
          return [];
        },
      );
      this.capabilitiesOf.set(key, known);
    }
    return known;
  }

  /**
   * Whether a model reads images (its `vision` capability, from /api/show, asked each time: only questions that
   * involve images ask). undefined when the server cannot say (no such model: the answer then fails as it would).
   */
  async readsImages(model: string): Promise<boolean | undefined> {
    try {
      return ((await this.shared.show({ model })).capabilities ?? []).includes('vision');
    } catch {
      return undefined;
    }
  }

  /** What is loaded; `signal` bounds the wait (the status poller's timeout). */
  async ps(signal?: AbortSignal): Promise<RunningList> {
    const running = (await (signal ? this.client(signal) : this.shared).ps()).models;
    this.loadedUntil.clear();
    for (const m of running) {
      // Ollama sends a string, whatever the client's types say; a model kept loaded for ever may have none.
      const until = Date.parse(String(m.expires_at ?? ''));
      this.loadedUntil.set(m.name, Number.isNaN(until) ? Number.POSITIVE_INFINITY : until);
    }
    return running;
  }

  /** Whether the last /api/ps listed `model` as loaded, and its keep-alive has not run out since. */
  lastSaidLoaded(model: string): boolean {
    for (const [name, until] of this.loadedUntil) if (sameModel(name, model)) return until > Date.now();
    return false;
  }

  async delete(model: string): Promise<void> {
    await this.shared.delete({ model });
  }

  close(): Promise<void> {
    return this.untimed.close();
  }
}

/** Where a loaded model runs, from /api/ps: size_vram is the part of its memory on the GPU. */
export function placementOf(size: number, sizeVram: number): Placement {
  if (!sizeVram || sizeVram <= 0) return { kind: 'cpu', gpuPercent: 0, text: 'CPU' };
  const gpuPercent = size > 0 ? Math.min(100, Math.round((sizeVram / size) * 100)) : 100;
  if (gpuPercent >= 100) return { kind: 'gpu', gpuPercent: 100, text: 'GPU' };
  return { kind: 'split', gpuPercent, text: `${gpuPercent}% GPU / ${100 - gpuPercent}% CPU` };
}

export type ProblemKind =
  | 'unreachable'
  | 'model-missing'
  | 'pull-failed'
  | 'cut-off'
  | 'busy'
  | 'refused'
  | 'failed';

/**
 * What the chatbot asks the llm-manager to pull. A name pasted into the page must not make the server fetch over
 * plain HTTP from whatever host it names on its network: `insecure` is asked only for a name spelled http://
 * whose registry the operator listed in OWNCHAT_INSECURE_REGISTRIES (insecurePullRefusal turns the others away).
 */
export function pullRequest(
  model: string,
  insecureRegistries: readonly string[] = [],
): { model: string; stream: true; insecure?: true } {
  const name = model.trim();
  return plainHttpHost(name) && insecurePullRefusal(name, insecureRegistries) === undefined
    ? { model: name, stream: true, insecure: true }
    : { model: name, stream: true };
}

/** Why the chatbot will not pull this name, if it will not: plain HTTP to a registry nobody listed. */
export function insecurePullRefusal(
  model: string,
  insecureRegistries: readonly string[] = [],
): string | undefined {
  const host = plainHttpHost(model.trim());
  if (host === undefined || insecureRegistries.includes(host)) return undefined;
  return `the chatbot does not pull from ${host} over plain HTTP: an operator can allow it (OWNCHAT_INSECURE_REGISTRIES=${host}) or pull it with "ownchat pull --insecure"`;
}

/** The host[:port] of a name spelled http://host[:port]/…, lower-cased; undefined for any other name. */
function plainHttpHost(name: string): string | undefined {
  const m = /^http:\/\/([^/]+)/i.exec(name);
  return m ? m[1]!.toLowerCase() : undefined;
}

/** Why a pull failed, in the llm-manager's own words, or the plain fact that it cannot pull at all. */
export function pullFailure(e: unknown, url: string): string {
  const text = String((e as { error?: string }).error ?? (e as Error)?.message ?? e);
  if ((e as { status_code?: number }).status_code === 404 && /page not found/i.test(text)) {
    return `the llm-manager at ${url} cannot pull models (it has no /api/pull)`;
  }
  return text;
}

/** A pull the llm-manager started and could not finish; `reason` is its own words. */
export class PullError extends Error {
  override name = 'PullError';
  constructor(
    readonly model: string,
    readonly reason: string,
  ) {
    super(`pulling ${model} failed: ${reason}`);
  }
}
export type Problem = { kind: ProblemKind; message: string; status: number };

const NETWORK_REASONS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host not found',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ETIMEDOUT: 'timed out',
  ECONNRESET: 'connection reset',
  UND_ERR_SOCKET: 'connection closed',
  UND_ERR_CONNECT_TIMEOUT: 'connect timed out',
};

function networkReason(e: unknown): string | undefined {
  let cur: unknown = e;
  for (let depth = 0; cur && depth < 4; depth++) {
    const code = (cur as { code?: string }).code;
    if (code && NETWORK_REASONS[code]) return NETWORK_REASONS[code];
    cur = (cur as { cause?: unknown }).cause;
  }
  const text = String((e as Error)?.message ?? e);
  if (text === 'fetch failed' || text === 'terminated') return 'connection lost';
  return undefined;
}

/**
 * Says what went wrong talking to the llm-manager, in plain words. `midStream`: text had started to arrive, so a
 * lost connection means the answer was cut off rather than never begun.
 */
export function describeProblem(
  e: unknown,
  ctx: { url: string; model?: string; midStream?: boolean },
): Problem {
  if (e instanceof PullError) {
    return { kind: 'pull-failed', status: 502, message: `Could not pull "${e.model}": ${e.reason}` };
  }
  const status = (e as { status_code?: number }).status_code;
  const text = String((e as { error?: string }).error ?? (e as Error)?.message ?? e);
  const network = networkReason(e);
  if (network || /Did not receive done/.test(text)) {
    if (ctx.midStream) {
      return {
        kind: 'cut-off',
        status: 502,
        message: `The answer was cut off: the connection to the llm-manager at ${ctx.url} was lost (${network ?? 'the stream ended early'}). What arrived is kept; press Retry when it is back.`,
      };
    }
    return {
      kind: 'unreachable',
      status: 502,
      message: `Cannot reach the llm-manager at ${ctx.url} (${network ?? 'no answer'}). Is it running? "ownchat up" starts it; OLLAMA_HOST tells the chatbot where it is.`,
    };
  }
  if (status === 404 && /not found/i.test(text) && ctx.model) {
    return {
      kind: 'model-missing',
      status: 404,
      message: `The model "${ctx.model}" is not on the llm-manager. Choose another model, or pull it from the model menu.`,
    };
  }
  if (status === 503) {
    return { kind: 'busy', status: 503, message: `The llm-manager is busy: ${text}. Try again in a moment.` };
  }
  if (status === 401) {
    return {
      kind: 'refused',
      status: 502,
      message: `The llm-manager refused the chatbot (${status}: ${text}). Check OWNCHAT_API_KEY.`,
    };
  }
  // The request itself was wrong or not allowed (a bad option, a body too large, a model the pull allow-list
  // omits): the user's to fix, so it stays a 4xx with the llm-manager's words, not a 502.
  if (status !== undefined && status >= 400 && status < 500 && status !== 499) {
    return { kind: 'failed', status, message: `The llm-manager refused the request (${status}): ${text}` };
  }
  return {
    kind: 'failed',
    status: 502,
    message: ctx.midStream
      ? `The answer was cut off: the llm-manager reported an error (${text}). What arrived is kept; press Retry to try again.`
      : `The llm-manager could not answer: ${text}`,
  };
}
