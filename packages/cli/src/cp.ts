// `ownchat cp SOURCE DESTINATION`: a second name for a model (the blobs are shared, nothing is copied).
import { Command } from 'commander';
import type { Connection } from './client.ts';
import { clientAction } from './clientAction.ts';

export function cpCommand(): Command {
  return new Command('cp')
    .description('Copy a model under a new name')
    .argument('<source>', 'an existing model')
    .argument('<destination>', 'the new name')
    .action(clientAction(cp));
}

async function cp(conn: Connection, source: string, destination: string): Promise<void> {
  await conn.client.copy({ source, destination });
  process.stdout.write(`copied '${source}' to '${destination}'\n`);
}
