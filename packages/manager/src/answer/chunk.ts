// What an answer is made of as it streams: a chunk is not only text. Today the runner sends text only, so only
// `content` is filled; thinking, tool calls and log probabilities take their place here (in Ollama's wire shapes,
// api/types.go) when those features come, and every reply writer already passes a chunk on whole.

/** One tool call the model made (Ollama's api.ToolCall). */
export type ToolCall = {
  id?: string;
  function: { index?: number; name: string; arguments: Record<string, unknown> };
};

/** A token's log probability (Ollama's api.TokenLogprob). */
export type TokenLogprob = { token: string; logprob: number; bytes?: number[] };

/** A generated token's log probability and, when asked for, the likeliest alternatives (api.Logprob). */
export type Logprob = TokenLogprob & { top_logprobs?: TokenLogprob[] };

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
