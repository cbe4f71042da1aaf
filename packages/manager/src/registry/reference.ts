// Where a model name lives on the network: [host/][namespace/]model[:tag] becomes the registry's origin and the
// OCI distribution URLs of its manifest and blobs. Ollama's registry, Hugging Face (hf.co/user/repo:quant) and any
// OCI v2 registry speak the same protocol, so nothing here is specific to one of them.
import { BadRequestError } from '../errors.ts';
import { type ModelName, parseModelName } from '../model/name.ts';

export type RegistryRef = {
  name: ModelName;
  /** "https://registry.ollama.ai": where the protocol's /v2/ paths start. */
  origin: string;
  /** "namespace/model", the OCI repository. */
  repository: string;
  manifestUrl: string;
  blobUrl: (digest: string) => string;
};

/**
 * Resolves a name for pulling. Registries are reached over https; `insecure` switches to plain http (as
 * Ollama's --insecure does), and a name spelled "http://..." is refused without it.
 */
export function registryRef(text: string, insecure = false, verb: 'pull' | 'push' = 'pull'): RegistryRef {
  const explicit = /^(https?):\/\//i.exec(text.trim())?.[1]?.toLowerCase();
  const name = parseModelName(text);
  if (explicit === 'http' && !insecure) {
    throw new BadRequestError(
      `"${text}" names a plain-http registry: ${verb} it with "insecure": true (ollama ${verb} --insecure) if you trust the network`,
    );
  }
  const origin = `${insecure ? 'http' : 'https'}://${name.host}`;
  const repository = `${name.namespace}/${name.model}`;
  return {
    name,
    origin,
    repository,
    manifestUrl: `${origin}/v2/${repository}/manifests/${name.tag}`,
    blobUrl: (digest) => `${origin}/v2/${repository}/blobs/${digest}`,
  };
}
