// The model store as the rest of the manager sees it: names resolve to a model file plus its template, system
// prompt and parameters; models are listed, copied and removed. The layout on disk is Ollama's, so a store
// written by Ollama is served as it is, and Ollama can serve ours.
import path from 'node:path';
import { ModelNotFoundError } from '../errors.ts';
import { displayName, type ModelName, parseModelName } from '../model/name.ts';
import { checkOptions, type Options } from '../model/options.ts';
import { type CloudUse, localModelName } from '../model/sourceSuffix.ts';
import { BlobStore } from './blobs.ts';
import { ManifestStore, type StoredManifest } from './manifests.ts';
import { LAYER } from './mediaTypes.ts';

/** The config blob Ollama writes beside the layers (server/images.go ConfigV2). */
export type ModelConfig = {
  model_format?: string;
  model_family?: string;
  model_families?: string[];
  model_type?: string;
  file_type?: string;
  architecture?: string;
  os?: string;
  rootfs?: { type: string; diff_ids: string[] };
  /** Set by Ollama's registry for newer models: what the model can do, and the built-in renderer and parser. */
  capabilities?: string[];
  renderer?: string;
  parser?: string;
  /** The draft layer's format and architecture (Ollama's model.Draft). */
  draft?: { model_format?: string; architecture?: string };
};

/** /api/tags' and /api/show's `details`. */
export type ModelDetails = {
  parent_model: string;
  format: string;
  family: string;
  families: string[] | null;
  parameter_size: string;
  quantization_level: string;
};

export type ResolvedModel = StoredManifest & {
  displayName: string;
  /** Bytes of all layers and the config, as Ollama counts a model's size. */
  size: number;
  modelPath: string;
  /** The projector GGUF (Ollama's projector layer), for a model that takes images. */
  projectorPath?: string;
  /** The draft model's GGUF (Ollama's draft layer, from a Modelfile's DRAFT): it guesses for speculative decoding. */
  draftPath?: string;
  template?: string;
  system?: string;
  license?: string;
  /** The conversation every chat with this model starts from (a Modelfile's MESSAGE lines). */
  messages: { role: 'system' | 'user' | 'assistant'; content: string }[];
  params: Options;
  config: ModelConfig;
  details: ModelDetails;
};

export class ModelStore {
  readonly blobs: BlobStore;
  readonly manifests: ManifestStore;

  constructor(readonly root: string) {
    this.blobs = new BlobStore(path.join(root, 'blobs'));
    this.manifests = new ManifestStore(path.join(root, 'manifests'));
  }

  /** Resolves a name to a usable model; throws ModelNotFoundError (404) when there is none. */
  /** `use`: what the model is wanted for, which names what a cloud model (`:cloud`) refused here is not. */
  async resolve(nameText: string, use: CloudUse = 'run'): Promise<ResolvedModel> {
    const name = parseModelName(localModelName(nameText, use));
    const stored = await this.manifests.read(name);
    if (!stored) throw new ModelNotFoundError(nameText);
    return this.describe(stored, nameText);
  }

  async list(): Promise<ResolvedModel[]> {
    const out: ResolvedModel[] = [];
    for (const m of await this.manifests.list()) {
      const r = await this.describe(m).catch(() => undefined); // a broken manifest is not listed, not fatal
      if (r) out.push(r);
    }
    return out.sort((a, b) => b.modifiedAt.getTime() - a.modifiedAt.getTime());
  }

  async copy(source: string, destination: string): Promise<void> {
    const src = await this.resolve(source);
    await this.manifests.write(parseModelName(destination), src.manifest);
  }

  /** Removes a model, and the blobs that no other manifest uses. */
  async remove(nameText: string): Promise<void> {
    const name = parseModelName(nameText);
    const stored = await this.manifests.read(name);
    if (!stored) throw new ModelNotFoundError(nameText);
    await this.manifests.remove(stored.name);
    await this.removeUnusedBlobs([stored.manifest.config, ...stored.manifest.layers].map((l) => l.digest));
  }

  /** Removes those of the given blobs that no manifest uses any more (after a model is removed or replaced). */
  async removeUnusedBlobs(digests: string[]): Promise<void> {
    const stillUsed = new Set<string>();
    for (const m of await this.manifests.list()) {
      for (const l of [m.manifest.config, ...m.manifest.layers]) if (l) stillUsed.add(l.digest);
    }
    for (const digest of digests) {
      if (!stillUsed.has(digest)) await this.blobs.remove(digest);
    }
  }

  private async describe(stored: StoredManifest, asked?: string): Promise<ResolvedModel> {
    const { manifest } = stored;
    const layer = (type: string) => manifest.layers.findLast((l) => l.mediaType === type);
    const modelLayer = layer(LAYER.model);
    if (!modelLayer) {
      throw new ModelNotFoundError(
        asked ?? displayName(stored.name),
        `model '${displayName(stored.name)}' has no model layer`,
      );
    }
    const projector = layer(LAYER.projector);
    const draft = layer(LAYER.draft);
    const text = async (type: string) => {
      const l = layer(type);
      return l ? this.blobs.readText(l.digest) : undefined;
    };
    const [template, system, paramsText, license, messagesText, configText] = await Promise.all([
      text(LAYER.template),
      text(LAYER.system),
      text(LAYER.params),
      text(LAYER.license),
      text(LAYER.messages),
      this.blobs.readText(manifest.config.digest).catch(() => '{}'),
    ]);
    const config = safeJson(configText) as ModelConfig;
    return {
      ...stored,
      displayName: displayName(stored.name),
      size: [manifest.config, ...manifest.layers].reduce((a, l) => a + (l.size ?? 0), 0),
      modelPath: this.blobs.path(modelLayer.digest),
      ...(projector ? { projectorPath: this.blobs.path(projector.digest) } : {}),
      ...(draft ? { draftPath: this.blobs.path(draft.digest) } : {}),
      template,
      system,
      license,
      messages: messagesText ? asMessages(safeJson(messagesText)) : [],
      params: paramsText ? checkOptions(safeJson(paramsText), "the model's parameters") : {},
      config,
      details: {
        parent_model: '',
        format: config.model_format ?? 'gguf',
        family: config.model_family ?? '',
        families: config.model_families ?? null,
        parameter_size: config.model_type ?? '',
        quantization_level: config.file_type ?? '',
      },
    };
  }
}

function asMessages(v: unknown): ResolvedModel['messages'] {
  if (!Array.isArray(v)) return [];
  return v.filter(
    (m): m is ResolvedModel['messages'][number] =>
      !!m && ['system', 'user', 'assistant'].includes(m.role) && typeof m.content === 'string',
  );
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return {};
  }
}

export type { ModelName };
