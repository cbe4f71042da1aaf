// `ownchat rm MODEL...`: unloads each model if it runs, then deletes it (blobs no other model uses go too).
import { Command } from 'commander';
import type { Connection } from './client.ts';
import { clientAction } from './clientAction.ts';
import { unload } from './stop.ts';

export function rmCommand(): Command {
  return new Command('rm')
    .description('Remove models from the store')
    .argument('<models...>', 'model names, as `ownchat list` shows them')
    .action(clientAction(rm));
}

async function rm(conn: Connection, models: string[]): Promise<void> {
  for (const model of models) {
    // Unload first, as Ollama does, so a running model's memory goes with it; a model that is not there fails
    // the delete below with the message that says so.
    await unload(conn.client, model).catch(() => {});
    await conn.client.delete({ model });
    process.stdout.write(`deleted '${model}'\n`);
  }
}
