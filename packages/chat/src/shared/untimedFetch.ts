// Node's own fetch with its timeouts off, for the chatbot's and the ownchat command's clients of the llm-manager.
//
// Why: Node's fetch gives up after 300 s without headers or between two chunks of a body, and a model load or a
// queue wait can take longer. The usual fix is the npm `undici` package's Agent, but that is a second copy of
// what Node's fetch is built on, and loading it cost the chatbot about 16 MiB of its idle memory (bench/README.md).
// Node does not export its fetch's Agent class, but the dispatcher every fetch uses by default is one: its
// constructor makes another Agent of the same undici, with the timeouts we ask for, and Node's fetch takes it as
// the `dispatcher` option as the npm package's fetch does.

type Dispatcher = { close(): Promise<void> };
/** Milliseconds; 0 is no limit. */
export type FetchTimeouts = { headersTimeout: number; bodyTimeout: number };
type AgentClass = new (opts: FetchTimeouts) => Dispatcher;

/** Where Node's undici keeps its default dispatcher (undici's lib/global.js). */
const GLOBAL_DISPATCHER = Symbol.for('undici.globalDispatcher.1');

let agentClass: Promise<AgentClass> | undefined;

/** Node's own undici Agent class, once its fetch is loaded (loading happens on the first call of fetch). */
function nodeAgentClass(): Promise<AgentClass> {
  agentClass ??= (async () => {
    // A data: URL needs no network; the call only makes Node load its fetch, which sets the default dispatcher.
    await (await fetch('data:,')).arrayBuffer();
    const dispatcher = (globalThis as Record<symbol, unknown>)[GLOBAL_DISPATCHER];
    if (!dispatcher || typeof dispatcher !== 'object') {
      throw new Error("Node's fetch has no default dispatcher: this Node version is not supported");
    }
    return dispatcher.constructor as AgentClass;
  })();
  return agentClass;
}

export type UntimedFetch = {
  /** Node's fetch through an Agent whose header and body timeouts are off. */
  fetch: typeof fetch;
  /** Closes the Agent's connections (a server that stops). */
  close: () => Promise<void>;
};

/** A fetch whose header and body timeouts are off; its connections are pooled in one Agent of its own. */
export function untimedFetch(): UntimedFetch {
  return fetchWithTimeouts({ headersTimeout: 0, bodyTimeout: 0 });
}

/** Node's fetch with these timeouts (tests show with short ones that the Agent is the one that answers). */
export function fetchWithTimeouts(timeouts: FetchTimeouts): UntimedFetch {
  let agent: Promise<Dispatcher> | undefined;
  const dispatcher = () => {
    agent ??= nodeAgentClass().then((Agent) => new Agent(timeouts));
    return agent;
  };
  const f = (async (input: string | URL | Request, init?: RequestInit) =>
    fetch(input, { ...init, dispatcher: await dispatcher() } as RequestInit)) as typeof fetch;
  return {
    fetch: f,
    close: async () => {
      if (agent) await (await agent).close();
    },
  };
}
