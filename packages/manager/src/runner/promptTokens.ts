// The tokens a generation starts from: chat messages through the GGUF's own chat template (Jinja), or text as it
// is, after any tokens the client sent back as `context`.
import type { Token } from 'node-llama-cpp';
import { type LoadedModel, RequestError } from './loadedModel.ts';
import type { ChatMessage, GenerateInput } from './protocol.ts';

export function promptTokens(l: LoadedModel, input: GenerateInput): Token[] {
  let tokens: Token[];
  if (input.kind === 'text') {
    tokens = l.model.tokenize(input.text, true);
  } else if (l.chatWrapper) {
    const { contextText } = l.chatWrapper.generateContextState({
      chatHistory: toChatHistory(input.messages),
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

type HistoryItem =
  | { type: 'system'; text: string }
  | { type: 'user'; text: string }
  | { type: 'model'; response: string[] };

function toChatHistory(messages: ChatMessage[]): HistoryItem[] {
  const history: HistoryItem[] = messages.map((m) => {
    if (m.role === 'system') return { type: 'system', text: m.content };
    if (m.role === 'assistant') return { type: 'model', response: [m.content] };
    return { type: 'user', text: m.content };
  });
  // A last assistant message is continued (prefill), as Ollama does; otherwise the model answers anew.
  if (history.at(-1)?.type !== 'model') history.push({ type: 'model', response: [] });
  return history;
}
