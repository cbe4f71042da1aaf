// `ownchat pull`'s error wording. The progress it draws is tested in pullProgress.test.ts; the whole verb
// against a registry joins these tests with the server's /api/pull.
import { describe, expect, it } from 'vitest';
import { CliError, explain } from './errors.ts';
import { pullError } from './pull.ts';

class ResponseError extends Error {
  constructor(
    message: string,
    readonly status_code: number,
  ) {
    super(message);
  }
}

describe('pull errors', () => {
  it('says a model the registry does not have is not there, and what to check', () => {
    // The server streams this as the last line (status 200), and ollama-js throws it as a plain Error.
    const e = pullError('qwen9:1b', new Error('pull model manifest: file does not exist'));
    expect(e).toBeInstanceOf(CliError);
    expect(explain(e)).toBe(
      "cannot pull 'qwen9:1b': the registry has no such model (pull model manifest: file does not exist); check the name and tag (e.g. qwen2.5:0.5b)",
    );
  });

  it('says when the server has no /api/pull (an older llm-manager)', () => {
    expect(explain(pullError('m', new ResponseError('404 page not found', 404)))).toBe(
      "cannot pull 'm': this server has no /api/pull (404 page not found)",
    );
  });

  it("passes on other failures in the stream with the model's name", () => {
    expect(explain(pullError('m', new Error('digest mismatch, file must be downloaded again')))).toBe(
      "cannot pull 'm': digest mismatch, file must be downloaded again",
    );
  });

  it('leaves connection failures and HTTP errors to the common wording', () => {
    const down = Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } });
    expect(pullError('m', down)).toBe(down);
    const busy = new ResponseError('server busy', 503);
    expect(pullError('m', busy)).toBe(busy);
  });
});

describe('refusals', () => {
  it('asks for an API key on 401, and passes on the reason of a 403 that a key would not lift', () => {
    const url = 'http://127.0.0.1:11434';
    expect(explain(new ResponseError('unauthorized', 401), { url })).toBe(
      `the server at ${url} refused the request (401: unauthorized): set OWNCHAT_API_KEY to a key it accepts`,
    );
    const refused = new ResponseError("model 'llama3' is not in OWNCHAT_PULL_ALLOW", 403);
    expect(explain(pullError('llama3', refused), { url })).toBe(
      `the server at ${url} refused the request (403: model 'llama3' is not in OWNCHAT_PULL_ALLOW)`,
    );
  });
});
