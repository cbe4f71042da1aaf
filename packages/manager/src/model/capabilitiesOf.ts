// A stored model's capabilities (model/capabilities.ts), from its manifest, config, template and GGUF.
import { inspectGguf } from '../engine/gguf.ts';
import { LAYER } from '../store/mediaTypes.ts';
import type { ResolvedModel } from '../store/modelStore.ts';
import { type Capability, modelCapabilities } from './capabilities.ts';

/** What a model can do, as Ollama derives it (model/capabilities.ts). */
export function capabilityFacts(
  m: ResolvedModel,
  gguf: { chatTemplate?: string; modelInfo: Record<string, unknown>; reranker?: boolean },
): Capability[] {
  return modelCapabilities({
    reranker: gguf.reranker,
    goTemplate: m.template,
    chatTemplate: gguf.chatTemplate,
    modelInfo: gguf.modelInfo,
    config: m.config,
    hasProjector: m.manifest.layers.some((l) => l.mediaType === LAYER.projector),
  });
}

// Reading a GGUF's metadata for every model on every /api/tags would be slow: a model's capabilities are
// fixed by its digest.
const capabilityCache = new Map<string, Capability[]>();

export async function capabilitiesOf(m: ResolvedModel): Promise<Capability[]> {
  const cached = capabilityCache.get(m.digest);
  if (cached) return cached;
  const gguf = await inspectGguf(m.modelPath, m.displayName).catch(() => ({ modelInfo: {} }));
  const caps = capabilityFacts(m, gguf);
  if (capabilityCache.size > 256) capabilityCache.clear();
  capabilityCache.set(m.digest, caps);
  return caps;
}
