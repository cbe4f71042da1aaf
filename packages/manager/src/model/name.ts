// The model-name grammar Ollama uses: [host/][namespace/]model[:tag], with defaults registry.ollama.ai, library
// and latest. "qwen2.5:0.5b" and "registry.ollama.ai/library/qwen2.5:0.5b" are the same model; hf.co/user/repo:Q4_K_M
// and localhost:5000/team/model name models on other registries.
import { BadRequestError } from '../errors.ts';

export const DEFAULT_HOST = 'registry.ollama.ai';
export const DEFAULT_NAMESPACE = 'library';
export const DEFAULT_TAG = 'latest';

export type ModelName = { host: string; namespace: string; model: string; tag: string };

// Ollama's part rules (types/model/name.go): letters, digits, '_', '-', '.'; a host may carry a port.
const HOST_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,349}(:\d{1,5})?$/;
const PART_RE = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,79}$/;
const TAG_RE = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,79}$/;

/** Parses a model name, filling in the defaults; throws BadRequestError saying what is wrong. */
export function parseModelName(input: string): ModelName {
  const raw = input.trim();
  if (!raw) throw new BadRequestError('model is required (a name like "qwen2.5:0.5b")');
  // A scheme is allowed and ignored (Ollama accepts https://host/ns/model for pulls).
  const s = raw.replace(/^https?:\/\//i, '');
  const slash = s.lastIndexOf('/');
  const last = s.slice(slash + 1);
  const rest = slash >= 0 ? s.slice(0, slash) : '';
  const colon = last.lastIndexOf(':');
  const model = colon >= 0 ? last.slice(0, colon) : last;
  const tag = colon >= 0 ? last.slice(colon + 1) : DEFAULT_TAG;
  const prefix = rest ? rest.split('/') : [];
  if (prefix.length > 2) {
    throw new BadRequestError(`invalid model name "${input}": expected [host/][namespace/]model[:tag]`);
  }
  const namespace = prefix.length >= 1 ? prefix[prefix.length - 1]! : DEFAULT_NAMESPACE;
  const host = prefix.length === 2 ? prefix[0]! : DEFAULT_HOST;
  const bad = (what: string, value: string) =>
    new BadRequestError(
      `invalid model name "${input}": ${what} ${JSON.stringify(value)} may hold only letters, digits, '_', '-' and '.'`,
    );
  if (!HOST_RE.test(host)) throw bad('host', host);
  if (!PART_RE.test(namespace)) throw bad('namespace', namespace);
  if (!PART_RE.test(model)) throw bad('model', model);
  if (!TAG_RE.test(tag)) throw bad('tag', tag);
  return { host, namespace, model, tag };
}

/** The short name Ollama shows: defaults left out ("qwen2.5:0.5b", "user/model:latest", "hf.co/u/r:Q4_K_M"). */
export function displayName(n: ModelName): string {
  if (n.host === DEFAULT_HOST && n.namespace === DEFAULT_NAMESPACE) return `${n.model}:${n.tag}`;
  if (n.host === DEFAULT_HOST) return `${n.namespace}/${n.model}:${n.tag}`;
  return `${n.host}/${n.namespace}/${n.model}:${n.tag}`;
}

/** The name with every part spelled out, the key two names are compared by (case-insensitively, as Ollama does). */
export function fullName(n: ModelName): string {
  return `${n.host}/${n.namespace}/${n.model}:${n.tag}`;
}

export function sameModel(a: ModelName, b: ModelName): boolean {
  return fullName(a).toLowerCase() === fullName(b).toLowerCase();
}
