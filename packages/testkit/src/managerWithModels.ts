// The set-up most integration tests share: a temporary folder, test models written into it, a real llm-manager
// process (`ownchat serve`) with those models imported under the names the tests use; and the matching tear-down.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { importModel, type ManagerProcess, startManagerProcess } from './managerProcess.ts';
import { writeDeterministicModel, writeRandomModel } from './models.ts';

/**
 * A model to import: `det` answers DETERMINISTIC_ANSWER (seed: other weights, so a runner of its own); `chatty`
 * has random weights and a wide vocabulary, which makes <|im_end|> rare: it keeps talking until it is stopped.
 */
export type TestModel = {
  kind: 'det' | 'chatty';
  seed?: number;
  /** Modelfile parameters the model is imported with (e.g. temperature 0, num_predict). */
  parameters?: Record<string, unknown>;
};

export type ManagerWithModels = {
  manager: ManagerProcess;
  /** The temporary folder the models were written to; removed by stop(). */
  dir: string;
  /** Each model's GGUF file, by the name it was imported as. */
  files: Record<string, string>;
  stop: () => Promise<void>;
};

/** Writes the models (each file once), starts an llm-manager and imports them under their names. */
export async function startManagerWithModels(
  models: Record<string, TestModel['kind'] | TestModel>,
  opts: { env?: Record<string, string>; prefix?: string } = {},
): Promise<ManagerWithModels> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), `ownchat-${opts.prefix ?? 'test'}-`));
  const written = new Map<string, string>();
  const files: Record<string, string> = {};
  for (const [name, m] of Object.entries(models)) {
    const model = typeof m === 'string' ? { kind: m } : m;
    const key = `${model.kind}-${model.seed ?? 'default'}`;
    let file = written.get(key);
    if (!file) {
      file = path.join(dir, `${key}.gguf`);
      if (model.kind === 'det') {
        await writeDeterministicModel(file, model.seed === undefined ? {} : { shape: { seed: model.seed } });
      } else {
        await writeRandomModel(file, { vocab: 32000, seed: model.seed ?? 7 });
      }
      written.set(key, file);
    }
    files[name] = file;
  }
  const manager = await startManagerProcess(opts.env ? { env: opts.env } : {});
  for (const [name, m] of Object.entries(models)) {
    const parameters = typeof m === 'string' ? undefined : m.parameters;
    await importModel(manager.url, name, files[name]!, parameters ? { parameters } : {});
  }
  return {
    manager,
    dir,
    files,
    stop: async () => {
      await manager.stop();
      await fs.rm(dir, { recursive: true, force: true });
    },
  };
}
