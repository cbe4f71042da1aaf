// /api/create: a new model from an uploaded GGUF blob (`files`) or from an existing model (`from`), with its
// template, system prompt and parameters as layers, and its draft model (`draft_files`) as a draft layer, as
// Ollama builds it. The GGUF is checked before anything is written, so a bad upload never becomes a model.
import { humanParameterCount } from '../engine/gguf.ts';
import { BadRequestError } from '../errors.ts';
import { displayName, parseModelName } from '../model/name.ts';
import { checkDraftLength, checkOptions } from '../model/options.ts';
import { BUILTIN_PARSER_NAMES } from '../parsers/parserForName.ts';
import { BUILTIN_RENDERER_NAMES } from '../renderers/rendererForName.ts';
import { checkTemplate } from '../template/prompt.ts';
import { inspectFiles } from './createFiles.ts';
import { checkDraftRequest, draftLayer } from './draftLayer.ts';
import type { Layer, Manifest } from './manifests.ts';
import { CONFIG_MEDIA_TYPE, LAYER, MANIFEST_MEDIA_TYPE } from './mediaTypes.ts';
import type { ModelConfig, ModelStore } from './modelStore.ts';

export type CreateRequest = {
  model: string;
  from?: string;
  files?: Record<string, string>;
  /** A draft model's GGUF, as `files` names the model's (Ollama's DRAFT): it becomes the draft layer. */
  draft_files?: Record<string, string>;
  /** Ollama's quantization of the draft: refused here, as this server quantizes nothing (draftLayer.ts). */
  draft_quantize?: string;
  template?: string;
  system?: string;
  parameters?: Record<string, unknown>;
  license?: string | string[];
  /** A Modelfile's MESSAGE lines: a conversation every chat with the model starts from. */
  messages?: { role: string; content: string }[];
  /** The built-in output parser the model's answers are read with (Ollama's `parser`: "harmony", "qwen3", …). */
  parser?: string;
  /** The built-in renderer the model's prompts are written with (Ollama's `renderer`: "qwen3-coder", …). */
  renderer?: string;
};

/** A parser or renderer name must be one this server has: a typo would otherwise change prompts silently. */
function checkBuiltinName(kind: 'parser' | 'renderer', name: string | undefined, known: string[]): void {
  if (!name || known.includes(name)) return;
  throw new BadRequestError(
    known.length
      ? `${kind} ${JSON.stringify(name)} is not one this server has: use one of ${known.join(', ')}`
      : `${kind} ${JSON.stringify(name)} is not one this server has: it has no built-in ${kind}s`,
  );
}

const MESSAGE_ROLES = new Set(['system', 'user', 'assistant']);

function checkMessages(v: unknown): { role: string; content: string }[] {
  if (!Array.isArray(v)) throw new BadRequestError('messages must be a list of {"role", "content"} objects');
  return v.map((m, i) => {
    const { role, content } = (m ?? {}) as Record<string, unknown>;
    if (typeof role !== 'string' || !MESSAGE_ROLES.has(role) || typeof content !== 'string') {
      throw new BadRequestError(
        `messages[${i}] must have a role (system, user or assistant) and a string content`,
      );
    }
    return { role, content };
  });
}

export async function createModel(
  store: ModelStore,
  req: CreateRequest,
  progress: (status: string) => void,
): Promise<void> {
  const name = parseModelName(req.model);
  // Check everything the request says before the first progress line: once streaming starts, the status is 200.
  let params = req.parameters === undefined ? undefined : checkOptions(req.parameters, 'parameters');
  if (params) checkDraftLength(params, 'parameters');
  checkDraftRequest(req.draft_files, req.draft_quantize);
  if (req.template !== undefined) checkTemplate(req.template); // one that cannot parse, or loops, is refused now
  const messages = req.messages === undefined ? undefined : checkMessages(req.messages);
  checkBuiltinName('parser', req.parser, BUILTIN_PARSER_NAMES);
  checkBuiltinName('renderer', req.renderer, BUILTIN_RENDERER_NAMES);
  let layers: Layer[];
  let config: ModelConfig;
  if (req.files && Object.keys(req.files).length > 0) {
    ({ layers, config } = await fromFiles(store, req.files, progress));
    // Ollama's createModel: a Gemma 4 GGUF gets its family's renderer, parser and end-of-turn stop unless the
    // request names them (its GGUF carries no template Ollama could use).
    if (config.model_family === 'gemma4' && (!req.renderer || !req.parser)) {
      config = { ...config, renderer: req.renderer || 'gemma4', parser: req.parser || 'gemma4' };
      if (params?.stop === undefined) params = { ...params, stop: ['<turn|>'] };
    }
  } else if (req.from) {
    const base = await store.resolve(req.from);
    // Each layer names the model it came from, as Ollama's parseFromModel does (NewLayerFromLayer): a push to
    // the registry that model came from mounts those blobs from its repository instead of sending them again.
    const from = displayName(base.name);
    layers = base.manifest.layers.map((l) => ({ ...l, from }));
    config = base.config;
    for (const l of layers) progress(`using existing layer ${l.digest}`);
  } else {
    throw new BadRequestError(
      "neither 'from' nor 'files' was specified: say which model or GGUF blob to build on",
    );
  }

  if (req.draft_files && Object.keys(req.draft_files).length > 0) {
    const model = layers.find((l) => l.mediaType === LAYER.model)!;
    const d = await draftLayer(store, req.draft_files, store.blobs.path(model.digest), progress);
    // A new draft replaces the one a `from` model had, as a new template replaces its template.
    layers = [...layers.filter((l) => l.mediaType !== LAYER.draft), d.layer];
    config = { ...config, draft: d.draft };
  }

  const replace = async (mediaType: string, content: string) => {
    const { digest, size } = await store.blobs.writeBytes(content);
    layers = layers.filter((l) => l.mediaType !== mediaType);
    layers.push({ mediaType, digest, size });
    progress(`creating new layer ${digest}`);
  };
  if (req.template !== undefined) await replace(LAYER.template, req.template);
  if (req.system !== undefined) await replace(LAYER.system, req.system);
  if (req.license !== undefined) {
    await replace(LAYER.license, Array.isArray(req.license) ? req.license.join('\n') : req.license);
  }
  if (params !== undefined) await replace(LAYER.params, JSON.stringify(params));
  if (messages !== undefined && messages.length > 0) await replace(LAYER.messages, JSON.stringify(messages));

  if (req.parser) config = { ...config, parser: req.parser };
  if (req.renderer) config = { ...config, renderer: req.renderer };
  config = { ...config, rootfs: { type: 'layers', diff_ids: layers.map((l) => l.digest) } };
  const cfg = await store.blobs.writeBytes(JSON.stringify(config));
  const manifest: Manifest = {
    schemaVersion: 2,
    mediaType: MANIFEST_MEDIA_TYPE,
    config: { mediaType: CONFIG_MEDIA_TYPE, digest: cfg.digest, size: cfg.size },
    layers,
  };
  progress('writing manifest');
  await store.manifests.write(name, manifest);
  progress('success');
}

async function fromFiles(
  store: ModelStore,
  files: Record<string, string>,
  progress: (status: string) => void,
): Promise<{ layers: Layer[]; config: ModelConfig }> {
  const { models, projectors } = await inspectFiles(store, files, 'files', progress);
  if (models.length !== 1 || projectors.length > 1) {
    throw new BadRequestError(
      `files must hold one model GGUF and at most one projector (mmproj) GGUF; these hold ${models.length} and ${projectors.length}`,
    );
  }
  const { gguf } = models[0]!;
  return {
    layers: [models[0]!.layer, ...projectors.map((p) => p.layer)],
    config: {
      model_format: 'gguf',
      model_family: gguf.architecture,
      model_families: [gguf.architecture],
      model_type: humanParameterCount(gguf.parameterCount),
      file_type: gguf.quantization,
      architecture: 'amd64',
      os: 'linux',
    },
  };
}
