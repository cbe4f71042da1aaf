// `ownchat list` (or `ls`): the models in the store, newest first, as `ollama list` prints them.

import { shortDigest } from '@ownchat/chat/shared';
import { Command } from 'commander';
import type { Connection } from './client.ts';
import { clientAction } from './clientAction.ts';
import { printJson } from './printJson.ts';
import { table } from './table.ts';
import { humanBytes, humanTime } from './units.ts';

export function listCommand(): Command {
  return new Command('list')
    .alias('ls')
    .description('List the models in the store')
    .argument('[prefix]', 'only the models whose name starts with this')
    .option('--json', "print the server's answer (GET /api/tags) as JSON, for scripts")
    .action(clientAction(list));
}

async function list(conn: Connection, prefix: string | undefined, opts: { json?: boolean }): Promise<void> {
  const res = await conn.client.list();
  const p = prefix?.toLowerCase() ?? '';
  const models = res.models.filter((m) => m.name.toLowerCase().startsWith(p));
  if (opts.json) return printJson({ ...res, models });
  const rows = models.map((m) => [
    m.name,
    shortDigest(m.digest),
    humanBytes(m.size),
    humanTime(m.modified_at as unknown as string),
  ]);
  process.stdout.write(table(rows, ['NAME', 'ID', 'SIZE', 'MODIFIED']));
}
