// The set-up most integration tests share: a temporary folder, test models written into it, a real llm-manager
// process (`ownchat serve`) with those models imported under the names the tests use; and the matching tear-down.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { importModel, type ManagerProcess, startManagerProcess } from './managerProcess.ts';
import {
  type DeterministicModelOptions,
  type ModelShape,
  writeDeterministicModel,
  writeRandomModel,
} from './models.ts';

/**
 * A model to import: `det` answers DETERMINISTIC_ANSWER, or what `options` say (seed: other weights, so a runner
 * of its own); `chatty` has random weights and a wide vocabulary, which makes <|im_end|> rare: it keeps talking
 * until it is stopped; `random` has random weights of the shape `shape` gives (TINY's otherwise).
 */
export type TestModel = {
  kind: 'det' | 'chatty' | 'random';
  /** The weights' seed (for `det`, its shape's seed). */
  seed?: number;
  /** `det` only: what writeDeterministicModel takes (sentence, continuations, tokens, …). */
  options?: DeterministicModelOptions;
  /** `chatty` and `random`: shape overrides (vocab, seed, …); chatty's defaults are vocab 32000, seed 7. */
  shape?: Partial<ModelShape>;
  /** What the model is imported with, as `ollama create` takes it. */
  template?: string;
  system?: string;
  parser?: string;
  /** The built-in renderer that writes its prompts (Ollama's `renderer`: "qwen3-coder", "gemma4", …). */
  renderer?: string;
  /** Modelfile parameters the model is imported with (e.g. temperature 0, num_predict). */
  parameters?: Record<string, unknown>;
};

export type ManagerWithModels = {
  /** The manager; a test may stop it and serve its store (`manager.modelsDir`) with managers of its own. */
  manager: ManagerProcess;
  /** The temporary folder the models were written to; removed by stop(). */
  dir: string;
  /** Each model's GGUF file, by the name it was imported as. */
  files: Record<string, string>;
  /** Stops the manager and removes the models' folder and the manager's model store. */
  stop: () => Promise<void>;
};

/** What is written for a model: the writer and its arguments (equal specs, one file). */
type FileSpec =
  | { writer: 'det'; options: DeterministicModelOptions }
  | { writer: 'random'; shape: Partial<ModelShape> };

function fileSpec(model: TestModel): FileSpec {
  const seed = model.seed === undefined ? {} : { seed: model.seed };
  if (model.kind === 'det') {
    const options = model.options ?? {};
    if (model.seed === undefined) return { writer: 'det', options };
    return { writer: 'det', options: { ...options, shape: { ...options.shape, ...seed } } };
  }
  const defaults = model.kind === 'chatty' ? { vocab: 32000, seed: 7 } : {};
  return { writer: 'random', shape: { ...defaults, ...model.shape, ...seed } };
}

/** Writes the models (each distinct file once), starts an llm-manager and imports them under their names. */
export async function startManagerWithModels(
  models: Record<string, TestModel['kind'] | TestModel>,
  opts: { env?: Record<string, string>; prefix?: string } = {},
): Promise<ManagerWithModels> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), `ownchat-${opts.prefix ?? 'test'}-`));
  const written = new Map<string, string>();
  const files: Record<string, string> = {};
  const resolved = Object.entries(models).map(
    ([name, m]) => [name, typeof m === 'string' ? { kind: m } : m] as const,
  );
  for (const [name, model] of resolved) {
    const spec = fileSpec(model);
    const key = JSON.stringify(spec);
    let file = written.get(key);
    if (!file) {
      file = path.join(dir, `${model.kind}-${written.size + 1}.gguf`);
      if (spec.writer === 'det') await writeDeterministicModel(file, spec.options);
      else await writeRandomModel(file, spec.shape);
      written.set(key, file);
    }
    files[name] = file;
  }
  const manager = await startManagerProcess(opts.env ? { env: opts.env } : {});
  for (const [name, { template, system, parser, renderer, parameters }] of resolved) {
    const extra = Object.fromEntries(
      Object.entries({ template, system, parser, renderer, parameters }).filter(([, v]) => v !== undefined),
    );
    await importModel(manager.url, name, files[name]!, extra);
  }
  return {
    manager,
    dir,
    files,
    stop: async () => {
      await manager.stop();
      await fs.rm(dir, { recursive: true, force: true });
      await fs.rm(manager.modelsDir, { recursive: true, force: true });
    },
  };
}
