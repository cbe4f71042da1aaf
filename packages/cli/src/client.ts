// The one way ownchat talks to a server (ours or a real Ollama): the official `ollama` client, on a fetch whose
// timeouts are off and which carries the API key. Every client verb, and the tests, get their client here.

import { untimedFetch } from '@ownchat/chat/shared';
import { type ClientConfig, clientUrl, readClientConfig } from '@ownchat/manager/for-clients';
import { Ollama } from 'ollama';

export type Connection = {
  /** The server's base URL, as a user reads it in messages ("http://127.0.0.1:11434"). */
  url: string;
  client: Ollama;
  /** A fetch for the routes the client does not cover (blob uploads), with the same headers and timeouts. */
  fetch: typeof fetch;
  debug: boolean;
};

/** Connects to OLLAMA_HOST with OWNCHAT_API_KEY, as the environment says. */
export function connect(config: ClientConfig = readClientConfig()): Connection {
  return { ...createClient(clientUrl(config.host), config.apiKey), debug: config.debug };
}

export function createClient(
  url: string,
  apiKey?: string,
): { url: string; client: Ollama; fetch: typeof fetch } {
  // Node's fetch gives up after 300 s without headers or body; a model load or a queue wait can take longer.
  const untimed = untimedFetch().fetch;
  const auth: Record<string, string> = apiKey ? { authorization: `Bearer ${apiKey}` } : {};
  const f = (async (input: string | URL, init?: RequestInit) => {
    const headers = { ...normalize(init?.headers), ...auth };
    return jsonErrors(await untimed(input, { ...init, headers }));
  }) as unknown as typeof fetch;
  return { url, client: new Ollama({ host: url, fetch: f }), fetch: f };
}

function normalize(h: RequestInit['headers']): Record<string, string> {
  if (!h) return {};
  if (h instanceof Headers || Array.isArray(h)) return Object.fromEntries(new Headers(h).entries());
  return h as Record<string, string>;
}

/**
 * ollama-js console.logs to stdout when an error body is not JSON (a proxy's 502 page, a plain 404), which
 * would corrupt a script's --json output: such bodies become Ollama's {"error": "..."} here.
 */
async function jsonErrors(res: Response): Promise<Response> {
  if (res.ok || res.headers.get('content-type')?.includes('application/json')) return res;
  const text = (await res.text()).trim() || res.statusText;
  return new Response(JSON.stringify({ error: text }), {
    status: res.status,
    statusText: res.statusText,
    headers: { 'content-type': 'application/json' },
  });
}
