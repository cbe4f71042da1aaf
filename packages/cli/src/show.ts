// `ownchat show MODEL`: what a model is (architecture, size, context, quantization, capabilities, parameters,
// system prompt, license) as `ollama show` prints it; one flag prints one part raw, --json the whole answer.
import { Command } from 'commander';
import type { ShowResponse } from 'ollama';
import type { Connection } from './client.ts';
import { clientAction } from './clientAction.ts';
import { CliError } from './errors.ts';
import { printJson } from './printJson.ts';
import { table } from './table.ts';

const PARTS = ['modelfile', 'template', 'parameters', 'system', 'license'] as const;
type Part = (typeof PARTS)[number];
type ShowOptions = Partial<Record<Part | 'json', boolean>>;

export function showCommand(): Command {
  return new Command('show')
    .description('Show information for a model')
    .argument('<model>', 'model name')
    .option('--modelfile', 'print its Modelfile')
    .option('--template', 'print its prompt template')
    .option('--parameters', 'print its parameters')
    .option('--system', 'print its system prompt')
    .option('--license', 'print its license')
    .option('--json', "print the server's whole answer (POST /api/show) as JSON, for scripts")
    .action(clientAction(show));
}

async function show(conn: Connection, model: string, opts: ShowOptions): Promise<void> {
  const chosen = PARTS.filter((p) => opts[p]);
  if (chosen.length + (opts.json ? 1 : 0) > 1) {
    throw new CliError(
      'give only one of --modelfile, --template, --parameters, --system, --license or --json',
    );
  }
  const res = await conn.client.show({ model });
  if (opts.json) return printJson(res);
  const part = chosen[0];
  if (part) {
    const text = (res as unknown as Record<string, string | undefined>)[part] ?? '';
    process.stdout.write(text.endsWith('\n') || !text ? text : `${text}\n`);
    return;
  }
  process.stdout.write(showInfo(res));
}

/** Ollama's default `show` view: a titled, indented two-column table per section. */
export function showInfo(res: ShowResponse): string {
  // Typed as a Map by ollama-js, but JSON gives a plain object.
  const info = (res.model_info ?? {}) as unknown as Record<string, unknown>;
  const arch =
    typeof info['general.architecture'] === 'string' ? (info['general.architecture'] as string) : '';
  const out: string[] = [];
  const section = (title: string, rows: string[][]) => {
    if (rows.length) out.push(`  ${title}\n${table(rows.map((r) => ['', ...r]))}\n`);
  };

  const model: string[][] = [['architecture', arch || res.details?.family || '']];
  model.push(['parameters', res.details?.parameter_size || humanCount(info['general.parameter_count'])]);
  for (const [key, label] of [
    ['context_length', 'context length'],
    ['embedding_length', 'embedding length'],
  ] as const) {
    const v = info[`${arch}.${key}`];
    if (typeof v === 'number') model.push([label, String(v)]);
  }
  model.push(['quantization', res.details?.quantization_level ?? '']);
  section('Model', model);
  section(
    'Capabilities',
    ((res as { capabilities?: string[] }).capabilities ?? []).map((c) => [c]),
  );
  section(
    'Parameters',
    (res.parameters ?? '')
      .split('\n')
      .filter((l) => l.trim())
      .map((l) => {
        const [key = '', ...value] = l.trim().split(/\s+/);
        return [key, value.join(' ')];
      }),
  );
  section('System', head(res.system, 2));
  section('License', head(res.license, 2));
  return out.join('');
}

/** The first n non-empty lines, then "..." if there were more. */
function head(text: string | undefined, n: number): string[][] {
  const lines = (text ?? '')
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  const rows = lines.slice(0, n).map((l) => [l]);
  if (lines.length > n) rows.push(['...']);
  return rows;
}

/** Ollama's format.HumanNumber: 494032768 → "494.03M". */
function humanCount(v: unknown): string {
  if (typeof v !== 'number') return '';
  for (const [size, unit] of [
    [1e12, 'T'],
    [1e9, 'B'],
    [1e6, 'M'],
    [1e3, 'K'],
  ] as const) {
    if (v >= size) return `${Number((v / size).toFixed(2))}${unit}`;
  }
  return String(v);
}
