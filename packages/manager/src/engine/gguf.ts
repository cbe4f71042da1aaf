// Reading a GGUF's header: to validate an uploaded model before it is accepted, and to describe a model in
// /api/tags and /api/show (family, parameter count, quantization, model_info). Parsing is node-llama-cpp's
// (pure JavaScript: it cannot crash the process the way loading tensors can).
import fs from 'node:fs/promises';
import { GgufFileType, readGgufFileInfo } from 'node-llama-cpp';
import { BadRequestError } from '../errors.ts';
import { checkGgufBounds } from './ggufBounds.ts';

export type GgufSummary = {
  architecture: string;
  parameterCount: number;
  /** Ollama's words: "Q8_0", "Q4_K_M", "F16". */
  quantization: string;
  contextLength?: number;
  chatTemplate?: string;
  /** Flattened metadata as /api/show's model_info gives it; long arrays (the vocabulary) left out. */
  modelInfo: Record<string, unknown>;
  /**
   * A classifier head (`cls` or `cls.output` tensors, as converted *ForSequenceClassification rerankers have):
   * what node-llama-cpp's ranking context requires.
   */
  reranker: boolean;
};

/** Reads and checks a GGUF; throws BadRequestError naming the file's problem when it is not a usable model. */
export async function inspectGguf(file: string, label = file): Promise<GgufSummary> {
  const stat = await fs.stat(file);
  const head = Buffer.alloc(4);
  const fh = await fs.open(file, 'r');
  try {
    await fh.read(head, 0, 4, 0);
  } finally {
    await fh.close();
  }
  if (head.toString('latin1') !== 'GGUF') {
    throw new BadRequestError(`${label} is not a GGUF file (it does not start with the GGUF magic)`);
  }
  await checkGgufBounds(file, label); // before the parser below allocates by the header's counts
  let info: Awaited<ReturnType<typeof readGgufFileInfo>>;
  try {
    info = await readGgufFileInfo(file, {
      readTensorInfo: true,
      logWarnings: false,
      sourceType: 'filesystem',
    });
  } catch (e) {
    throw new BadRequestError(`${label} is not a valid GGUF file: ${(e as Error).message}`);
  }
  const tensors = info.fullTensorInfo ?? info.tensorInfo ?? [];
  if (tensors.length === 0) throw new BadRequestError(`${label} holds no tensors: it is not a model`);
  let parameterCount = 0;
  for (const t of tensors) {
    if (Number(t.fileOffset) >= stat.size) {
      throw new BadRequestError(`${label} is truncated: tensor ${t.name} lies past the end of the file`);
    }
    parameterCount += t.dimensions.reduce<number>((a, d) => a * Number(d), 1);
  }
  const meta = info.metadata as unknown as Record<string, Record<string, unknown>>;
  const architecture = String(meta.general?.architecture ?? 'unknown');
  const fileType = meta.general?.file_type;
  const typeName = typeof fileType === 'number' ? GgufFileType[fileType] : undefined;
  const arch = (meta[architecture] ?? {}) as Record<string, unknown>;
  const template = (meta.tokenizer as Record<string, unknown> | undefined)?.chat_template;
  return {
    architecture,
    parameterCount,
    quantization: typeName ? typeName.replace(/^(MOSTLY|ALL)_/, '') : 'unknown',
    contextLength: typeof arch.context_length === 'number' ? arch.context_length : undefined,
    chatTemplate: typeof template === 'string' ? template : undefined,
    modelInfo: flatten(meta, parameterCount),
    reranker: tensors.some((t) => t.name === 'cls.weight' || t.name === 'cls.output.weight'),
  };
}

function flatten(meta: Record<string, unknown>, parameterCount: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const walk = (prefix: string, value: unknown) => {
    if (value && typeof value === 'object' && !Array.isArray(value)) {
      for (const [k, v] of Object.entries(value)) walk(prefix ? `${prefix}.${k}` : k, v);
    } else if (Array.isArray(value)) {
      // Ollama leaves the vocabulary out unless asked (verbose); so do we.
      out[prefix] = value.length > 64 ? null : value;
    } else {
      out[prefix] = typeof value === 'bigint' ? Number(value) : value;
    }
  };
  walk('', meta);
  out['general.parameter_count'] = parameterCount;
  return out;
}

/**
 * A vision (or audio) projector rather than a language model, as Ollama's isProjectorGGUF tells: its
 * general.type says so, or it is a CLIP encoder without a text model's blocks.
 */
export function isProjectorGguf(info: Record<string, unknown>): boolean {
  const type = info['general.type'];
  if (type === 'projector' || type === 'mmproj') return true;
  const arch = String(info['general.architecture'] ?? '');
  const blocks = Number(info[`${arch}.block_count`] ?? 0);
  if (blocks === 0 && Number(info[`${arch}.vision.block_count`] ?? 0) > 0) return true;
  return (
    arch === 'clip' &&
    blocks === 0 &&
    (info['clip.has_vision_encoder'] === true || info['clip.has_audio_encoder'] === true)
  );
}

/** Ollama's format.HumanNumber: 494032768 → "494.03M", 8030261248 → "8.0B". */
export function humanParameterCount(n: number): string {
  const fmt = (v: number, digits: number, unit: string) =>
    `${Number.isInteger(v) ? v.toFixed(0) : v.toFixed(digits)}${unit}`;
  if (n >= 1e9) return fmt(n / 1e9, 1, 'B');
  if (n >= 1e6) return fmt(n / 1e6, 2, 'M');
  if (n >= 1e3) return `${(n / 1e3).toFixed(0)}K`;
  return String(n);
}
