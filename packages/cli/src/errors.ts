// How a failing verb ends: exit status 1 and ONE line on stderr that says what to do about it (the whole error
// with its stack only when OWNCHAT_DEBUG=1). Verbs throw; this is the one place that words what they threw.
import { ConfigError } from '@ownchat/manager/for-clients';

/** An error whose message is already what the user should read (it says what to do). */
export class CliError extends Error {
  override name = 'CliError';
}

/** What the verb was doing when it failed, so the message can name it. */
export type FailureContext = { url?: string };

/** The one line (without "ownchat: ") a user reads for an error. */
export function explain(e: unknown, ctx: FailureContext = {}): string {
  if (e instanceof CliError || e instanceof ConfigError) return e.message;
  const err = e as { message?: string; status_code?: number; cause?: unknown };
  const message = String(err?.message ?? e);
  const down = connectionFailure(e);
  if (down) {
    return `cannot reach the llm-manager at ${ctx.url ?? 'OLLAMA_HOST'} (${down}): start it with \`ownchat serve\`, or set OLLAMA_HOST to the address of a running ownchat or Ollama`;
  }
  const status = err?.status_code;
  const missing = /model ['"]([^'"]+)['"] not found/.exec(message);
  if (missing) {
    const name = missing[1]!;
    return `model '${name}' not found: download it with \`ownchat pull ${name}\` (\`ownchat list\` shows the models you have)`;
  }
  if (status === 401) {
    return `the server at ${ctx.url} refused the request (401: ${message}): set OWNCHAT_API_KEY to a key it accepts`;
  }
  // 403 is a refusal the key does not lift (a pull allow-list, a role): the server's message says why.
  if (status === 403) return `the server at ${ctx.url} refused the request (403: ${message})`;
  if (status === 503) return `the server is busy (${message}): try again in a moment`;
  if (typeof status === 'number') return `the server at ${ctx.url} answered ${status}: ${message}`;
  return message;
}

/** A connection-level failure (the server is not there), worded as its system error code. */
function connectionFailure(e: unknown): string | undefined {
  for (let c: unknown = e, depth = 0; c && depth < 5; c = (c as { cause?: unknown }).cause, depth++) {
    const code = (c as { code?: unknown }).code;
    if (typeof code === 'string') {
      const known: Record<string, string> = {
        ECONNREFUSED: 'connection refused',
        ENOTFOUND: 'no such host',
        EAI_AGAIN: 'no such host',
        ECONNRESET: 'connection reset',
        EHOSTUNREACH: 'host unreachable',
        ENETUNREACH: 'network unreachable',
        ETIMEDOUT: 'connection timed out',
        UND_ERR_CONNECT_TIMEOUT: 'connection timed out',
        UND_ERR_SOCKET: 'connection closed',
      };
      if (known[code]) return known[code];
    }
  }
  // Any other failure of fetch itself (not an HTTP answer): say what undici says.
  const err = e as { message?: string; cause?: { message?: string } };
  if (err?.message === 'fetch failed') return err.cause?.message ?? 'no answer';
  return undefined;
}

/** Prints the failure as one line (or the whole error under OWNCHAT_DEBUG) and exits with status 1. */
export function fail(e: unknown, ctx: FailureContext & { debug?: boolean }): never {
  process.stderr.write(`ownchat: ${explain(e, ctx)}\n`);
  if (ctx.debug) process.stderr.write(`${withCauses(e)}\n`);
  process.exit(1);
}

/**
 * The error's stack, then each cause's. Where fetch failed, the cause is what failed (a refused connection, a
 * certificate): on Node.js 24 the `fetch failed` TypeError through our Agent carries no frames of its own.
 */
function withCauses(e: unknown): string {
  const parts: string[] = [];
  let at: unknown = e;
  for (let depth = 0; at !== undefined && at !== null && depth < 5; depth++) {
    const text = (at as Error).stack ?? String(at);
    parts.push(depth ? `caused by: ${text}` : text);
    at = (at as { cause?: unknown }).cause;
  }
  return parts.join('\n');
}
