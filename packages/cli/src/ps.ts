// `ownchat ps`: the models loaded now, where they run (GPU, CPU or split) and until when, as `ollama ps`.

import { shortDigest } from '@ownchat/chat/shared';
import { Command } from 'commander';
import type { Connection } from './client.ts';
import { clientAction } from './clientAction.ts';
import { printJson } from './printJson.ts';
import { table } from './table.ts';
import { humanBytes, humanTime } from './units.ts';

export function psCommand(): Command {
  return new Command('ps')
    .description('List the models loaded now, where they run (GPU, CPU or both) and until when')
    .argument('[prefix]', 'only the models whose name starts with this')
    .option('--json', "print the server's answer (GET /api/ps) as JSON, for scripts")
    .action(clientAction(ps));
}

/** Ollama's PROCESSOR column: the share of the model's memory on the GPU and on the CPU. */
export function processor(size: number, sizeVram: number): string {
  if (sizeVram === 0) return '100% CPU';
  if (sizeVram === size) return '100% GPU';
  if (sizeVram > size || size === 0) return 'Unknown';
  const cpu = Math.round(((size - sizeVram) / size) * 100);
  return `${cpu}%/${100 - cpu}% CPU/GPU`;
}

/** Ollama's UNTIL column: when the model unloads, relative to now. */
export function until(expiresAt: string | undefined, now = Date.now()): string {
  const t = expiresAt ? Date.parse(expiresAt) : Number.NaN;
  if (Number.isFinite(t) && t < now) return 'Stopping...';
  return humanTime(expiresAt, 'Never', now);
}

async function ps(conn: Connection, prefix: string | undefined, opts: { json?: boolean }): Promise<void> {
  const res = await conn.client.ps();
  const models = res.models.filter((m) => m.name.startsWith(prefix ?? ''));
  if (opts.json) return printJson({ ...res, models });
  const rows = models.map((m) => [
    m.name,
    shortDigest(m.digest),
    humanBytes(m.size),
    processor(m.size, m.size_vram),
    String((m as { context_length?: number }).context_length ?? ''),
    until(m.expires_at as unknown as string),
  ]);
  process.stdout.write(table(rows, ['NAME', 'ID', 'SIZE', 'PROCESSOR', 'CONTEXT', 'UNTIL']));
}
