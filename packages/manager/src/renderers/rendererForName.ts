// The built-in renderers by the names Ollama's registry puts in a model's config (model/renderers/renderer.go
// rendererForName). A name not listed here is not one ownchat has: the model's prompt then comes from its
// template (Go template layer or the GGUF's Jinja template). Ollama refuses such a model with "unknown
// renderer"; rendering from the template instead keeps models working whose family ownchat has not ported yet.
import { DeepSeek3Renderer } from './deepseek3.ts';
import { Gemma4Renderer } from './gemma4.ts';
import { Qwen3CoderRenderer } from './qwen3coder.ts';
import type { Renderer } from './renderer.ts';

// Ollama's server sets RenderImgTags: images are written into the prompt as [img-N] tags.
const RENDER_IMG_TAGS = true;

const RENDERERS: Record<string, () => Renderer> = {
  'deepseek3.1': () => new DeepSeek3Renderer(true),
  'qwen3-coder': () => new Qwen3CoderRenderer(),
  gemma4: () => new Gemma4Renderer(RENDER_IMG_TAGS, false),
  'gemma4-small': () => new Gemma4Renderer(RENDER_IMG_TAGS, false),
  'gemma4-large': () => new Gemma4Renderer(RENDER_IMG_TAGS, true),
};

export function rendererForName(name: string | undefined): Renderer | undefined {
  return name ? RENDERERS[name]?.() : undefined;
}

export const BUILTIN_RENDERER_NAMES = Object.keys(RENDERERS);
