// `ownchat push MODEL`: uploads a model from the server's store to its registry through /api/push and shows the
// progress on stderr as `pull` does (the stream has the same shape: "pushing <12 hex>" lines per layer).
import { applyPullEvent, emptyPull, type PullEvent } from '@ownchat/chat/shared';
import { Command } from 'commander';
import type { Connection } from './client.ts';
import { clientAction } from './clientAction.ts';
import { CliError } from './errors.ts';
import { progressView } from './progressView.ts';

export function pushCommand(): Command {
  return new Command('push')
    .description('Upload a model to a registry (its name says which: host/namespace/model:tag)')
    .argument('<model>', 'model name, e.g. registry.example.com/team/model:v1 (ownchat cp to name it first)')
    .option('--insecure', 'allow a registry on plain http')
    .action(clientAction(push));
}

async function push(conn: Connection, model: string, opts: { insecure?: boolean }): Promise<void> {
  const view = progressView();
  let state = emptyPull;
  try {
    const stream = await conn.client.push({ model, insecure: opts.insecure, stream: true });
    for await (const event of stream) {
      state = applyPullEvent(state, event as PullEvent, Date.now());
      view.update(state);
    }
  } catch (e) {
    view.stop(state);
    throw pushError(model, e);
  }
  view.stop(state);
}

/** The server's push errors, with what to do about them. */
function pushError(model: string, e: unknown): unknown {
  const message = (e as Error)?.message ?? '';
  const status = (e as { status_code?: number }).status_code;
  if (/not found/i.test(message) && !/page not found/i.test(message)) {
    return new CliError(
      `cannot push '${model}': the server has no such model (${message}); name it first with ownchat cp SOURCE ${model}`,
    );
  }
  if (status === 404)
    return new CliError(`cannot push '${model}': this server has no /api/push (${message})`);
  if (status === undefined && message && !(e as { cause?: unknown }).cause) {
    return new CliError(`cannot push '${model}': ${message}`);
  }
  return e;
}
