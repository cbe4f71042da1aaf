// A model name's source suffix, as Ollama reads it (internal/modelref/modelref.go parseSourceSuffix): `:cloud`
// (or a tag ending in `-cloud`, `gpt-oss:20b-cloud`) asks for ollama.com's cloud; `:local` asks for the local
// model and is dropped. This server has no cloud: Ollama with cloud turned off answers such a name with 403 and
// `ollama cloud is disabled: …` before it looks for any local model (server/routes.go, cloud_proxy.go), and so
// do we, so clients that try a cloud model learn why it cannot run here instead of meeting "model not found".
import { BadRequestError, ForbiddenError } from '../errors.ts';

/** The two operations Ollama names in its message (server/routes.go cloudErrRemote…). */
export type CloudUse = 'run' | 'details';

const UNAVAILABLE: Record<CloudUse, string> = {
  run: 'remote model is unavailable',
  details: 'remote model details are unavailable',
};

type Source = { base: string; source: 'cloud' | 'local' | undefined };

export function parseSourceSuffix(raw: string): Source {
  const text = raw.trim();
  const idx = text.lastIndexOf(':');
  if (idx < 0) return { base: text, source: undefined };
  const suffixRaw = text.slice(idx + 1).trim();
  const suffix = suffixRaw.toLowerCase();
  if (suffix === 'cloud') return { base: text.slice(0, idx), source: 'cloud' };
  if (suffix === 'local') return { base: text.slice(0, idx), source: 'local' };
  if (!suffixRaw.includes('/') && suffix.endsWith('-cloud')) {
    return { base: text.slice(0, idx + 1) + suffixRaw.slice(0, -'-cloud'.length), source: 'cloud' };
  }
  return { base: text, source: undefined };
}

/**
 * The local name a request's model names: `:local` dropped; a cloud name refused with Ollama's 403 (and a
 * name with both suffixes with its 400 message, as ParseRef refuses it).
 */
export function localModelName(raw: string, use: CloudUse): string {
  const { base, source } = parseSourceSuffix(raw);
  if (source === undefined) return raw;
  if (parseSourceSuffix(base).source !== undefined) {
    throw new BadRequestError(`use either :local or :cloud, not both: ${JSON.stringify(raw.trim())}`);
  }
  if (source === 'cloud') throw new ForbiddenError(`ollama cloud is disabled: ${UNAVAILABLE[use]}`);
  return base;
}
