// What a generate or chat request asks the runner to continue: raw text, a prompt rendered from an Ollama
// template (the request's or the model's template layer, with the request's tools and think value), or chat
// messages for the GGUF's own Jinja template.
import { fullName, parseModelName } from '../model/name.ts';
import { resolveRendererName } from '../renderers/renderer_resolution.ts';
import { rendererForName } from '../renderers/rendererForName.ts';
import type { ChatMessage, GenerateInput, JinjaTool } from '../runner/protocol.ts';
import { shorterChats } from '../runner/shorterChats.ts';
import type { ResolvedModel } from '../store/modelStore.ts';
import { renderPrompt, type TemplateMessage } from '../template/prompt.ts';
import { ThinkingParser } from '../thinking/thinkingParser.ts';
import type { ToolDefinition } from '../tools/types.ts';

export type Think = boolean | 'high' | 'medium' | 'low' | 'max';

export type GenerateRequest = {
  prompt: string;
  system?: string;
  template?: string;
  suffix?: string;
  raw: boolean;
  context?: number[];
  think?: Think;
};

export type ChatRequest = {
  messages: (ChatMessage & Omit<TemplateMessage, 'role' | 'content'>)[];
  tools?: unknown[];
  think?: Think;
  /** The context length the prompt must fit, when a prompt too long is to be truncated (Ollama's default). */
  truncateTo?: number;
};

export function generateInput(model: ResolvedModel, req: GenerateRequest): GenerateInput {
  if (req.raw) return { kind: 'text', text: req.prompt };
  const template = req.template ?? model.template;
  const system = req.system ?? model.system;
  // The model's MESSAGE conversation comes first, as Ollama does when no context is given.
  const messages: TemplateMessage[] = [
    ...(system ? [{ role: 'system', content: system }] : []),
    ...(req.context ? [] : model.messages),
    { role: 'user', content: req.prompt },
  ];
  const extra = { prefixTokens: req.context, wantContext: true };
  if (req.suffix) {
    // The capability check (prepare.ts) has refused a model without .Suffix already.
    return {
      kind: 'text',
      text: renderPrompt(template ?? '', {
        messages: [],
        prompt: req.prompt,
        suffix: req.suffix,
        think: req.think,
      }),
      ...extra,
    };
  }
  // A request's own template wins over the model's renderer, as in Ollama's GenerateHandler.
  const render = textRenderer(model, req.template, undefined, req.think);
  if (render) return { kind: 'text', text: render(messages), ...extra };
  return { kind: 'messages', messages: messages as ChatMessage[], ...extra };
}

type RenderText = (messages: TemplateMessage[]) => string;

/**
 * How a prompt is written as text: by the built-in renderer the model's config names (unless the request brings
 * its own template), else by the Go template; undefined where only the GGUF's Jinja template can render it.
 */
function textRenderer(
  model: ResolvedModel,
  requestTemplate: string | undefined,
  tools: unknown[] | undefined,
  think: Think | undefined,
): RenderText | undefined {
  const renderer = requestTemplate === undefined ? rendererForName(modelRendererName(model)) : undefined;
  if (renderer) return (m) => renderer.render(m, tools as ToolDefinition[] | undefined, think);
  const template = requestTemplate ?? model.template;
  if (template) return (m) => renderPrompt(template, { messages: m, tools, think });
  return undefined;
}

/** The renderer the model's config names, the legacy "gemma4" resolved by the model's size. */
function modelRendererName(model: ResolvedModel): string {
  return resolveRendererName({
    renderer: model.config.renderer,
    shortName: model.displayName,
    name: fullName(model.name),
    modelType: model.config.model_type,
  });
}

/** The conversation a chat continues: the model's MESSAGEs and system prompt, then the request's messages. */
export function chatMessagesFor(model: ResolvedModel, req: ChatRequest): ChatRequest['messages'] {
  const messages = [...model.messages, ...req.messages];
  // The model's system prompt applies unless the conversation brings its own.
  if (model.system && !messages.some((m) => m.role === 'system')) {
    messages.unshift({ role: 'system', content: model.system });
  }
  return filterThinkTags(model, messages);
}

export function chatInput(model: ResolvedModel, req: ChatRequest): GenerateInput {
  const messages = chatMessagesFor(model, req);
  const tools = req.tools?.length ? req.tools : undefined;
  const render = textRenderer(model, undefined, tools, req.think);
  if (render) {
    const text = render(messages);
    // A token holds at least a byte: a prompt with fewer bytes than the context fits, and needs no shorter one.
    const mayNotFit = req.truncateTo !== undefined && Buffer.byteLength(text) + 2 > req.truncateTo * 0.9;
    return { kind: 'text', text, ...(mayNotFit ? { shorter: [...shorterChats(messages)].map(render) } : {}) };
  }
  // No Go template: the GGUF's Jinja template renders the chat, with the tools and the calls and their results,
  // as Ollama has llama-server render it (its capability check has refused tools a template never mentions).
  return {
    kind: 'messages',
    messages: messages.map(jinjaMessage),
    ...(tools ? { tools: tools.map(jinjaTool) } : {}),
  };
}

function jinjaMessage(m: ChatRequest['messages'][number]): ChatMessage {
  const calls = (m.tool_calls ?? []).map((c) => {
    const f = ((c as { function?: unknown }).function ?? {}) as { name?: unknown; arguments?: unknown };
    const args = f.arguments;
    return {
      name: String(f.name ?? ''),
      arguments:
        args && typeof args === 'object' && !Array.isArray(args) ? (args as Record<string, unknown>) : {},
    };
  });
  return { role: m.role, content: m.content, ...(calls.length ? { toolCalls: calls } : {}) };
}

function jinjaTool(t: unknown): JinjaTool {
  const f = ((t as { function?: unknown }).function ?? {}) as Record<string, unknown>;
  return {
    name: String(f.name ?? ''),
    ...(typeof f.description === 'string' ? { description: f.description } : {}),
    ...(f.parameters && typeof f.parameters === 'object' ? { parameters: f.parameters } : {}),
  };
}

/**
 * Ollama's filterThinkTags: for qwen3 and deepseek-r1, earlier answers go back into the prompt without their
 * <think> blocks (they cost tokens and do not help).
 */
function filterThinkTags(model: ResolvedModel, messages: ChatRequest['messages']): ChatRequest['messages'] {
  let name = '';
  try {
    name = parseModelName(model.displayName).model;
  } catch {
    // a name that does not parse is not deepseek-r1
  }
  if (model.config.model_family !== 'qwen3' && name !== 'deepseek-r1') return messages;
  const lastUser = messages.findLastIndex((m) => m.role === 'user');
  return messages.map((m, i) =>
    m.role === 'assistant' && i < lastUser
      ? { ...m, content: new ThinkingParser('<think>', '</think>').add(m.content).content }
      : m,
  );
}
