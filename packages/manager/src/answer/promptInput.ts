// What a generate or chat request asks the runner to continue: raw text, a prompt rendered from an Ollama
// template (the request's or the model's template layer), or chat messages for the GGUF's own Jinja template.

import { BadRequestError } from '../errors.ts';
import type { ChatMessage, GenerateInput } from '../runner/protocol.ts';
import type { ResolvedModel } from '../store/modelStore.ts';
import {
  renderPrompt,
  type TemplateMessage,
  templateSupportsSuffix,
  templateSupportsTools,
} from '../template/prompt.ts';

export type GenerateRequest = {
  prompt: string;
  system?: string;
  template?: string;
  suffix?: string;
  raw: boolean;
  context?: number[];
};

export type ChatRequest = {
  messages: (ChatMessage & Omit<TemplateMessage, 'role' | 'content'>)[];
  tools?: unknown[];
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
    if (!template || !templateSupportsSuffix(template)) {
      throw new BadRequestError(`${model.displayName} does not support insert (its template has no .Suffix)`);
    }
    return {
      kind: 'text',
      text: renderPrompt(template, { messages: [], prompt: req.prompt, suffix: req.suffix }),
      ...extra,
    };
  }
  if (template) return { kind: 'text', text: renderPrompt(template, { messages }), ...extra };
  return { kind: 'messages', messages: messages as ChatMessage[], ...extra };
}

export function chatInput(model: ResolvedModel, req: ChatRequest): GenerateInput {
  const messages = [...model.messages, ...req.messages];
  // The model's system prompt applies unless the conversation brings its own.
  if (model.system && !messages.some((m) => m.role === 'system')) {
    messages.unshift({ role: 'system', content: model.system });
  }
  const tools = req.tools?.length ? req.tools : undefined;
  if (model.template) {
    if (tools && !templateSupportsTools(model.template)) {
      throw new BadRequestError(`${model.displayName} does not support tools (its template has no .Tools)`);
    }
    return { kind: 'text', text: renderPrompt(model.template, { messages, tools }) };
  }
  if (tools) {
    throw new BadRequestError(
      `${model.displayName} does not support tools: it has no Ollama template with a tools section (create it with a TEMPLATE that uses .Tools)`,
    );
  }
  return { kind: 'messages', messages: messages.map(({ role, content }) => ({ role, content })) };
}
