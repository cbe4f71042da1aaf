// What an answer is made of as it streams: a chunk is not only text. The runner sends text (and, when asked
// for, the log probabilities of its tokens); a model's parser splits the text into content, thinking and tool
// calls, in Ollama's wire shapes (api/types.go), and every reply writer passes a chunk on whole.
import type { Logprob } from '../runner/protocol.ts';

export type { Logprob, TokenLogprob } from '../runner/protocol.ts';

/** One tool call the model made (Ollama's api.ToolCall). */
export type ToolCall = {
  id?: string;
  function: { index?: number; name: string; arguments: Record<string, unknown> };
};

export type AnswerChunk = {
  content?: string;
  thinking?: string;
  toolCalls?: ToolCall[];
  logprobs?: Logprob[];
};

/** The chunks of an answer put together, for a reply that is not streamed. */
export function joinChunks(chunks: readonly AnswerChunk[]): AnswerChunk {
  const whole: AnswerChunk = { content: '' };
  for (const c of chunks) {
    if (c.content) whole.content += c.content;
    if (c.thinking) whole.thinking = (whole.thinking ?? '') + c.thinking;
    if (c.toolCalls?.length) whole.toolCalls = [...(whole.toolCalls ?? []), ...c.toolCalls];
    if (c.logprobs?.length) whole.logprobs = [...(whole.logprobs ?? []), ...c.logprobs];
  }
  return whole;
}
