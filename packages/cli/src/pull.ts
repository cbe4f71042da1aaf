// `ownchat pull MODEL`: downloads a model through the server's /api/pull and shows its progress on stderr, as
// `ollama pull` does (progressView.ts).

import { applyPullEvent, emptyPull, type PullEvent } from '@ownchat/chat/shared';
import { Command } from 'commander';
import type { Connection } from './client.ts';
import { clientAction } from './clientAction.ts';
import { CliError } from './errors.ts';
import { progressView } from './progressView.ts';

export function pullCommand(): Command {
  return new Command('pull')
    .description('Download a model from a registry (registry.ollama.ai, hf.co, or any OCI registry)')
    .argument('<model>', 'model name, e.g. qwen2.5:0.5b or hf.co/user/repo:Q4_K_M')
    .option('--insecure', 'allow a registry on plain http or with an unverified certificate')
    .action(clientAction(pull));
}

async function pull(conn: Connection, model: string, opts: { insecure?: boolean }): Promise<void> {
  const view = progressView();
  let state = emptyPull;
  try {
    const stream = await conn.client.pull({ model, insecure: opts.insecure, stream: true });
    for await (const event of stream) {
      state = applyPullEvent(state, event as PullEvent, Date.now());
      view.update(state);
    }
  } catch (e) {
    view.stop(state);
    throw pullError(model, e);
  }
  view.stop(state);
}

/** The server's pull errors, with what to do about them. */
export function pullError(model: string, e: unknown): unknown {
  const message = (e as Error)?.message ?? '';
  const status = (e as { status_code?: number }).status_code;
  if (/file does not exist|manifest unknown|name unknown|not found/i.test(message) && status !== 404) {
    return new CliError(
      `cannot pull '${model}': the registry has no such model (${message}); check the name and tag (e.g. qwen2.5:0.5b)`,
    );
  }
  if (status === 404 && /page not found/i.test(message)) {
    return new CliError(`cannot pull '${model}': this server has no /api/pull (${message})`);
  }
  if (status === undefined && message && !(e as { cause?: unknown }).cause) {
    return new CliError(`cannot pull '${model}': ${message}`);
  }
  return e;
}
