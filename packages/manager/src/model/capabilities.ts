// What a model can do, derived as Ollama's Model.Capabilities does (server/images.go) for the parts ownchat
// has: the config's own list; from the GGUF, rerank (a classifier head: beyond Ollama, which has no rerankers),
// embedding (a pooling type) or completion, vision, and — when no
// Ollama template or built-in parser renders the chat — tools and thinking from its Jinja template; from the Go
// template, tools (.Tools), insert (.Suffix) and thinking (tags around .Thinking); from the config's built-in
// parser; thinking for the gpt-oss family. In that order, each once.
import { parserForName } from '../parsers/parserForName.ts';
import { compileTemplate, templateSupportsSuffix, templateSupportsTools } from '../template/prompt.ts';
import { thinkingTags } from '../thinking/thinkingTags.ts';

export type Capability =
  | 'completion'
  | 'tools'
  | 'insert'
  | 'vision'
  | 'embedding'
  | 'thinking'
  | 'audio'
  | 'rerank';

export type CapabilityFacts = {
  /** The model's Ollama (Go) template layer, if it has one. */
  goTemplate?: string;
  /** The GGUF's tokenizer.chat_template (Jinja). */
  chatTemplate?: string;
  /** The GGUF's metadata, flattened as /api/show's model_info. */
  modelInfo: Record<string, unknown>;
  config: { capabilities?: string[]; parser?: string; renderer?: string; model_family?: string };
  hasProjector: boolean;
  /** The GGUF has a classifier head (engine/gguf.ts): a reranker, which neither embeds nor completes. */
  reranker?: boolean;
};

export function modelCapabilities(f: CapabilityFacts): Capability[] {
  const caps: Capability[] = [];
  const add = (c: string) => {
    if (!caps.includes(c as Capability)) caps.push(c as Capability);
  };
  for (const c of f.config.capabilities ?? []) add(c);

  const arch = String(f.modelInfo['general.architecture'] ?? '');
  const parser = parserForName(f.config.parser);
  const rendered = Boolean(
    f.config.renderer || f.config.parser || usesHarmony(f) || f.goTemplate !== undefined,
  );
  if (!rendered && f.chatTemplate) {
    if (chatTemplateHasTools(f.chatTemplate)) add('tools');
    if (chatTemplateHasThinking(f.chatTemplate)) add('thinking');
  }
  const embedding = f.modelInfo[`${arch}.pooling_type`] !== undefined || /bert/.test(arch);
  if (f.reranker) add('rerank');
  else add(embedding ? 'embedding' : 'completion');
  if (f.modelInfo[`${arch}.vision.block_count`] !== undefined) add('vision');
  if (f.hasProjector) add('vision');

  if (f.goTemplate !== undefined) {
    if (templateSupportsTools(f.goTemplate)) add('tools');
    if (templateSupportsSuffix(f.goTemplate)) add('insert');
    const tags = thinkingTags(compileTemplate(f.goTemplate));
    if (tags.opening && tags.closing) add('thinking');
  }
  if (parser?.hasToolSupport) add('tools');
  if (parser?.hasThinkingSupport) add('thinking');
  if (isGptOss(f.config.model_family)) add('thinking');
  return caps;
}

const isGptOss = (family: string | undefined) => family === 'gptoss' || family === 'gpt-oss';

/** Ollama's shouldUseHarmony: a gpt-oss model whose template has harmony's start and end tags. */
export function usesHarmony(f: Pick<CapabilityFacts, 'goTemplate' | 'config'>): boolean {
  const t = f.goTemplate ?? '';
  return isGptOss(f.config.model_family) && t.includes('<|start|>') && t.includes('<|end|>');
}

// server/images.go chatTemplateHasToolSupport and chatTemplateHasThinkingSupport.
export function chatTemplateHasTools(t: string): boolean {
  return t.includes('tools') || t.includes('tool_call');
}

export function chatTemplateHasThinking(t: string): boolean {
  if (t.includes('<think>') && t.includes('</think>')) return true;
  return (
    (t.includes("content.split('</think>')") || t.includes('content.split("</think>")')) &&
    !t.includes('reasoning_content') &&
    !t.includes('<SPECIAL_12>')
  );
}

/**
 * Ollama's refusal when a request needs what a model lacks (CheckCapabilities through scheduleRunner): the
 * model's full name, then "does not support" and the missing capabilities.
 */
export function missingCapabilityMessage(fullName: string, missing: Capability[]): string {
  return `${fullName} does not support ${missing.join('\n')}`;
}
