// `ownchat stop MODEL`: unloads a model now, as `ollama stop` does (an empty generate with keep_alive 0).
import { Command } from 'commander';
import type { Ollama } from 'ollama';
import type { Connection } from './client.ts';
import { clientAction } from './clientAction.ts';

export function stopCommand(): Command {
  return new Command('stop')
    .description('Unload a running model, freeing its memory')
    .argument('<model>', 'model name, as `ownchat ps` shows it')
    .action(clientAction((conn: Connection, model: string) => unload(conn.client, model)));
}

export async function unload(client: Ollama, model: string): Promise<void> {
  await client.generate({ model, prompt: '', keep_alive: 0 });
}
