// The tokens a generation starts from: chat messages through the GGUF's own chat template (Jinja), or text as it
// is, after any tokens the client sent back as `context`.
import type { ChatModelFunctions, GbnfJsonSchema, Token } from 'node-llama-cpp';
import { type LoadedModel, RequestError } from './loadedModel.ts';
import type { ChatMessage, GenerateInput, JinjaTool } from './protocol.ts';

export function promptTokens(l: LoadedModel, input: GenerateInput): Token[] {
  let tokens: Token[];
  const jinja = input.kind === 'text' ? undefined : l.chatWrapper();
  if (input.kind === 'text') {
    tokens = l.model.tokenize(input.text, true);
  } else if (jinja) {
    const { contextText } = jinja.generateContextState({
      chatHistory: toChatHistory(input.messages),
      ...(input.tools?.length ? { availableFunctions: availableFunctions(input.tools) } : {}),
    });
    tokens = contextText.tokenize(l.model.tokenizer);
  } else {
    // No chat template in the file: Ollama's default template is the prompt alone.
    tokens = l.model.tokenize(input.messages.map((m) => m.content).join('\n'), true);
  }
  // LlamaCompletion prepends BOS itself when the model wants one; a template that wrote it must not double it.
  const bos = l.model.tokens.bos;
  if (l.model.tokens.shouldPrependBosToken && bos != null && tokens[0] === bos) tokens = tokens.slice(1);
  if (input.prefixTokens?.length) {
    checkVocabulary(l, input.prefixTokens);
    tokens = [...(input.prefixTokens as Token[]), ...tokens];
  }
  return tokens;
}

/** /api/generate's `context` comes from the client: an id past the vocabulary would index past llama.cpp's tables. */
function checkVocabulary(l: LoadedModel, ids: number[]): void {
  const size = vocabularySize(l);
  if (!size) return;
  const bad = ids.find((id) => !Number.isInteger(id) || id < 0 || id >= size);
  if (bad !== undefined) {
    throw new RequestError(
      `context holds token id ${bad}, outside this model's vocabulary of ${size} tokens: send back the context an answer from this model returned`,
    );
  }
}

function vocabularySize(l: LoadedModel): number {
  const meta = l.model.fileInfo.metadata as { tokenizer?: { ggml?: { tokens?: readonly unknown[] } } };
  return meta.tokenizer?.ggml?.tokens?.length ?? 0;
}

type FunctionCall = { type: 'functionCall'; name: string; params: unknown; result: unknown };

type HistoryItem =
  | { type: 'system'; text: string }
  | { type: 'user'; text: string }
  | { type: 'model'; response: (string | FunctionCall)[] };

/**
 * node-llama-cpp's chat history: an assistant message's tool calls carry their results (the tool messages
 * after it, in order), which its Jinja rendering turns back into the template's assistant `tool_calls` and
 * `tool` messages.
 */
function toChatHistory(messages: ChatMessage[]): HistoryItem[] {
  const history: HistoryItem[] = [];
  for (let i = 0; i < messages.length; i++) {
    const m = messages[i]!;
    if (m.role === 'system') history.push({ type: 'system', text: m.content });
    else if (m.role === 'assistant') {
      const response: (string | FunctionCall)[] = m.content || !m.toolCalls?.length ? [m.content] : [];
      for (const call of m.toolCalls ?? []) {
        const result = messages[i + 1]?.role === 'tool' ? messages[++i]!.content : '';
        response.push({ type: 'functionCall', name: call.name, params: call.arguments, result });
      }
      history.push({ type: 'model', response });
    } else history.push({ type: 'user', text: m.content });
  }
  // A last assistant message is continued (prefill), as Ollama does; otherwise the model answers anew. After
  // calls and their results node-llama-cpp opens the model's next message itself.
  if (history.at(-1)?.type !== 'model') history.push({ type: 'model', response: [] });
  return history;
}

/** The request's tools as node-llama-cpp's functions (the JSON schemas as the client sent them). */
function availableFunctions(tools: JinjaTool[]): ChatModelFunctions {
  return Object.fromEntries(
    tools.map((t) => [
      t.name,
      { ...(t.description ? { description: t.description } : {}), params: t.parameters as GbnfJsonSchema },
    ]),
  );
}
